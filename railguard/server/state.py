"""What every request shares (guards, auth, metrics, limits), and the one way handlers run a guard.

:func:`run_guard` runs a stage under the request's deadline, records metrics and the request's
log fields, and turns a timeout into an error answer: nothing unvalidated is ever released.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..errors import GuardBlocked
from .auth import Authenticator
from .config import ServerConfig
from .guards import GuardSet
from .metrics import ServerMetrics
from .protocol import error_response

__all__ = ["ServerState", "run_guard", "note_result", "deadline_left"]


@dataclass
class ServerState:
    config: ServerConfig
    guards: GuardSet
    auth: Authenticator
    metrics: ServerMetrics
    upstreams: dict[str, Any] = field(default_factory=dict)  # model name -> Upstream
    active: dict[str, int] = field(default_factory=dict)  # client -> requests in flight
    draining: bool = False
    sagemaker: Any = None  # SageMakerForwarder, built on first use


def note_result(request: Request, result: Any) -> None:
    """Metrics, and the request log's guard/stage/decision/entity-type fields, for one result."""
    state: ServerState = request.app.state.railguard
    state.metrics.record(result)
    log = request.scope.setdefault("railguard.log", {})
    log["guard"] = result.guard
    log["decision"] = "blocked" if result.blocked else "changed" if result.intervened else "passed"
    log["stages"] = [s.stage for s in result.stages]
    if result.blocked_stage:
        log["blocked_stage"] = result.blocked_stage
    log["guard_ms"] = round(result.latency_ms, 3)
    log["validators"] = {a.id: {"ms": round(a.latency_ms, 3), "passed": a.passed,
                                **({"action": a.action} if not a.passed else {}),
                                **({"error": True} if a.error else {})} for a in result.assessments}
    types = sorted({s.type for a in result.assessments for s in a.spans})
    if types:
        log["entity_types"] = types[:50]


def deadline_left(request: Request) -> float:
    state: ServerState = request.app.state.railguard
    started = request.scope.get("railguard.started", time.monotonic())
    return max(0.0, state.config.timeout_s - (time.monotonic() - started))


async def run_guard(request: Request, guard: Any, text: str, source: str, *, documents: list[str] | None = None
                    ) -> Any:
    """The guard's result for one stage, or the error Response (timeout) for the caller's protocol."""
    from starlette.concurrency import run_in_threadpool

    try:
        if documents:
            call = run_in_threadpool(guard.validate, text, source, documents=documents)
        else:
            call = guard.avalidate(text, source)
        result = await asyncio.wait_for(call, deadline_left(request))
    except GuardBlocked as exc:  # on_block: raise in the spec; the caller still gets the blocked answer
        result = exc.result
    except asyncio.TimeoutError:
        return timeout_response(request)
    note_result(request, result)
    return result


def timeout_response(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    state.metrics.errors.labels(_protocol(request), "timeout").inc()
    request.scope.setdefault("railguard.log", {})["error"] = "timeout"
    path = request.url.path
    code = "ServiceUnavailable" if path.startswith("/endpoints/") else "ServiceUnavailableException"
    return error_response(path, 503, f"the request did not finish within {state.config.timeout_s:g} s; "
                          "nothing was released", code)


def _protocol(request: Request) -> str:
    from .protocol import protocol_of

    return protocol_of(request.url.path)
