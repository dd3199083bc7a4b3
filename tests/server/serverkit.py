"""Run a railguard server app on uvicorn in a background thread on 127.0.0.1 with a free port."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

SPEC = """\
railguard: 1
name: svc
messages: {blocked_input: "Sorry, I can't help with that request.", blocked_output: "Sorry, I can't share that answer."}
input:
  - pii: {entities: [US_SOCIAL_SECURITY_NUMBER, EMAIL], on_fail: mask}
  - words: {words: [forbiddenword], on_fail: block}
output:
  - pii: {entities: [EMAIL], on_fail: mask}
  - words: {words: [badword], on_fail: block}
"""

KEY = "test-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    def __init__(self, app: Any, *, certfile: str | None = None, keyfile: str | None = None):
        import uvicorn

        self.app = app
        self.port = free_port()
        self.scheme = "https" if certfile else "http"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="on", ssl_certfile=certfile, ssl_keyfile=keyfile,
                                timeout_graceful_shutdown=10)
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def state(self) -> Any:
        return self.app.state.railguard

    def __enter__(self) -> "RunningServer":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def write_spec(tmp_path: Any, text: str = SPEC, name: str = "svc.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def make_config(specs: list[str], **kw: Any) -> Any:
    from railguard.server.auth import hash_key
    from railguard.server.config import ApiKey, ServerConfig

    kw.setdefault("api_keys", [ApiKey("tests", sha256=hash_key(KEY))])
    return ServerConfig(specs=specs, **kw)


def bedrock_client(url: str, **kw: Any) -> Any:
    import boto3
    from botocore.config import Config

    kw.setdefault("aws_access_key_id", "AKIDEXAMPLE")
    kw.setdefault("aws_secret_access_key", "secret")
    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url,
                        config=Config(retries={"max_attempts": 1}), **kw)


def bearer(client: Any, key: str = KEY) -> Any:
    """Send ``Authorization: Bearer key`` instead of a SigV4 signature (as boto3 does with Bedrock API keys)."""
    def sign(request: Any, **_: Any) -> None:
        request.headers["Authorization"] = f"Bearer {key}"

    client.meta.events.register_last("before-send.*", sign)
    return client


__all__ = ["RunningServer", "SPEC", "KEY", "free_port", "write_spec", "make_config", "bedrock_client", "bearer",
           "asyncio"]
