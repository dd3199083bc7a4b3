"""Run the app on uvicorn: TLS when given a certificate, N worker processes, JSON logs,
SIGHUP reload and a graceful drain on SIGTERM (in-flight requests are answered, up to ``drain_s``).

With one worker, SIGHUP reloads in place (:class:`~railguard.server.guards.GuardSet`). With
several, uvicorn's supervisor restarts the workers on SIGHUP; railguard's supervisor first compiles
every spec itself and restarts nothing when one fails, so a bad spec never takes a worker down.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from typing import Any

from .config import ApiKey, Route, SageMakerRoute, ServerConfig, SigV4Key

__all__ = ["serve", "factory", "config_to_json", "config_from_json", "CONFIG_ENV"]

CONFIG_ENV = "RAILGUARD_SERVER_CONFIG_JSON"
log = logging.getLogger("railguard.server")


def config_to_json(cfg: ServerConfig) -> str:
    return json.dumps(dataclasses.asdict(cfg))


def config_from_json(text: str) -> ServerConfig:
    data = json.loads(text)
    data["api_keys"] = [ApiKey(**k) for k in data["api_keys"]]
    data["sigv4"] = [SigV4Key(**k) for k in data["sigv4"]]
    data["routes"] = [Route(**r) for r in data["routes"]]
    data["sagemaker"] = [SageMakerRoute(**r) for r in data["sagemaker"]]
    return ServerConfig(**data)


def factory() -> Any:
    """The app of a worker process (uvicorn imports this; the config comes from the environment)."""
    from .app import create_app

    _logging()  # worker processes are spawned: the supervisor's logging setup does not carry over
    return create_app(config_from_json(os.environ[CONFIG_ENV]), handle_sighup=True)


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object; messages that are JSON already are merged in, not quoted."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": round(record.created, 3), "level": record.levelname.lower(),
                               "logger": record.name}
        message = record.getMessage()
        try:
            parsed = json.loads(message)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            out.update(parsed)
        else:
            out["message"] = message
        return json.dumps(out, ensure_ascii=False)


def _logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("railguard.server", "railguard.telemetry", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _checked_multiprocess() -> Any:
    from uvicorn.supervisors.multiprocess import Multiprocess

    class CheckedMultiprocess(Multiprocess):
        def handle_hup(self) -> None:
            from .guards import GuardSet

            cfg = config_from_json(os.environ[CONFIG_ENV])
            ok, message = GuardSet(cfg.specs).reload()
            if not ok:
                log.error(json.dumps({"event": "reload_refused", "error": message[:2000]}))
                return
            super().handle_hup()

    return CheckedMultiprocess


def serve(cfg: ServerConfig) -> None:
    """Serve until SIGINT/SIGTERM. Blocks."""
    import uvicorn

    cfg.check()
    _logging()
    os.environ[CONFIG_ENV] = config_to_json(cfg)  # read back by each worker's factory()
    config = uvicorn.Config("railguard.server.run:factory", factory=True, host=cfg.host, port=cfg.port,
                            workers=cfg.workers, ssl_certfile=cfg.certfile, ssl_keyfile=cfg.keyfile,
                            timeout_graceful_shutdown=int(cfg.drain_s) or None, access_log=False,
                            log_config=None, log_level="info", lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    if cfg.workers > 1:
        sock = config.bind_socket()
        _checked_multiprocess()(config, sockets=[sock]).run()
    else:
        server.run()
