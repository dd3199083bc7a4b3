"""Scanning on this machine: shards read in order by this process, guarded by N worker processes.

Each worker compiles the spec once (a process-pool initializer) and writes every shard it
guards as its own part file, atomically, with the shard's counts next to it. When all shards
of an input are done, the parts are joined in shard order into the output file, so the
output order is the input order whatever the number of workers, and ``--workers 2`` writes
the same bytes as ``--workers 1``. At most ``2 x workers`` shards are in flight, so memory
does not grow with the input. A crash or Ctrl-C loses no part already written, and
``resume=True`` skips the shards (and whole inputs) that are done.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict
from typing import Any, Callable, Iterator

from ..errors import RailguardError
from .formats import Options, Shard
from .shard import guard_shard
from .stats import ScanStats
from .store import Location

__all__ = ["run_local", "STATE_DIR", "ScanInterrupted"]

STATE_DIR = ".railguard-scan"
STATE_VERSION = 1


class ScanInterrupted(RailguardError):
    """The scan was stopped (Ctrl-C); every part already written is kept for ``--resume``."""


# -- worker side ---------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


# Each worker is one of N processes sharing N cores: numpy's BLAS and the tokenizers library would
# each start a thread per core in every worker and oversubscribe the machine.
_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "RAYON_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def _init_worker(spec_path: str) -> None:
    # A spawned worker's own environment, set before numpy or tokenizers is first imported in it.
    for key, value in _ONE_THREAD.items():
        os.environ.setdefault(key, value)
    from ..guard import Guard

    guard = Guard.from_file(spec_path)
    guard.warmup()
    _WORKER["guard"] = guard


def _part(state: Location, input_index: int, shard_index: int, suffix: str) -> Location:
    return state.child(f"{input_index:05d}", f"{shard_index:07d}.{suffix}")


def _do_shard(guard: Any, state: Location, input_index: int, fmt: Any, shard: Shard, opts: Options,
              where: str) -> ScanStats:
    data, stats = guard_shard(guard, fmt, shard, opts, where)
    _part(state, input_index, shard.index, "part").write_bytes_atomic(data)
    # The counts are written last: a shard counts as done only when both files are there.
    _part(state, input_index, shard.index, "json").write_bytes_atomic(json.dumps(stats.to_dict()).encode())
    return stats


def _worker_shard(state: Location, input_index: int, fmt_name: str, shard: Shard, opts: Options,
                  where: str) -> ScanStats:
    from .formats import FORMATS

    return _do_shard(_WORKER["guard"], state, input_index, FORMATS[fmt_name], shard, opts, where)


# -- the driver ------------------------------------------------------------------------------------
def _spec_digest(spec_path: str) -> str:
    with open(spec_path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _manifest(spec_path: str, inputs: list[tuple[Location, Any]], opts: Options, shard_records: int,
              shard_bytes: int) -> dict[str, Any]:
    return {"version": STATE_VERSION, "spec_sha256": _spec_digest(spec_path), "options": asdict(opts),
            "inputs": [[loc.uri, fmt.name] for loc, fmt in inputs], "shard_records": shard_records,
            "shard_bytes": shard_bytes}


def _prepare_state(out: Location, manifest: dict[str, Any], resume: bool) -> Location:
    state = out.child(STATE_DIR)
    mfile = state.child("manifest.json")
    if mfile.exists():
        if not resume:
            raise RailguardError(f"{out.uri} holds an unfinished scan: pass --resume to continue it, "
                                 f"or remove {state.uri} to start again")
        try:
            old = json.loads(mfile.read_text())
        except ValueError:
            raise RailguardError(f"{mfile.uri} is unreadable; remove {state.uri} to start again") from None
        for key in ("spec_sha256", "options", "inputs", "shard_records", "shard_bytes"):
            if old.get(key) != manifest[key]:
                raise RailguardError(f"cannot resume: the {key.replace('_', ' ')} differ from the unfinished "
                                     f"scan in {state.uri}; rerun it exactly as before, or remove {state.uri}")
        return state
    if resume and out.child("railguard-scan-report.json").exists():
        raise RailguardError(f"nothing to resume: the scan into {out.uri} has finished")
    state.makedirs()
    mfile.write_bytes_atomic(json.dumps(manifest).encode())
    return state


def _done_stats(state: Location, input_index: int, shard_index: int) -> ScanStats | None:
    marker = _part(state, input_index, shard_index, "json")
    if not marker.exists() or not _part(state, input_index, shard_index, "part").exists():
        return None
    try:
        return ScanStats.from_dict(json.loads(marker.read_text()))
    except ValueError:
        return None


def _assemble(state: Location, input_index: int, n_shards: int, fmt: Any, target: Location) -> None:
    parts = (_part(state, input_index, i, "part") for i in range(n_shards))
    if fmt.name == "parquet":
        def chunks() -> Iterator[bytes]:
            for p in parts:
                with p.open_read() as f:
                    yield f.read()
        tmp = target if target.s3 is not None else Location(target.path + ".tmp", target.path + ".tmp")
        with tmp.open_write() as out:
            fmt.assemble(chunks(), out)
    else:
        tmp = target if target.s3 is not None else Location(target.path + ".tmp", target.path + ".tmp")
        with tmp.open_write() as out:
            for p in parts:
                with p.open_read() as f:
                    while True:
                        block = f.read(1 << 20)
                        if not block:
                            break
                        out.write(block)
    if target.s3 is None:
        os.replace(tmp.path, target.path)


def _progress(total: int, enabled: bool | None) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with the scan extra
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc="railguard scan", file=sys.stderr)


def run_local(spec_path: str, inputs: list[tuple[Location, Any]], out: Location, opts: Options, *,
              workers: int = 1, resume: bool = False, shard_records: int = 2000, shard_bytes: int = 8 << 20,
              progress: bool | None = None, guard: Any = None,
              on_input: Callable[[int, ScanStats], None] | None = None) -> list[ScanStats]:
    """Scan every input into ``out``; returns each input's counts. See the module docstring."""
    manifest = _manifest(spec_path, inputs, opts, shard_records, shard_bytes)
    out.makedirs()
    state = _prepare_state(out, manifest, resume)
    bar = _progress(sum(loc.size() for loc, _ in inputs), progress)
    pool: ProcessPoolExecutor | None = None
    if workers > 1:
        import multiprocessing

        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(spec_path,))
    elif guard is None:
        from ..guard import Guard

        guard = Guard.from_file(spec_path)
    per_input: list[ScanStats] = []
    try:
        for i, (loc, fmt) in enumerate(inputs):
            done_marker = state.child(f"{i:05d}.done")
            if resume and done_marker.exists():
                stats = ScanStats.from_dict(json.loads(done_marker.read_text()))
                per_input.append(stats)
                if bar is not None:
                    bar.update(loc.size())
                continue
            stats = ScanStats()
            pending: deque[tuple[Shard, Future | ScanStats]] = deque()
            n_shards = 0

            def settle(limit: int) -> None:
                while len(pending) > limit:
                    shard, job = pending.popleft()
                    result = job if isinstance(job, ScanStats) else job.result()
                    stats.merge(result)
                    if bar is not None:
                        bar.update(shard.bytes)

            with loc.open_read() as stream:
                for shard in fmt.shards(stream, loc.name, shard_records, shard_bytes, opts):
                    n_shards += 1
                    done = _done_stats(state, i, shard.index) if resume else None
                    if done is not None:
                        pending.append((shard, done))
                    elif pool is not None:
                        pending.append((shard, pool.submit(_worker_shard, state, i, fmt.name, shard, opts,
                                                           loc.name)))
                    else:
                        pending.append((shard, _do_shard(guard, state, i, fmt, shard, opts, loc.name)))
                    settle(2 * workers)
            settle(0)
            _assemble(state, i, n_shards, fmt, out.child(loc.name))
            done_marker.write_bytes_atomic(json.dumps(stats.to_dict()).encode())
            state.child(f"{i:05d}").remove_tree()
            per_input.append(stats)
            if on_input is not None:
                on_input(i, stats)
    except KeyboardInterrupt:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
        raise ScanInterrupted(f"interrupted; the shards already written are kept in {state.uri}: "
                              f"run the same scan again with --resume to finish it") from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    return per_input
