"""``railguard serve``: run the HTTP service (Bedrock ApplyGuardrail, OpenAI chat, SageMaker runtime)."""

from __future__ import annotations

from typing import Any

API_KEY_ENV = "RAILGUARD_API_KEY"


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve specs over HTTP: Bedrock ApplyGuardrail, OpenAI chat, SageMaker runtime",
                       description="Compile and warm the specs, then serve them until SIGTERM (in-flight requests "
                                   "are answered first). SIGHUP reloads the specs; a bad spec keeps the old ones "
                                   "serving. Authentication is on: keys from --config (auth.api_keys, auth.sigv4) "
                                   f"or the environment variable {API_KEY_ENV}. Needs pip install 'railguard[server]'.")
    p.add_argument("specs", nargs="*", metavar="SPEC", help="spec files or glob patterns (added to the config's)")
    p.add_argument("--config", metavar="FILE", help="server.yaml (see the README's Serving section)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: 8080)")
    p.add_argument("--workers", type=int, help="worker processes (default: 1)")
    p.add_argument("--certfile", metavar="F", help="TLS certificate chain (PEM); serve HTTPS")
    p.add_argument("--keyfile", metavar="F", help="TLS private key (PEM)")
    p.add_argument("--no-auth", action="store_true", help="no authentication (refused unless the host is loopback)")
    p.add_argument("--check", action="store_true", help="load the config and compile the specs, then exit")
    p.set_defaults(func=cmd_serve)


def build_config(args: Any) -> Any:
    import os

    from ..server.config import ApiKey, ServerConfig, expand_specs, load_config

    cfg = load_config(args.config) if args.config else ServerConfig()
    if args.specs:
        cfg.specs = cfg.specs + expand_specs(list(args.specs), None)
    for name in ("host", "port", "workers", "certfile", "keyfile"):
        value = getattr(args, name)
        if value is not None:
            setattr(cfg, name, value)
    if args.workers is not None and args.workers < 1:
        from ..errors import RailguardError

        raise RailguardError(f"--workers {args.workers}: give at least 1")
    if args.no_auth:
        cfg.auth = False
    if os.environ.get(API_KEY_ENV) and not any(k.env == API_KEY_ENV for k in cfg.api_keys):
        cfg.api_keys = cfg.api_keys + [ApiKey("env", env=API_KEY_ENV)]
    cfg.check()
    return cfg


def cmd_serve(args: Any) -> int:
    from ..errors import MissingDependency

    try:
        import prometheus_client  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise MissingDependency("railguard serve", "server", ["starlette", "uvicorn", "prometheus-client",
                                                             "httpx"]) from None
    cfg = build_config(args)
    if args.check:
        from ..server.guards import GuardSet

        loaded = GuardSet(cfg.specs).load()
        print(f"ok: {len(loaded.guards)} guard(s): {', '.join(sorted(loaded.guards))}")
        return 0
    from ..server.run import serve

    serve(cfg)
    return 0
