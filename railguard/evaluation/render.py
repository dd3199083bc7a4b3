"""An evaluation report as text tables (``railguard eval`` without ``--json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from . import EvalReport
    from .metrics import Counts

MAX_LABELS = 40


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def _counts_row(name: str, c: "Counts") -> list[str]:
    return [name, _f(c.precision), _f(c.recall), _f(c.f1), _pct(c.false_block_rate),
            f"{c.tp}/{c.fp}/{c.fn}/{c.tn}", str(c.errors)]


def render_report(r: "EvalReport") -> str:
    lines = [f"spec {r.spec}, {r.source} stage: {r.rows:,} rows"
             + (f" ({r.unlabelled:,} unlabelled, counted for speed only)" if r.unlabelled else "")
             + (f"; positive labels: {', '.join(r.positive)}" if r.positive else "; boolean labels")]
    head = ["", "precision", "recall", "F1", "false blocks", "tp/fp/fn/tn", "errors"]
    rows = [head, _counts_row("overall (guard)", r.overall)]
    rows += [_counts_row(f"{k} ({r.entry_validators[k]})", c) for k, c in r.entries.items()]
    lines += ["", "detection:"] + _table(rows)
    if r.per_category:
        rows = [["category", "precision", "recall", "F1", "false blocks", "tp/fp/fn/tn", "errors"]]
        rows += [_counts_row(k, c) for k, c in r.per_category.items()]
        lines += ["", "per category (categories named like label values):"] + _table(rows)
    lines += ["", "flagged per label value (false-block rate for negative labels, recall for positive ones):"]
    rows = [["label", "rows", "flagged", "rate", "positive"]]
    shown = list(r.by_label.items())[:MAX_LABELS]
    for label, d in shown:
        pos = {True: "yes", False: "no", None: "-"}[d["positive"]]
        rows.append([_cut(label), f"{d['rows']:,}", f"{d['flagged']:,}", _pct(d["flagged_rate"]), pos])
    lines += _table(rows)
    if len(r.by_label) > MAX_LABELS:
        lines.append(f"  ... {len(r.by_label) - MAX_LABELS} more label values (--json has all)")
    lines += ["", "confusion (rows of each label value: categories reported):"]
    for label, counter in list(r.confusion.items())[:MAX_LABELS]:
        top = ", ".join(f"{c} {n:,}" for c, n in counter.most_common(6))
        more = f", ... {len(counter) - 6} more" if len(counter) > 6 else ""
        lines.append(f"  {_cut(label)}: {top}{more}")
    lines += ["", "latency (ms per row):"]
    rows = [["", "p50", "p99"]] + [[k, _f(v["p50"]), _f(v["p99"])] for k, v in r.latency_ms.items()]
    lines += _table(rows)
    tput = r.throughput
    lines.append(f"throughput: {tput:,.0f} rows/s ({r.rows:,} rows in {r.seconds:.2f} s, "
                 f"{r.workers} worker{'s' if r.workers != 1 else ''})" if tput else "throughput: -")
    for key, sw in r.sweeps.items():
        lines += _sweep(key, sw)
    return "\n".join(lines)


def _sweep(key: str, sw: dict[str, Any]) -> list[str]:
    lines = ["", f"threshold sweep: {key} ({sw['positives']:,} positive, {sw['negatives']:,} negative rows)"]
    if not sw["rows"]:
        return lines + ["  no scores"]
    rows = [["threshold", "recall", "false blocks"]]
    rows += [[f"{x['threshold']:.4f}", _f(x["recall"]), _pct(x["false_block_rate"])] for x in sw["rows"]]
    lines += _table(rows)
    p = sw.get("proposed")
    if p:
        lines.append(f"  proposed threshold for false blocks <= {_pct(sw['target_fbr'])}: {p['threshold']:.6g} "
                     f"(recall {_f(p['recall'])}, false blocks {_pct(p['false_block_rate'])})")
    else:
        lines.append("  no negative rows: no threshold can be proposed")
    return lines


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
