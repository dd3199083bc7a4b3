"""Guard whole corpora: ``railguard.scan.scan(spec, inputs, out)`` and ``railguard scan`` on the command line.

Reads JSON lines, CSV, Parquet and plain text from local paths or ``s3://`` URIs, runs one
stage of a spec on every record through ``guard.validate_batch``, and writes the records
back in the same format with texts masked (blocked records dropped, kept with the blocked
message, or flagged), plus a report of what was found. Locally the work is spread over
worker processes (:mod:`railguard.scan.local`); ``ray=`` runs the same per-batch work on a
Ray cluster through Ray Data (:mod:`railguard.scan.ray_data`). For Spark, see
:class:`railguard.scan.ray_data.GuardBatches`, which also serves ``mapInPandas``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..errors import RailguardError
from .formats import FLAG_FIELD, Options, format_for
from .stats import ScanStats
from .store import Location, locate

__all__ = ["scan", "ScanReport", "ScanStats", "Options", "FLAG_FIELD", "REPORT_NAME"]

REPORT_NAME = "railguard-scan-report.json"


@dataclass
class ScanReport:
    """What a scan did: totals, per input, and how fast."""

    spec: str
    engine: str
    workers: int
    seconds: float
    total: ScanStats
    inputs: list[tuple[str, str, ScanStats]] = field(default_factory=list)  # (uri, output uri, stats)

    @property
    def mb_per_s(self) -> float:
        return self.total.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    @property
    def records_per_s(self) -> float:
        return self.total.records / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.spec, "engine": self.engine, "workers": self.workers,
                "seconds": round(self.seconds, 4), "mb_per_s": round(self.mb_per_s, 3),
                "records_per_s": round(self.records_per_s, 1), "total": self.total.to_dict(),
                "inputs": [{"input": i, "output": o, **s.to_dict()} for i, o, s in self.inputs]}


def _expand(uris: Sequence[str], s3_options: Mapping[str, Any] | None, explicit_format: str | None
            ) -> list[tuple[Location, Any]]:
    found: list[tuple[Location, Any]] = []
    for uri in uris:
        loc = locate(uri, s3_options)
        if loc.is_dir():
            files = [f for f in loc.list_files() if not f.name.startswith(".")]
            files = [f for f in files if explicit_format or _known(f.name)]
            if not files:
                raise RailguardError(f"{uri[:120]}: a folder with no file of a known format")
            found += [(f, format_for(f.name, explicit_format)) for f in files]
        elif not loc.exists():
            raise RailguardError(f"{uri[:120]}: no such file")
        else:
            found.append((loc, format_for(loc.name, explicit_format)))
    names: dict[str, str] = {}
    for loc, _ in found:
        if loc.name in names:
            raise RailguardError(f"two inputs would write the same output file {loc.name!r}: "
                                 f"{names[loc.name][:100]} and {loc.uri[:100]}")
        names[loc.name] = loc.uri
    if not found:
        raise RailguardError("no input given")
    return found


def _known(name: str) -> bool:
    try:
        format_for(name)
        return True
    except RailguardError:
        return False


def scan(spec: str | os.PathLike[str], inputs: str | Sequence[str], out: str, *, source: str = "input",
         text_field: str = "text", id_field: str | None = None, on_block: str = "drop", workers: int = 1,
         resume: bool = False, format: str | None = None, ray: bool | str | None = None,
         shard_records: int = 2000, shard_bytes: int = 8 << 20, progress: bool | None = None,
         s3_options: Mapping[str, Any] | None = None) -> ScanReport:
    """Scan ``inputs`` (paths, folders or s3:// URIs) with the ``source`` stage of ``spec`` into the folder
    ``out``; each input file becomes ``out/<its name>``, and ``out/railguard-scan-report.json`` holds the
    report. ``ray`` runs on Ray Data: True for a local Ray (``ray.init()``), or a cluster address."""
    from ..guard import load_spec

    spec_path = os.fspath(spec)
    load_spec(spec_path)  # a bad spec is reported before any worker starts
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [os.fspath(inputs)]
    if workers < 1:
        raise RailguardError(f"workers must be at least 1, got {workers}")
    if shard_records < 1 or shard_bytes < 1:
        raise RailguardError("shard_records and shard_bytes must be positive")
    opts = Options(source, text_field, id_field, on_block)
    found = _expand([os.fspath(i) for i in inputs], s3_options, format)
    for loc, fmt in found:
        if fmt.name == "text" and on_block == "flag":
            raise RailguardError(f"{loc.uri[:120]}: plain text has no column to flag; use --on-block drop or keep")
        if fmt.name == "text" and text_field != "text":
            raise RailguardError(f"{loc.uri[:120]}: plain text has no fields; --text-field does not apply")
    target = locate(out, s3_options)
    if target.exists() and not target.is_dir():
        raise RailguardError(f"--out {out[:120]!r} is a file; it must be a folder")
    t0 = time.perf_counter()
    if ray:
        from .ray_data import run_ray

        per_input = run_ray(spec_path, found, target, opts, address=None if ray is True else str(ray),
                            workers=workers, shard_records=shard_records)
        engine = "ray"
    else:
        from .local import STATE_DIR, run_local

        per_input = run_local(spec_path, found, target, opts, workers=workers, resume=resume,
                              shard_records=shard_records, shard_bytes=shard_bytes, progress=progress)
        engine = "local"
    total = ScanStats()
    for (loc, _), s in zip(found, per_input):
        s.bytes = loc.size()  # the input's real size (shards only estimate theirs)
        total.merge(s)
    report = ScanReport(spec_path, engine, workers, time.perf_counter() - t0, total,
                        [(loc.uri, target.child(loc.name).uri, s) for (loc, _), s in zip(found, per_input)])
    target.child(REPORT_NAME).write_bytes_atomic(json.dumps(report.to_dict(), indent=2).encode())
    if not ray:
        target.child(STATE_DIR).remove_tree()
    return report
