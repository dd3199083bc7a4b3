"""Drivers: run a flow generator synchronously or under asyncio.

A flow yields requests: :class:`Setup` (first use of a validator), :class:`Jobs` (start
non-inline validators), :class:`Started` (wait for them, each until its own deadline),
:class:`CallModel`, and for streams :class:`OpenStream`, :class:`Pull`, :class:`Poll` and
:class:`Emit`. One sync driver and one asyncio driver answer all of them; the plain and the
streaming entry points are thin wrappers. Sync validators run in a shared thread pool;
``async def`` validators on an event loop (the caller's under the async driver, a background
loop thread under the sync driver). The pool and the loop thread are created on first use,
never at import.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, Awaitable, Callable, Coroutine, Generator

from ..errors import ModelError, RailguardError, ValidatorTimeout
from ..pools import background_loop, executor, run_coroutine
from .execute import Raw, run_async, run_sync
from .flow import CallModel
from .stage import Jobs, Setup, Started
from .stream import Emit, OpenStream, Poll, Pull, StreamClosed

__all__ = ["drive_sync", "drive_async", "drive_stream_sync", "drive_stream_async", "executor", "run_coroutine"]


async def _in_context(ctx: contextvars.Context, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` on another thread's loop with the submitting thread's context variables."""
    for var, value in ctx.items():
        var.set(value)  # this task's own copy of the context
    return await coro


def _setup_one(node: Any) -> BaseException | None:
    try:
        node.ensure_ready()
        return None
    except Exception as exc:
        return exc


def _timeout(node: Any) -> Raw:
    t = node.spec.timeout_s
    return Raw(None, ValidatorTimeout(f"no answer within its timeout of {t:g}s"), t, 0)


# -- sync -----------------------------------------------------------------------------------
def _start_sync(jobs: Jobs) -> list[tuple[Any, Future, float]]:
    now = time.monotonic()
    handles = []
    for node, ctx in zip(jobs.nodes, jobs.contexts):
        stops = jobs.stops(node)
        # Jobs run in the caller's context (an OpenTelemetry span, the application's own context vars).
        if node.mode == "async":
            fut = asyncio.run_coroutine_threadsafe(_in_context(contextvars.copy_context(),
                                                               run_async(node, jobs.text, ctx, stops)),
                                                   background_loop())
        else:
            fut = executor().submit(contextvars.copy_context().run, run_sync, node, jobs.text, ctx, stops)
        handles.append((node, fut, now + node.spec.timeout_s))
    return handles


def _results(handles: list[tuple[Any, Any, float]]) -> list[Raw]:
    """One Raw per job: its result, or a timeout for a job not done (which is cancelled)."""
    out = []
    for node, fut, _ in handles:
        if fut.done() and not fut.cancelled():
            out.append(fut.result())
        else:
            fut.cancel()
            out.append(_timeout(node))
    return out


def _wait_sync(handles: list[tuple[Any, Future, float]]) -> list[Raw]:
    while True:
        now = time.monotonic()
        live = [(f, d) for _, f, d in handles if not f.done() and d > now]
        if not live:
            break
        wait([f for f, _ in live], timeout=min(d for _, d in live) - now, return_when=FIRST_COMPLETED)
    return _results(handles)


def _poll(handles: list[tuple[Any, Any, float]]) -> list[Raw] | None:
    """Results if every job is done (or past its deadline), else None. Never waits."""
    now = time.monotonic()
    if any(not f.done() and d > now for _, f, d in handles):
        return None
    return _results(handles)


def _setup_sync(nodes: tuple[Any, ...]) -> dict[Any, BaseException]:
    if len(nodes) == 1:
        results = [_setup_one(nodes[0])]
    else:
        results = list(executor().map(_setup_one, nodes))
    return {n: e for n, e in zip(nodes, results) if e is not None}


def _model_error(exc: BaseException) -> BaseException:
    """What the flow sees when calling or reading the model failed: railguard's own errors (a nested
    guard's GuardBlocked, a ModelError from an adapter) as they are, anything else as a ModelError."""
    if isinstance(exc, RailguardError):
        return exc
    return ModelError(f"the model call failed: {type(exc).__name__}: {exc}")


def _run_sync(gen: Generator[Any, Any, Any], out: list, invoke: Callable[[Any], Any] | None,
              open_stream: Callable[[Any], Any] | None) -> Generator[str, None, None]:
    """The one sync driver: answers every request of a flow, yields the text of Emit requests and
    appends the flow's result to ``out``. A model failure is thrown into the flow, which may end a
    stream cleanly after its validated text or let the ModelError propagate."""
    value: Any = None
    throw: BaseException | None = None
    pieces: Any = None
    try:
        while True:
            try:
                op = gen.throw(throw) if throw is not None else gen.send(value)
            except StopIteration as stop:
                out.append(stop.value)
                return
            value, throw = None, None
            if isinstance(op, Setup):
                value = _setup_sync(op.nodes)
            elif isinstance(op, Jobs):
                value = Started(_start_sync(op))
            elif isinstance(op, Started):
                value = _wait_sync(op.handle)
            elif isinstance(op, Poll):
                value = _poll(op.handle)
            elif isinstance(op, Emit):
                if op.text:
                    try:
                        yield op.text
                    except GeneratorExit:
                        _closed_early(gen, out)
                        raise
            elif isinstance(op, Pull):
                try:
                    value = next(pieces, None)
                    if value is not None and not isinstance(value, str):
                        raise ModelError(f"the model stream yielded {type(value).__name__}; a stream yields str")
                except Exception as exc:
                    throw = _model_error(exc)
            else:
                try:
                    if isinstance(op, OpenStream):
                        pieces = iter(_need(open_stream)(op.conversation))
                    elif isinstance(op, CallModel):
                        value = _text(invoke(op.conversation) if invoke is not None
                                      else "".join(_need(open_stream)(op.conversation)))
                    else:  # pragma: no cover - a programming error
                        raise RailguardError(f"unknown runtime request {op!r}")
                except Exception as exc:
                    throw = _model_error(exc)
    finally:
        gen.close()
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def _closed_early(gen: Generator[Any, Any, Any], out: list) -> None:
    """The consumer stopped reading: let the flow return what it decided so far (see StreamClosed)."""
    try:
        gen.throw(StreamClosed())
    except StopIteration as stop:
        out.append(stop.value)
    except (StreamClosed, Exception):
        pass  # a flow that cannot say has no result; gen.close() follows


def _need(open_stream: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if open_stream is None:
        raise RailguardError("this flow has no model to call")
    return open_stream


def _text(answer: Any) -> str:
    if not isinstance(answer, str):
        raise ModelError(f"the model returned {type(answer).__name__}, expected str")
    return answer


def drive_sync(gen: Generator[Any, Any, Any], invoke: Callable[[Any], str] | None = None) -> Any:
    """Run a flow that emits nothing (validate, call) to its result."""
    out: list = []
    for _ in _run_sync(gen, out, invoke, None):
        raise RailguardError("a non-streaming flow emitted text")  # pragma: no cover
    return out[0]


def drive_stream_sync(gen: Generator[Any, Any, Any], open_stream: Callable[[Any], Any],
                      out: list) -> Generator[str, None, None]:
    """Drive a stream flow, yielding released text; the flow's GuardResult is appended to ``out``."""
    return _run_sync(gen, out, None, open_stream)


def _start_async(jobs: Jobs) -> list[tuple[Any, asyncio.Future, float]]:
    loop = asyncio.get_running_loop()
    now = time.monotonic()
    handles = []
    for node, ctx in zip(jobs.nodes, jobs.contexts):
        stops = jobs.stops(node)
        if node.mode == "async":
            fut = asyncio.ensure_future(run_async(node, jobs.text, ctx, stops))
        else:
            fut = loop.run_in_executor(executor(), contextvars.copy_context().run, run_sync, node, jobs.text, ctx,
                                       stops)
        handles.append((node, fut, now + node.spec.timeout_s))
    return handles


async def _wait_async(handles: list[tuple[Any, asyncio.Future, float]]) -> list[Raw]:
    while True:
        now = time.monotonic()
        live = [(f, d) for _, f, d in handles if not f.done() and d > now]
        if not live:
            break
        await asyncio.wait([f for f, _ in live], timeout=min(d for _, d in live) - now,
                           return_when=asyncio.FIRST_COMPLETED)
    return _results(handles)


async def _run_async(gen: Generator[Any, Any, Any], out: list,
                     ainvoke: Callable[[Any], Awaitable[str]] | None,
                     open_stream: Callable[[Any], Any] | None) -> Any:
    """The asyncio twin of _run_sync (an async generator). ``open_stream`` may return an async
    iterator of str, or a sync one, which is read in a worker thread."""
    value: Any = None
    throw: BaseException | None = None
    pieces: Any = None
    loop = asyncio.get_running_loop()
    sentinel = object()

    async def next_piece() -> Any:
        if hasattr(pieces, "__anext__"):
            try:
                return await pieces.__anext__()
            except StopAsyncIteration:
                return None
        got = await loop.run_in_executor(executor(), next, pieces, sentinel)
        return None if got is sentinel else got

    async def join(conversation: Any) -> str:
        it = _need(open_stream)(conversation)
        if hasattr(it, "__aiter__"):
            return "".join([p async for p in it])
        return await loop.run_in_executor(executor(), lambda: "".join(it))

    try:
        while True:
            try:
                op = gen.throw(throw) if throw is not None else gen.send(value)
            except StopIteration as stop:
                out.append(stop.value)
                return
            value, throw = None, None
            if isinstance(op, Setup):
                results = await asyncio.gather(*(loop.run_in_executor(executor(), _setup_one, n) for n in op.nodes))
                value = {n: e for n, e in zip(op.nodes, results) if e is not None}
            elif isinstance(op, Jobs):
                value = Started(_start_async(op))
            elif isinstance(op, Started):
                value = await _wait_async(op.handle)
            elif isinstance(op, Poll):
                value = _poll(op.handle)
            elif isinstance(op, Emit):
                if op.text:
                    try:
                        yield op.text
                    except GeneratorExit:
                        _closed_early(gen, out)
                        raise
            else:
                try:
                    if isinstance(op, Pull):
                        value = await next_piece()
                        if value is not None and not isinstance(value, str):
                            raise ModelError(f"the model stream yielded {type(value).__name__}; a stream yields str")
                    elif isinstance(op, OpenStream):
                        pieces = _need(open_stream)(op.conversation)
                        if not hasattr(pieces, "__anext__"):
                            pieces = iter(pieces)
                    elif isinstance(op, CallModel):
                        value = _text(await ainvoke(op.conversation) if ainvoke is not None
                                      else await join(op.conversation))
                    else:  # pragma: no cover
                        raise RailguardError(f"unknown runtime request {op!r}")
                except Exception as exc:
                    throw = _model_error(exc)
    finally:
        gen.close()
        aclose = getattr(pieces, "aclose", None)
        if aclose is not None:
            await aclose()
        elif hasattr(pieces, "close"):
            pieces.close()


async def drive_async(gen: Generator[Any, Any, Any], ainvoke: Callable[[Any], Awaitable[str]] | None = None) -> Any:
    """Run a flow that emits nothing under asyncio, to its result."""
    out: list = []
    async for _ in _run_async(gen, out, ainvoke, None):
        raise RailguardError("a non-streaming flow emitted text")  # pragma: no cover
    return out[0]


def drive_stream_async(gen: Generator[Any, Any, Any], open_stream: Callable[[Any], Any], out: list) -> Any:
    """Drive a stream flow under asyncio: an async iterator of released text."""
    return _run_async(gen, out, None, open_stream)
