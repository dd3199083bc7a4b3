"""``POST /v1/chat/completions`` and ``GET /v1/models``: an OpenAI-compatible chat proxy.

The route's guard runs its input stage on the messages, the upstream is called with what the
stage passed on (never called when the input is blocked), and the output stage runs on the answer.
Streams go through ``guard.astream``: an SSE chunk leaves only after every output validator cleared
its text; a block ends the stream with the spec's message and ``finish_reason: "content_filter"``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..errors import GuardBlocked, ModelError, RailguardError
from .protocol import error_response
from .state import ServerState, deadline_left, note_result, timeout_response

__all__ = ["chat_completions", "list_models"]


async def list_models(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    return JSONResponse({"object": "list", "data": [
        {"id": name, "object": "model", "created": 0, "owned_by": "railguard"} for name in sorted(state.upstreams)]})


def _chunk(cid: str, model: str, created: int, delta: dict[str, Any], finish: str | None) -> bytes:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body, ensure_ascii=False).encode("utf-8") + b"\n\n"


async def chat_completions(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    path = request.url.path
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return error_response(path, 400, "the request body is not JSON")
    if not isinstance(body, dict):
        return error_response(path, 400, "the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or model not in state.upstreams:
        return error_response(path, 404, f"The model {str(model)[:64]!r} does not exist on this server.",
                              "model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return error_response(path, 400, "messages must be a non-empty list")
    guard_name, upstream = state.upstreams[model]
    guard = state.guards.get(guard_name)
    if guard is None:
        return error_response(path, 503, f"the guard of model {model!r} is not loaded")
    try:
        from ..messages import Conversation

        Conversation.parse(messages)
    except RailguardError as exc:
        return error_response(path, 400, str(exc)[:300])
    params = {k: v for k, v in body.items() if k not in ("model", "messages", "stream")}
    cid = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    request.scope["railguard.log"]["route"] = model

    async def call_model(msgs: Any) -> str:
        t0 = time.perf_counter()
        try:
            return await upstream.complete(msgs, params)
        finally:
            state.metrics.upstream_seconds.labels(model).observe(time.perf_counter() - t0)

    if not body.get("stream"):
        try:
            result = await asyncio.wait_for(guard.acall(call_model, messages), deadline_left(request))
        except GuardBlocked as exc:
            result = exc.result
        except asyncio.TimeoutError:
            return timeout_response(request)
        except ModelError as exc:
            state.metrics.errors.labels("openai", "upstream").inc()
            request.scope["railguard.log"]["error"] = "upstream"
            return error_response(path, 502, str(exc)[:300], "upstream_error")
        note_result(request, result)
        return JSONResponse({
            "id": cid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": result.output},
                         "finish_reason": "content_filter" if result.blocked else "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        })

    def open_model(msgs: Any) -> AsyncIterator[str]:
        return upstream.stream(msgs, params)

    stream = guard.astream(open_model, messages)
    iterator = stream.__aiter__()
    # The first piece is awaited before answering, so an upstream failure still gets an HTTP error.
    try:
        first = await asyncio.wait_for(iterator.__anext__(), deadline_left(request))
    except StopAsyncIteration:
        first = None
    except GuardBlocked:
        first = None
    except asyncio.TimeoutError:
        await stream.aclose()
        return timeout_response(request)
    except ModelError as exc:
        state.metrics.errors.labels("openai", "upstream").inc()
        request.scope["railguard.log"]["error"] = "upstream"
        return error_response(path, 502, str(exc)[:300], "upstream_error")

    async def events() -> AsyncIterator[bytes]:
        finish = "stop"
        try:
            yield _chunk(cid, model, created, {"role": "assistant", "content": ""}, None)
            piece = first
            while piece is not None:
                if piece:
                    yield _chunk(cid, model, created, {"content": piece}, None)
                try:
                    piece = await asyncio.wait_for(iterator.__anext__(), deadline_left(request))
                except (StopAsyncIteration, GuardBlocked):
                    piece = None
        except asyncio.TimeoutError:
            # Already streaming: end with an error chunk; nothing unvalidated was sent.
            request.scope["railguard.log"]["error"] = "timeout"
            state.metrics.errors.labels("openai", "timeout").inc()
            yield b"data: " + json.dumps({"error": {"message": "the stream did not finish in time", "type":
                                                    "timeout", "code": "504"}}).encode() + b"\n\n"
            await stream.aclose()
            return
        except ModelError as exc:
            request.scope["railguard.log"]["error"] = "upstream"
            state.metrics.errors.labels("openai", "upstream").inc()
            yield b"data: " + json.dumps({"error": {"message": str(exc)[:300], "type": "upstream_error",
                                                    "code": "502"}}).encode() + b"\n\n"
            await stream.aclose()
            return
        result = stream.result
        if result is not None:
            note_result(request, result)
            if result.blocked:
                finish = "content_filter"
        yield _chunk(cid, model, created, {}, finish)
        yield b"data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
