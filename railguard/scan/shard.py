"""Guarding one shard: the per-batch work that local worker processes, Ray actors and Spark tasks share."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .formats import UNREADABLE, Options, Shard, Verdict
from .stats import ScanStats

if TYPE_CHECKING:  # pragma: no cover
    from ..guard import Guard

__all__ = ["guard_shard", "verdicts_for"]


def _blocked(opts: Options, message: str) -> Verdict:
    if opts.on_block == "drop":
        return Verdict(None, keep=False, blocked=True)
    if opts.on_block == "keep":
        return Verdict(message, keep=True, blocked=True)
    return Verdict(None, keep=True, blocked=True)  # flag: unchanged, marked


def verdicts_for(guard: "Guard", items: list[tuple[Any, str]], opts: Options,
                 stats: ScanStats) -> list[Verdict]:
    """One verdict per (text, record id): texts go through ``guard.validate_batch`` in one batch."""
    texts = [value for value, _ in items if isinstance(value, str)]
    results = iter(guard.validate_batch(texts, opts.source))
    blocked_message = guard.graph.stage(opts.source).blocked_message
    verdicts: list[Verdict] = []
    for value, rid in items:
        if value is None:
            stats.without_text += 1
            verdicts.append(Verdict(None))
        elif value is UNREADABLE or not isinstance(value, str):
            stats.unreadable += 1
            stats.add_blocked_id(rid)
            verdicts.append(_blocked(opts, blocked_message))
        else:
            result = next(results)
            stats.chars += len(value)
            stats.add_result(result, rid)
            if result.blocked:
                verdicts.append(_blocked(opts, result.output))
            elif result.output != value:
                stats.changed += 1
                verdicts.append(Verdict(result.output))
            else:
                verdicts.append(Verdict(None))
    for v in verdicts:
        if not v.keep:
            stats.dropped += 1
        elif v.blocked and opts.on_block == "flag":
            stats.flagged += 1
    return verdicts


def guard_shard(guard: "Guard", fmt: Any, shard: Shard, opts: Options, where: str) -> tuple[bytes, ScanStats]:
    """The shard's output bytes (in the input's format) and what was found in it."""
    t0 = time.perf_counter()
    stats = ScanStats(records=shard.records, bytes=shard.bytes)
    items = fmt.extract(shard, opts, where)
    verdicts = verdicts_for(guard, items, opts, stats)
    data = fmt.render(shard, verdicts, opts, guard.graph.stage(opts.source).blocked_message)
    stats.seconds = time.perf_counter() - t0
    return data, stats
