"""The ASGI application: ``create_app(config)`` returns a Starlette app with every route.

Routes are plain async functions; the lifespan compiles and warms every spec before the first
request (``/readyz`` answers 200 from then on) and builds the upstream clients. Nothing is global:
two apps in one process share nothing but the library's plugin registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .auth import Authenticator
from .config import ServerConfig
from .guards import GuardSet
from .metrics import ServerMetrics, attach_library_metrics
from .middleware import GuardMiddleware
from .protocol import error_response
from .state import ServerState, run_guard

__all__ = ["create_app"]

log = logging.getLogger("railguard.server")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    if not state.guards.ready or state.draining:
        return JSONResponse({"status": "draining" if state.draining else "starting",
                             "error": state.guards.last_error}, 503)
    loaded = state.guards.current
    return JSONResponse({"status": "ready", "generation": loaded.generation, "guards": sorted(loaded.guards)})


async def metrics_route(request: Request) -> Response:
    body, content_type = request.app.state.railguard.metrics.render()
    return Response(body, 200, headers={"Content-Type": content_type})


async def list_guards(request: Request) -> Response:
    loaded = request.app.state.railguard.guards.current
    out = []
    for name in sorted(loaded.guards):
        graph = loaded.guards[name].graph
        out.append({"name": name, "versions": list(loaded.versions[name]),
                    "validators": {"input": [n.id for n in graph.input.nodes],
                                   "output": [n.id for n in graph.output.nodes]}})
    return JSONResponse({"guards": out, "generation": loaded.generation})


async def validate(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    path = request.url.path
    guard = state.guards.get(request.path_params["name"])
    if guard is None:
        return error_response(path, 404, f"no guard named {request.path_params['name'][:64]!r}")
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return error_response(path, 400, "the request body is not JSON")
    if not isinstance(body, dict):
        return error_response(path, 400, "the request body must be a JSON object")
    source = body.get("source", "input")
    if source not in ("input", "output"):
        return error_response(path, 400, f"source {str(source)[:20]!r} is not one of ['input', 'output']")
    text = body.get("text")
    if "messages" in body:
        if text is not None:
            return error_response(path, 400, "give either text or messages, not both")
        text = _messages_text(body["messages"])
        if text is None:
            return error_response(path, 400, "messages must be a list of {role, content} with string content")
    if not isinstance(text, str):
        return error_response(path, 400, "text must be a string (or give messages)")
    result = await run_guard(request, guard, text, source)
    if isinstance(result, Response):
        return result
    return Response(result.to_json(), 200, media_type="application/json")


def _messages_text(messages: Any) -> str | None:
    """The text the input stage judges for a message list: the user turns' content, in order."""
    if not isinstance(messages, list):
        return None
    from ..messages import Conversation

    try:
        conversation = Conversation.parse(messages)
    except Exception:
        return None
    return "\n".join(m.content for m in conversation.messages if m.role == "user")


async def admin_reload(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    if not state.config.admin_reload:
        return error_response(request.url.path, 404, "admin reload is not enabled (admin: {reload: true})")
    ok, message = await asyncio.to_thread(state.guards.reload)
    state.metrics.reloads.labels("ok" if ok else "failed").inc()
    if not ok:
        return JSONResponse({"reloaded": False, "error": message[:4000],
                             "serving": state.guards.current.generation}, 422)
    return JSONResponse({"reloaded": True, "serving": state.guards.current.generation})


def create_app(config: ServerConfig, *, metrics: ServerMetrics | None = None, environ: Any = None,
               library_metrics: bool = True, handle_sighup: bool = False) -> Starlette:
    """The app for ``config``. Specs are compiled and warmed by the lifespan (before the first request)."""
    from .openai_proxy import chat_completions, list_models
    from .sagemaker_proxy import invoke, invoke_stream
    from .upstreams import build_upstreams

    from .bedrock import apply_guardrail

    server_metrics = metrics or ServerMetrics()
    state = ServerState(config=config, guards=GuardSet(config.specs),
                        auth=Authenticator(config.api_keys, config.sigv4, enabled=config.auth, environ=environ),
                        metrics=server_metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(state.guards.load)
        if library_metrics:
            attach_library_metrics(server_metrics.registry)
        state.upstreams = build_upstreams(config, state.guards)
        loop = asyncio.get_running_loop()
        if handle_sighup and hasattr(signal, "SIGHUP"):
            def on_hup() -> None:
                async def go() -> None:
                    ok, _ = await asyncio.to_thread(state.guards.reload)
                    server_metrics.reloads.labels("ok" if ok else "failed").inc()
                loop.create_task(go())
            loop.add_signal_handler(signal.SIGHUP, on_hup)
        log.info(json.dumps({"event": "ready", "guards": sorted(state.guards.current.guards)}))
        try:
            yield
        finally:
            state.draining = True
            for _guard, upstream in state.upstreams.values():
                await upstream.aclose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
        Route("/v1/guards", list_guards, methods=["GET"]),
        Route("/v1/guards/{name}/validate", validate, methods=["POST"]),
        Route("/admin/reload", admin_reload, methods=["POST"]),
        Route("/guardrail/{identifier:path}/version/{version}/apply", apply_guardrail, methods=["POST"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/endpoints/{name}/invocations", invoke, methods=["POST"]),
        Route("/endpoints/{name}/invocations-response-stream", invoke_stream, methods=["POST"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        return error_response(request.url.path, status, "no such route" if status == 404 else "method not allowed",
                              "UnknownOperationException" if request.url.path.startswith(("/guardrail/", "/endpoints/"))
                              and status == 404 else None)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error(json.dumps({"event": "error", "type": type(exc).__name__}))
        return error_response(request.url.path, 500, f"internal error ({type(exc).__name__}); nothing was released")

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_found, Exception: server_error})
    app.state.railguard = state
    app.add_middleware(GuardMiddleware, state_of=lambda: state)
    return app
