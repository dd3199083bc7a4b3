"""Figures accumulated row by row: memory bounded by the number of entries, label values and
categories, never by the number of rows (scores and latencies are kept as histograms)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Sequence

from .metrics import Counts, LatencyHistogram, Positives, label_values, score_bin, sweep

__all__ = ["Accumulator"]


class Accumulator:
    def __init__(self, positive: Sequence[str] | None = None, *, do_sweep: bool = False, target_fbr: float = 0.01):
        self.is_positive = Positives(positive)
        self.do_sweep = do_sweep
        self.target_fbr = target_fbr
        self.rows = 0
        self.unlabelled = 0
        self.labelled = 0
        self.overall = Counts()
        self.entries: dict[str, Counts] = {}
        self.validators: dict[str, str] = {}
        self.by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # rows, flagged
        self.confusion: dict[str, Counter] = defaultdict(Counter)
        self.labels: set[str] = set()
        # Per category: rows where it was reported and labelled (tp), reported only (fp), labelled only (fn).
        self.category: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.latency: dict[str, LatencyHistogram] = defaultdict(LatencyHistogram)
        # Score histograms: entry -> (positives, negatives); "entry:category" -> (labelled so, not).
        self.scores: dict[str, tuple[Counter, Counter]] = defaultdict(lambda: (Counter(), Counter()))

    def add(self, rec: Any) -> None:
        self.rows += 1
        self.latency["(guard)"].add(rec.latency_ms)
        for v in rec.verdicts:
            self.latency[v.id].add(v.latency_ms)
            self.validators.setdefault(v.id, v.validator)
            self.entries.setdefault(v.id, Counts())
        values = label_values(rec.label)
        self.labels.update(values)
        reported = sorted({c for v in rec.verdicts if v.flagged for c in v.categories})
        cells = reported or (["(flagged, no category)"] if rec.flagged else ["(none)"])
        for value in values or ("(unlabelled)",):
            self.by_label[value][0] += 1
            self.by_label[value][1] += rec.flagged
            self.confusion[value].update(cells)
        pos = self.is_positive(rec.label)
        if pos is None:
            self.unlabelled += 1
            return
        self.labelled += 1
        self.overall.add(pos, rec.flagged)
        for cat in set(reported) | set(values):
            cell = self.category[cat]
            cell[0 if cat in reported and cat in values else 1 if cat in reported else 2] += 1
        for v in rec.verdicts:
            entry = self.entries[v.id]
            if v.error:
                entry.errors += 1
                self.overall.errors += 1
            entry.add(pos, v.flagged)
            if not self.do_sweep:
                continue
            if v.score is not None:
                self.scores[v.id][0 if pos else 1][score_bin(v.score)] += 1
            for cat, s in v.scores:
                self.scores[f"{v.id}:{cat}"][0 if cat in values else 1][score_bin(s)] += 1

    def per_category(self) -> dict[str, Counts]:
        """Figures of the categories named like label values (topics named after their domains)."""
        reported = {c for counter in self.confusion.values() for c in counter}
        out = {}
        for cat in sorted(reported & self.labels):
            tp, fp, fn = self.category[cat]
            out[cat] = Counts(tp=tp, fp=fp, fn=fn, tn=self.labelled - tp - fp - fn)
        return out

    def sweeps(self) -> dict[str, dict[str, Any]]:
        out = {}
        for key, (pos, neg) in self.scores.items():
            if ":" in key and key.split(":", 1)[1] not in self.labels:
                continue  # per-category scores sweep only where the category is also a label value
            out[key] = sweep(pos, neg, self.target_fbr)
        return out

    def latency_ms(self) -> dict[str, dict[str, float | None]]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {k: {"p50": r(h.percentile(50)), "p99": r(h.percentile(99))} for k, h in self.latency.items()}

    def by_label_table(self) -> dict[str, dict[str, Any]]:
        return {k: {"rows": n, "flagged": f, "flagged_rate": round(f / n, 4) if n else None,
                    "positive": self.is_positive(k) if k != "(unlabelled)" else None}
                for k, (n, f) in sorted(self.by_label.items(), key=lambda kv: (-kv[1][0], kv[0]))}
