"""``railguard serve``: the guard as an HTTP service (needs ``pip install 'railguard[server]'``).

Three wire protocols clients already speak, plus a small native API:

- Bedrock ``ApplyGuardrail`` (:mod:`.bedrock`): boto3 ``bedrock-runtime`` with ``endpoint_url=``;
- an OpenAI-compatible chat proxy (:mod:`.openai_proxy`) in front of OpenAI-compatible URLs,
  SageMaker endpoints or Bedrock models (:mod:`.upstreams`);
- a sagemaker-runtime proxy (:mod:`.sagemaker_proxy`) in front of real endpoints;
- ``/v1/guards``, ``/v1/guards/{name}/validate``, ``/healthz``, ``/readyz``, ``/metrics``.

:func:`create_app` builds the Starlette app from a :class:`ServerConfig`; :func:`serve` runs it on
uvicorn (TLS, workers, SIGHUP reload, graceful drain on SIGTERM).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve", "ServerConfig", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app
        return create_app
    if name == "serve":
        from .run import serve
        return serve
    if name in ("ServerConfig", "load_config"):
        from . import config
        return getattr(config, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
