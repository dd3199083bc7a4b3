"""What ``railguard eval`` keeps of each checked row: small, picklable, text-free records.

A :class:`Record` holds the row's id and label, whether the guard intervened (or would have, for
entries in monitor mode), and one :class:`Verdict` per entry: failed or not, errored or not, its
score and per-category scores, the categories it reported and its latency. Workers send these
back instead of results, so a large run moves no texts between processes and keeps no spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..results import GuardResult

__all__ = ["Verdict", "Record", "record_of"]


@dataclass(frozen=True)
class Verdict:
    id: str
    validator: str
    flagged: bool  # failed (acted on, or would have been in monitor mode); an error is not a flag
    error: bool
    score: float | None
    scores: tuple[tuple[str, float], ...]  # per-category scores from details["scores"], when given
    categories: tuple[str, ...]
    latency_ms: float


@dataclass(frozen=True)
class Record:
    row_id: str
    label: Any
    flagged: bool  # the guard intervened, or would have with every monitored entry enforcing
    blocked: bool
    latency_ms: float
    verdicts: tuple[Verdict, ...]


def _scores(details: Any) -> tuple[tuple[str, float], ...]:
    raw = details.get("scores") if hasattr(details, "get") else None
    if not hasattr(raw, "items"):
        return ()
    return tuple((str(k), float(v)) for k, v in raw.items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool))


def record_of(row_id: str, label: Any, result: GuardResult, stage: str) -> Record:
    sr = result.input if stage == "input" else result.output_stage
    verdicts = []
    for a in (sr.assessments if sr is not None else ()):
        if getattr(a, "skipped", False):
            continue
        verdicts.append(Verdict(a.id, a.validator, not a.passed and not a.error, bool(a.error),
                                float(a.score) if isinstance(a.score, (int, float)) else None,
                                _scores(a.details), tuple(a.categories), float(a.latency_ms)))
    would = result.would_intervene if hasattr(result, "would_intervene") else result.intervened
    return Record(row_id, label, bool(would), bool(result.blocked or (sr is not None and sr.would_action == "block")),
                  float(result.latency_ms), tuple(verdicts))
