"""Figures over records: precision, recall, F1, false-block rates, confusion, latency, threshold sweeps.

A row is *positive* when its label says the guard should act on it (the label is one of the
``positive`` values, or a true boolean); *flagged* when the guard (or one entry) acted on it.
False-block rate = flagged negatives / negatives. Rows without a label count for speed only.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..errors import RailguardError
from .records import Record

__all__ = ["Positives", "Counts", "percentile", "sweep", "propose_threshold", "label_values"]

_TRUE = {"true", "yes", "1", "positive", "unsafe"}
_FALSE = {"false", "no", "0", "negative", "safe"}


def label_values(label: Any) -> tuple[str, ...]:
    """A label as the string values it carries (a list label carries several)."""
    if label is None:
        return ()
    if isinstance(label, (list, tuple)):
        return tuple(v for x in label for v in label_values(x))
    if isinstance(label, bool):
        return ("true" if label else "false",)
    return (str(label),)


class Positives:
    """Decides which labels are positive: the given values, or booleans when none are given."""

    def __init__(self, values: Sequence[str] | None = None):
        self.values = frozenset(str(v) for v in values) if values else None

    def __call__(self, label: Any) -> bool | None:
        """True or False, or None for an unlabelled row."""
        values = label_values(label)
        if label is None or (isinstance(label, (list, tuple)) and self.values is None and not values):
            return None
        if self.values is not None:
            return any(v in self.values for v in values)
        if isinstance(label, (list, tuple)):
            return bool(values)  # a non-empty category list: positive
        folded = values[0].strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        shown = label if len(repr(label)) <= 40 else repr(label)[:40] + "..."
        raise RailguardError(f"label {shown!r} is neither a boolean nor one of the positive values; "
                             f"name the labels the guard should act on with --positive VALUE")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: int = 0

    def add(self, positive: bool, flagged: bool) -> None:
        if positive and flagged:
            self.tp += 1
        elif positive:
            self.fn += 1
        elif flagged:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    @property
    def false_block_rate(self) -> float | None:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "errors": self.errors,
                "precision": r(self.precision), "recall": r(self.recall), "f1": r(self.f1),
                "false_block_rate": r(self.false_block_rate)}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def propose_threshold(negatives: Sequence[float], target_fbr: float) -> float | None:
    """The lowest threshold (``score >= threshold`` flags) whose false-block rate on ``negatives`` is at
    most ``target_fbr``; None without negatives."""
    if not negatives:
        return None
    ordered = sorted(negatives, reverse=True)
    allowed = math.floor(target_fbr * len(ordered) + 1e-9)
    if allowed >= len(ordered):
        return ordered[-1]
    # Flag nothing at or below the (allowed+1)-th highest negative score.
    return math.nextafter(ordered[allowed], math.inf)


def _rate_at(sorted_scores: Sequence[float], threshold: float) -> float | None:
    """Share of ``sorted_scores`` (ascending) at or above ``threshold``."""
    if not sorted_scores:
        return None
    import bisect

    return (len(sorted_scores) - bisect.bisect_left(sorted_scores, threshold)) / len(sorted_scores)


def sweep(positives: Iterable[float], negatives: Iterable[float], target_fbr: float,
          points: int = 12) -> dict[str, Any]:
    """Recall and false-block rate across thresholds, and the threshold proposed for ``target_fbr``."""
    pos, neg = sorted(positives), sorted(negatives)
    every = pos + neg
    if not every:
        return {"positives": 0, "negatives": 0, "rows": [], "proposed": None}
    lo, hi = min(every), max(every)
    grid = sorted({round(lo + (hi - lo) * i / (points - 1), 4) for i in range(points)}) if hi > lo else [lo]
    proposed = propose_threshold(neg, target_fbr)
    rows = [{"threshold": t, "recall": _round(_rate_at(pos, t)), "false_block_rate": _round(_rate_at(neg, t))}
            for t in grid]
    out: dict[str, Any] = {"positives": len(pos), "negatives": len(neg), "rows": rows, "target_fbr": target_fbr,
                           "proposed": None}
    if proposed is not None:
        out["proposed"] = {"threshold": proposed, "recall": _round(_rate_at(pos, proposed)),
                           "false_block_rate": _round(_rate_at(neg, proposed))}
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def confusion(records: Iterable[Record]) -> dict[str, Counter]:
    """Label value -> how often each category was reported on its rows ('(none)' when nothing flagged)."""
    table: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        cats = sorted({c for v in rec.verdicts if v.flagged for c in v.categories})
        if not cats:
            cats = ["(flagged, no category)"] if rec.flagged else ["(none)"]
        for value in label_values(rec.label) or ("(unlabelled)",):
            table[value].update(cats)
    return dict(table)
