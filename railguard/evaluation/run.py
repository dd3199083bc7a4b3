"""Running a spec's stage over labelled rows, in this process or in worker processes.

Rows go through ``guard.validate_batch`` (batch-capable validators embed a batch at once) in
chunks; with ``workers > 1`` each worker process compiles the spec once and checks whole chunks,
at most two chunks per worker in flight, so memory stays bounded on any file size. Results come
back as text-free :class:`~railguard.evaluation.records.Record` values, in row order.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .data import Row
from .records import Record, record_of

__all__ = ["run_rows"]

_WORKER: dict[str, Any] = {}


def _init_worker(spec_path: str) -> None:
    from ..guard import Guard

    _WORKER["guard"] = Guard.from_file(spec_path)


def _check(guard: Any, chunk: Sequence[Row], source: str) -> list[Record]:
    results = guard.validate_batch([r.text for r in chunk], source, batch_size=max(1, len(chunk)))
    return [record_of(r.id, r.label, res, source) for r, res in zip(chunk, results)]


def _worker_check(chunk: Sequence[Row], source: str) -> list[Record]:
    return _check(_WORKER["guard"], chunk, source)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Progress:
    """A tqdm bar on an interactive stderr only (never in CI logs); a no-op otherwise."""

    def __init__(self, enabled: bool | None, total: int | None):
        if enabled is None:
            enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, unit="rows", file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_rows(spec: Any, rows: Iterable[Row], sink: Callable[[Record], None], *, source: str = "input",
             workers: int = 1, chunk_size: int = 64, progress: bool | None = None, total: int | None = None,
             resources: Any = None) -> float:
    """Hand every row's record to ``sink``, in row order; return the wall time of the checking in seconds
    (compilation and worker start-up excluded; model warm-up included in the first chunk)."""
    from ..guard import Guard

    bar = _Progress(progress, total)
    try:
        if workers <= 1:
            guard = spec if isinstance(spec, Guard) else Guard.from_file(spec, resources=resources)
            t0 = time.perf_counter()
            for chunk in _chunks(rows, chunk_size):
                for rec in _check(guard, chunk, source):
                    sink(rec)
                bar.update(len(chunk))
            return time.perf_counter() - t0
        if isinstance(spec, Guard) or resources:
            raise ValueError("workers > 1 needs the spec as a file path (each worker compiles it) and no resources")
        return _parallel(str(Path(spec)), rows, sink, source, workers, chunk_size, bar)
    finally:
        bar.close()


def _parallel(spec_path: str, rows: Iterable[Row], sink: Callable[[Record], None], source: str, workers: int,
              chunk_size: int, bar: _Progress) -> float:
    import multiprocessing

    # spawn: a forked child would inherit locks of threads (tokenizers, torch, servers) mid-use.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(spec_path,)) as pool:
        # Start every worker (and compile the spec in each) before the clock starts.
        list(pool.map(_noop, range(workers)))
        t0 = time.perf_counter()
        pending: list[Future] = []

        def drain(fut: Future) -> None:
            done = fut.result()
            for rec in done:
                sink(rec)
            bar.update(len(done))

        for chunk in _chunks(rows, chunk_size):
            pending.append(pool.submit(_worker_check, chunk, source))
            while len(pending) >= 2 * workers:
                drain(pending.pop(0))
        for fut in pending:
            drain(fut)
        return time.perf_counter() - t0


def _noop(_: int) -> None:
    time.sleep(0.05)
