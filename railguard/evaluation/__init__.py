"""Measure a spec on labelled data: the library behind ``railguard eval``.

    from railguard.evaluation import evaluate
    report = evaluate("specs/bank-support.yaml", "queries.jsonl", positive=["advice"], sweep=True)
    print(report.render())
    report.overall.recall, report.overall.false_block_rate

One stage of the spec runs over every row (JSONL, CSV or Parquet; see
:mod:`~railguard.evaluation.data`). The report gives, overall and per entry: precision, recall,
F1 and false-block rate; the share of rows flagged per label value; which categories were
reported on the rows of each label value (a confusion table, and per-category figures where
categories are named like labels, as topics named after their domains); latency p50/p99 and
throughput; with ``sweep``, recall and false-block rate across thresholds of every entry that
reports scores, and the threshold that meets ``target_fbr``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from .data import DataError, Row, read_rows
from .aggregate import Accumulator
from .metrics import Counts
from .records import Record

__all__ = ["evaluate", "EvalReport", "report_from_records", "Row", "read_rows", "DataError"]


@dataclass
class EvalReport:
    spec: str
    source: str
    rows: int
    unlabelled: int
    seconds: float
    overall: Counts
    entries: dict[str, Counts]
    entry_validators: dict[str, str]
    by_label: dict[str, dict[str, Any]]
    confusion: dict[str, Counter]
    per_category: dict[str, Counts]
    latency_ms: dict[str, dict[str, float | None]]
    sweeps: dict[str, dict[str, Any]] = field(default_factory=dict)
    positive: list[str] | None = None
    workers: int = 1

    @property
    def throughput(self) -> float | None:
        return self.rows / self.seconds if self.seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec, "source": self.source, "rows": self.rows, "unlabelled": self.unlabelled,
            "positive": self.positive, "workers": self.workers, "seconds": round(self.seconds, 3),
            "throughput_rows_per_s": None if self.throughput is None else round(self.throughput, 1),
            "overall": self.overall.to_dict(),
            "entries": {k: {"validator": self.entry_validators[k], **c.to_dict()} for k, c in self.entries.items()},
            "by_label": self.by_label,
            "confusion": {k: dict(v) for k, v in self.confusion.items()},
            "per_category": {k: c.to_dict() for k, c in self.per_category.items()},
            "latency_ms": self.latency_ms,
            "sweeps": self.sweeps,
        }

    def render(self) -> str:
        from .render import render_report

        return render_report(self)


def report_from_records(records: Iterable[Record], *, positive: Sequence[str] | None = None, spec: str = "",
                        source: str = "input", seconds: float = 0.0, do_sweep: bool = False,
                        target_fbr: float = 0.01, workers: int = 1) -> EvalReport:
    """Every figure of the report from the rows' records (consumed once, as they stream)."""
    acc = Accumulator(positive, do_sweep=do_sweep, target_fbr=target_fbr)
    for rec in records:
        acc.add(rec)
    return _report(acc, spec=spec, source=source, seconds=seconds, positive=positive, workers=workers)


def _report(acc: Accumulator, *, spec: str, source: str, seconds: float, positive: Sequence[str] | None,
            workers: int) -> EvalReport:
    return EvalReport(
        spec=spec, source=source, rows=acc.rows, unlabelled=acc.unlabelled, seconds=seconds, overall=acc.overall,
        entries=acc.entries, entry_validators=acc.validators, by_label=acc.by_label_table(),
        confusion=dict(acc.confusion), per_category=acc.per_category(), latency_ms=acc.latency_ms(),
        sweeps=acc.sweeps() if acc.do_sweep else {}, positive=list(positive) if positive else None,
        workers=workers)


def _checked(rows: Iterable[Row], is_positive: Positives) -> Iterable[Row]:
    """The rows, each label checked as it streams by: a label the positives cannot read stops the run
    at that row, not after it."""
    for row in rows:
        is_positive(row.label)
        yield row


def evaluate(spec: Any, data: str | Path | Iterable[Row], *, source: str = "input", text_field: str = "text",
             label_field: str = "label", id_field: str = "id", positive: Sequence[str] | None = None,
             format: str | None = None, limit: int | None = None, workers: int = 1, chunk_size: int = 64,
             sweep: bool = False, target_fbr: float = 0.01, progress: bool | None = None,
             resources: Any = None) -> EvalReport:
    """Run ``source``'s stage of ``spec`` (a path or a :class:`~railguard.Guard`) over ``data`` (a path or
    :class:`Row` values) and measure it. ``positive`` names the label values the guard should act on
    (booleans need none)."""
    from ..guard import Guard
    from .run import run_rows

    if source not in ("input", "output"):
        raise DataError(f"source {source!r} is not one of ['input', 'output']")
    if not 0 <= target_fbr < 1:
        raise DataError(f"target false-block rate {target_fbr!r} must be at least 0 and below 1")
    # Compile here first: a bad spec is reported before any worker starts.
    guard = spec if isinstance(spec, Guard) else Guard.from_file(spec, resources=resources)
    if not guard.graph.stage(source).nodes:
        raise DataError(f"the spec has no {source} stage to evaluate; use --source "
                        f"{'output' if source == 'input' else 'input'}")
    if isinstance(data, (str, Path)):
        rows: Iterable[Row] = read_rows(data, text_field=text_field, label_field=label_field, id_field=id_field,
                                        format=format, limit=limit)
        total = None
    else:
        rows = list(data)[:limit] if limit is not None else list(data)
        total = len(rows)  # type: ignore[arg-type]
    acc = Accumulator(positive, do_sweep=sweep, target_fbr=target_fbr)
    rows = _checked(rows, acc.is_positive)
    seconds = run_rows(guard if workers <= 1 else spec, rows, acc.add, source=source, workers=workers,
                       chunk_size=chunk_size, progress=progress, total=total)
    name = guard.name if isinstance(spec, Guard) else str(spec)
    return _report(acc, spec=name, source=source, seconds=seconds, positive=positive, workers=workers)
