"""Running one validator on one text: plain, chunked (long inputs), sync or async.

Every path returns a :class:`Raw` and never raises: an exception from the validator
is returned as the error, so the stage can apply the validator's ``on_error``.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable

from .._frozen import freeze
from ..chunking import Chunk, ChunkPolicy, boundary_windows, split
from ..errors import ValidatorError
from ..results import Outcome, Span
from ..telemetry import state as _telemetry
from ..validator import Context

__all__ = ["Raw", "run_sync", "run_async"]


@dataclass(frozen=True)
class Raw:
    """What running a validator gave: an outcome or an error, how long it took, how much text it saw."""

    outcome: Outcome | None
    error: BaseException | None
    latency: float
    checked: int
    span: Any = None  # with tracing on: (open span, end time in ns), closed once the stage decided


def _checked_outcome(node: Any, out: Any, length: int) -> Outcome:
    if not isinstance(out, Outcome):
        raise ValidatorError(f"validate() returned {type(out).__name__}, expected railguard.Outcome")
    for span in out.spans:
        if span.end > length:
            raise ValidatorError(f"validate() returned span {span.start}..{span.end} beyond the text ({length} chars)")
    return out


def _chunk_ctx(ctx: Context, chunk: Chunk, total: int) -> Context:
    return Context(ctx.stage, ctx.validator_id, ctx.guard, ctx.messages, ctx.metadata, ctx.final,
                   ctx.offset + chunk.start, total)


def _combine(parts: list[tuple[Chunk, Outcome]], windows: list[tuple[Chunk, Outcome]], stopped: bool,
             n_chunks: int, hard_cuts: int) -> Outcome:
    spans: dict[tuple[int, int, str], Span] = {}
    categories: list[str] = []
    usage: dict[str, Any] = {}
    window_usage: dict[str, Any] = {}
    failed: list[Outcome] = []
    score = None
    for group, totals in ((parts, usage), (windows, window_usage)):
        for chunk, out in group:
            for s in out.spans:
                shifted = s.shifted(chunk.start)
                spans.setdefault((shifted.start, shifted.end, shifted.type), shifted)
            for c in out.categories:
                if c not in categories:
                    categories.append(c)
            if out.score is not None:
                score = out.score if score is None else max(score, out.score)
            for k, v in out.usage.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    totals[k] = totals.get(k, 0) + v
            if not out.passed:
                failed.append(out)
    for k, v in window_usage.items():
        usage[k] = usage.get(k, 0) + v
    details = {"chunks": n_chunks, "chunks_checked": len(parts), "boundary_windows": len(windows),
               "stopped_early": stopped, "hard_cuts": hard_cuts, "boundary_window_usage": window_usage}
    details = {**_merged_details([o for _, o in parts] + [o for _, o in windows]), **details}
    ordered = sorted(spans.values())
    if failed:
        first = failed[0]
        return Outcome(False, first.message, tuple(ordered), tuple(categories), score, None,
                       next((o.action for o in failed if o.action), None), freeze(details), freeze(usage))
    return Outcome(True, None, tuple(ordered), tuple(categories), score, None, None, freeze(details), freeze(usage))


def _merged_details(outcomes: list[Outcome]) -> dict[str, Any]:
    """The validator's own details over all chunks: list values are concatenated (without repeats),
    other values are taken from the first chunk that has them (engine, model, ...)."""
    merged: dict[str, Any] = {}
    for out in outcomes:
        for key, value in out.details.items():
            if isinstance(value, tuple):
                seen = merged.setdefault(key, [])
                if isinstance(seen, list):
                    seen.extend(v for v in value if v not in seen)
            else:
                merged.setdefault(key, value)
    return merged


def _plan(text: str, policy: ChunkPolicy) -> tuple[list[Chunk], list[Chunk], int]:
    chunks = split(text, policy)
    hard = sum(1 for c in chunks[:-1] if c.end < len(text) and not text[c.end - 1].isspace()
               and not text[c.end].isspace())
    return chunks, boundary_windows(text, chunks, policy.boundary_window), hard


def run_sync(node: Any, text: str, ctx: Context, stops: Callable[[Outcome], bool]) -> Raw:
    hub = _telemetry.hub
    if hub is not None and hub.tracer is not None:
        return hub.validator(_run_sync, node, text, ctx, stops)
    return _run_sync(node, text, ctx, stops)


def _run_sync(node: Any, text: str, ctx: Context, stops: Callable[[Outcome], bool]) -> Raw:
    t0 = time.perf_counter()
    try:
        policy = node.policy
        if policy is None or len(text) <= policy.max_chars:
            out = _checked_outcome(node, node.validator.validate(text, ctx), len(text))
            return Raw(out, None, time.perf_counter() - t0, len(text))
        out, checked = _chunked_sync(node, text, ctx, policy, stops)
        return Raw(out, None, time.perf_counter() - t0, checked)
    except Exception as exc:  # handled by on_error
        return Raw(None, exc, time.perf_counter() - t0, 0)


def _chunked_sync(node: Any, text: str, ctx: Context, policy: ChunkPolicy,
                  stops: Callable[[Outcome], bool]) -> tuple[Outcome, int]:
    chunks, windows, hard = _plan(text, policy)
    total = len(text)

    def one(chunk: Chunk) -> Outcome:
        return _checked_outcome(node, node.validator.validate(chunk.text, _chunk_ctx(ctx, chunk, total)),
                                len(chunk.text))

    done: dict[int, Outcome] = {}
    stopped = False
    with ThreadPoolExecutor(max_workers=max(1, policy.concurrency), thread_name_prefix="railguard-chunk") as pool:
        pending: dict[Future, int] = {}
        queue = list(range(len(chunks)))
        while queue or pending:
            while queue and len(pending) < policy.concurrency and not stopped:
                i = queue.pop(0)
                pending[pool.submit(contextvars.copy_context().run, one, chunks[i])] = i
            if not pending:
                break
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in finished:
                i = pending.pop(fut)
                out = fut.result()  # an exception here fails the whole validator: on_error decides
                done[i] = out
                if policy.stop_on_block and not out.passed and stops(out):
                    stopped = True
            if stopped:
                queue.clear()
        window_results: list[tuple[Chunk, Outcome]] = []
        if not stopped and windows:
            futures = [(w, pool.submit(contextvars.copy_context().run, one, w)) for w in windows]
            window_results = [(w, f.result()) for w, f in futures]
    parts = [(chunks[i], done[i]) for i in sorted(done)]
    return _combine(parts, window_results, stopped, len(chunks), hard), sum(len(c.text) for c, _ in parts)


async def run_async(node: Any, text: str, ctx: Context, stops: Callable[[Outcome], bool]) -> Raw:
    hub = _telemetry.hub
    if hub is not None and hub.tracer is not None:
        return await hub.avalidator(_run_async, node, text, ctx, stops)
    return await _run_async(node, text, ctx, stops)


async def _run_async(node: Any, text: str, ctx: Context, stops: Callable[[Outcome], bool]) -> Raw:
    t0 = time.perf_counter()
    try:
        policy = node.policy
        if policy is None or len(text) <= policy.max_chars:
            out = _checked_outcome(node, await node.validator.validate(text, ctx), len(text))
            return Raw(out, None, time.perf_counter() - t0, len(text))
        out, checked = await _chunked_async(node, text, ctx, policy, stops)
        return Raw(out, None, time.perf_counter() - t0, checked)
    except Exception as exc:
        return Raw(None, exc, time.perf_counter() - t0, 0)


async def _chunked_async(node: Any, text: str, ctx: Context, policy: ChunkPolicy,
                         stops: Callable[[Outcome], bool]) -> tuple[Outcome, int]:
    chunks, windows, hard = _plan(text, policy)
    total = len(text)

    async def one(chunk: Chunk) -> Outcome:
        out = await node.validator.validate(chunk.text, _chunk_ctx(ctx, chunk, total))
        return _checked_outcome(node, out, len(chunk.text))

    done: dict[int, Outcome] = {}
    stopped = False
    pending: dict[asyncio.Task, int] = {}
    queue = list(range(len(chunks)))
    try:
        while queue or pending:
            while queue and len(pending) < policy.concurrency and not stopped:
                i = queue.pop(0)
                pending[asyncio.ensure_future(one(chunks[i]))] = i
            if not pending:
                break
            finished, _ = await asyncio.wait(list(pending), return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                i = pending.pop(task)
                out = task.result()
                done[i] = out
                if policy.stop_on_block and not out.passed and stops(out):
                    stopped = True
            if stopped:
                queue.clear()
    finally:
        for task in pending:
            task.cancel()
    window_results: list[tuple[Chunk, Outcome]] = []
    if not stopped and windows:
        outs = await asyncio.gather(*(one(w) for w in windows))
        window_results = list(zip(windows, outs))
    parts = [(chunks[i], done[i]) for i in sorted(done)]
    return _combine(parts, window_results, stopped, len(chunks), hard), sum(len(c.text) for c, _ in parts)
