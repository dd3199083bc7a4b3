"""Many texts through one stage: the batch path behind ``guard.validate_batch`` and ``railguard scan``.

Each text gets exactly the result ``guard.validate`` would give it. What a batch adds:

- validators that can work on many texts at once get them all first: a validator that
  defines ``prepare_batch(texts)`` is called once per batch (per chunk of ``batch_size``
  texts) before the texts are checked, so it can embed them in one matrix product or
  send them to a model in one request and keep the answers for its ``validate`` calls;
- when the stage has validators that wait on something (remote checks, models), the
  texts are checked concurrently (``concurrency`` at a time), so their waits overlap;
  a stage of inline validators runs the texts one after another in this thread, which
  is fastest for CPU-bound work;
- a blocked text never raises: ``validate_batch`` returns one result per text, in order,
  whatever the spec's ``on_block`` says, so one bad record cannot stop a corpus scan.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .errors import GuardBlocked, RailguardError
from .results import GuardResult

if TYPE_CHECKING:  # pragma: no cover
    from .guard import Guard

__all__ = ["validate_batch", "DEFAULT_CONCURRENCY"]

DEFAULT_CONCURRENCY = 16


def _one(guard: "Guard", text: str, source: str, metadata: Mapping[str, Any] | None) -> GuardResult:
    try:
        return guard.validate(text, source, metadata=metadata)
    except GuardBlocked as exc:  # on_block: raise, or a validator's raise action
        return exc.result


def _prepare(guard: "Guard", texts: Sequence[str], source: str) -> None:
    """Give batch-capable validators the whole batch first. A failure here is not fatal: each
    text's own validate() then runs (and fails, if it must) under the validator's on_error."""
    for node in guard.graph.stage(source).nodes:
        prepare = getattr(node.validator, "prepare_batch", None)
        if prepare is None:
            continue
        try:
            node.ensure_ready()
            prepare(texts)
        except Exception:  # noqa: BLE001 - the per-text run reports the error under on_error
            continue


def validate_batch(guard: "Guard", texts: Iterable[str], source: str = "input", *,
                   metadata: Mapping[str, Any] | None = None, concurrency: int | None = None,
                   batch_size: int = 256) -> list[GuardResult]:
    """One :class:`GuardResult` per text, in order; see the module docstring."""
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise RailguardError(f"texts[{i}] must be a str, got {type(text).__name__}")
    if source not in ("input", "output"):
        raise RailguardError(f"source {source!r} is not one of ['input', 'output']")
    if batch_size < 1:
        raise RailguardError(f"batch_size must be at least 1, got {batch_size}")
    nodes = guard.graph.stage(source).nodes
    waits = any(node.mode != "inline" for node in nodes)
    workers = max(1, concurrency if concurrency is not None else DEFAULT_CONCURRENCY)
    results: list[GuardResult] = []
    for lo in range(0, len(items), batch_size):
        chunk = items[lo:lo + batch_size]
        _prepare(guard, chunk, source)
        if waits and workers > 1 and len(chunk) > 1:
            with ThreadPoolExecutor(max_workers=min(workers, len(chunk)),
                                    thread_name_prefix="railguard-batch") as pool:
                results.extend(pool.map(lambda t: _one(guard, t, source, metadata), chunk))
        else:
            results.extend(_one(guard, t, source, metadata) for t in chunk)
    return results
