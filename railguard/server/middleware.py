"""One thin ASGI layer in front of every route: request ids, size limit, authentication,
per-client concurrency, in-flight accounting and the one JSON log line per request.

The body is read here (up to ``max_body_bytes``; a larger one is refused with 413 in the
protocol's error shape before it is read whole) because SigV4 signs it; the route reads it again
from memory. Health and metrics paths need no credentials.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from .auth import Denied
from .protocol import error_response, protocol_of

__all__ = ["GuardMiddleware", "OPEN_PATHS"]

log = logging.getLogger("railguard.server.access")
OPEN_PATHS = ("/healthz", "/readyz", "/metrics")


class _TooLarge(Exception):
    pass


async def _read_body(receive: Any, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge()
        parts.append(chunk)
        more = message.get("more_body", False)
    return b"".join(parts)


class GuardMiddleware:
    def __init__(self, app: Any, state_of: Any):
        self.app = app
        self.state_of = state_of  # () -> ServerState (set by the lifespan)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state_of()
        started = time.monotonic()
        path = scope["path"]
        protocol = protocol_of(path)
        request_id = str(uuid.uuid4())
        scope["railguard.started"] = started
        record: dict[str, Any] = {"request_id": request_id, "method": scope["method"], "path_kind": _kind(path),
                                  "protocol": protocol}
        scope["railguard.log"] = record
        status_box = [0]

        async def send_wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-amzn-requestid", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        state.metrics.in_flight.inc()
        client = "-"
        try:
            if path in OPEN_PATHS:
                await self.app(scope, receive, send_wrapped)
                return
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            limit = state.config.max_body_bytes
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                await self._refuse(scope, receive, send_wrapped, 413, f"the request body ({int(declared)} bytes) is "
                                   f"larger than the limit of {limit} bytes")
                return
            try:
                body = await _read_body(receive, limit)
            except _TooLarge:
                await self._refuse(scope, receive, send_wrapped, 413, f"the request body is larger than the limit "
                                   f"of {limit} bytes")
                return
            except ConnectionError:
                record["error"] = "client_disconnected"
                return
            try:
                raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1")
                client = state.auth.check(scope["method"], scope.get("scheme", "http"), raw_path,
                                          scope.get("query_string", b"").decode("latin-1"), headers, body)
            except Denied as exc:
                await self._refuse(scope, receive, send_wrapped, exc.status, exc.message)
                return
            record["client"] = client
            if state.active.get(client, 0) >= state.config.max_concurrent_per_client:
                await self._refuse(scope, receive, send_wrapped, 429, "Too many concurrent requests from this client; "
                                   f"the limit is {state.config.max_concurrent_per_client}.")
                return
            state.active[client] = state.active.get(client, 0) + 1
            sent = [False]

            async def replay() -> dict:
                if not sent[0]:
                    sent[0] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            try:
                await self.app(scope, replay, send_wrapped)
            finally:
                state.active[client] -= 1
                if not state.active[client]:
                    del state.active[client]
        finally:
            state.metrics.in_flight.dec()
            elapsed = time.monotonic() - started
            status = status_box[0]
            state.metrics.requests.labels(protocol, f"{status // 100}xx" if status else "none").inc()
            state.metrics.request_seconds.labels(protocol).observe(elapsed)
            if status >= 500:
                state.metrics.errors.labels(protocol, record.get("error", "server")).inc()
            record.update(status=status, ms=round(elapsed * 1000, 3))
            if path not in OPEN_PATHS and log.isEnabledFor(logging.INFO):
                log.info(json.dumps(record, ensure_ascii=False, sort_keys=True))

    async def _refuse(self, scope: dict, receive: Any, send: Any, status: int, message: str) -> None:
        scope["railguard.log"]["refused"] = status
        response = error_response(scope["path"], status, message)
        await response(scope, receive, send)


def _kind(path: str) -> str:
    """A bounded label for the path (never an identifier a client chose)."""
    if path.startswith("/guardrail/"):
        return "apply_guardrail"
    if path.startswith("/endpoints/"):
        return "sagemaker_stream" if path.endswith("-stream") else "sagemaker_invoke"
    if path.startswith("/v1/guards/"):
        return "validate"
    return path if path in ("/v1/chat/completions", "/v1/models", "/v1/guards", "/admin/reload") + OPEN_PATHS \
        else "other"
