"""Figures over records: precision, recall, F1, false-block rates, confusion, latency, threshold sweeps.

A row is *positive* when its label says the guard should act on it (the label is one of the
``positive`` values, or a true boolean); *flagged* when the guard (or one entry) acted on it.
False-block rate = flagged negatives / negatives. Rows without a label count for speed only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..errors import RailguardError

__all__ = ["Positives", "Counts", "percentile", "sweep", "propose_threshold", "label_values", "LatencyHistogram",
           "score_bin"]

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


SCORE_STEP = 1e-4  # scores are kept as counts per bin of this width: exact for scores given to 4 decimals


def score_bin(score: float) -> float:
    """The lower edge of ``score``'s bin (bins are [edge, edge + SCORE_STEP))."""
    return round(math.floor(score / SCORE_STEP + 1e-9) * SCORE_STEP, 10)


def _hist(scores: Iterable[float] | Mapping[float, int]) -> Counter:
    if isinstance(scores, Mapping):
        return Counter(scores)
    return Counter(score_bin(s) for s in scores)


def propose_threshold(negatives: Iterable[float] | Mapping[float, int], target_fbr: float) -> float | None:
    """The lowest threshold (``score >= threshold`` flags) whose false-block rate on ``negatives`` (scores,
    or counts per score bin) is at most ``target_fbr``; None without negatives."""
    hist = _hist(negatives)
    total = sum(hist.values())
    if not total:
        return None
    allowed = math.floor(target_fbr * total + 1e-9)
    above = 0
    for edge in sorted(hist, reverse=True):
        above += hist[edge]
        if above > allowed:
            # Flag nothing in this bin or below: the threshold is the bin's upper edge.
            return round(edge + SCORE_STEP, 10)
    return min(hist)


def _rate_at(hist: Mapping[float, int], total: int, threshold: float) -> float | None:
    """Share of the scores counted in ``hist`` at or above ``threshold``."""
    if not total:
        return None
    return sum(n for edge, n in hist.items() if edge >= threshold - 1e-12) / total


def sweep(positives: Iterable[float] | Mapping[float, int], negatives: Iterable[float] | Mapping[float, int],
          target_fbr: float, points: int = 12) -> dict[str, Any]:
    """Recall and false-block rate across thresholds, and the threshold proposed for ``target_fbr``."""
    pos, neg = _hist(positives), _hist(negatives)
    npos, nneg = sum(pos.values()), sum(neg.values())
    edges = list(pos) + list(neg)
    if not edges:
        return {"positives": 0, "negatives": 0, "rows": [], "target_fbr": target_fbr, "proposed": None}
    lo, hi = min(edges), max(edges)
    grid = sorted({score_bin(lo + (hi - lo) * i / (points - 1)) for i in range(points)}) if hi > lo else [lo]
    rows = [{"threshold": t, "recall": _round(_rate_at(pos, npos, t)),
             "false_block_rate": _round(_rate_at(neg, nneg, t))} for t in grid]
    out: dict[str, Any] = {"positives": npos, "negatives": nneg, "rows": rows, "target_fbr": target_fbr,
                           "proposed": None}
    proposed = propose_threshold(neg, target_fbr)
    if proposed is not None:
        out["proposed"] = {"threshold": proposed, "recall": _round(_rate_at(pos, npos, proposed)),
                           "false_block_rate": _round(_rate_at(neg, nneg, proposed))}
    return out


class LatencyHistogram:
    """Latencies as counts per 1%-wide logarithmic bin: percentiles within 1% in bounded memory."""

    RATIO = 1.01

    def __init__(self) -> None:
        self.bins: Counter = Counter()
        self.count = 0

    def add(self, ms: float) -> None:
        self.bins[math.floor(math.log(ms, self.RATIO)) if ms > 1e-6 else None] += 1
        self.count += 1

    def percentile(self, q: float) -> float | None:
        if not self.count:
            return None
        rank = max(1, math.ceil(q / 100 * self.count))
        seen = 0
        for key in sorted(self.bins, key=lambda k: -math.inf if k is None else k):
            seen += self.bins[key]
            if seen >= rank:
                return 0.0 if key is None else self.RATIO ** (key + 0.5)
        return None  # pragma: no cover - rank never exceeds count


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
