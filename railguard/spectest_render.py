"""A spec-test report as text, in the shape pytest users read at a glance.

One line per spec file (a dot per case that held, ``F`` per case that did not), then each
failure with the verdict of every entry (passed, action, score, categories, span types,
error), then ``N failed, M passed in S s``. Case texts are shown cut short; detected
values never appear (results carry only span types and offsets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .spectest import CaseOutcome, Report

WIDTH = 78


def _bar(title: str, char: str = "=") -> str:
    title = f" {title} "
    side = max(3, (WIDTH - len(title)) // 2)
    return (char * side + title + char * side)[: max(WIDTH, len(title) + 6)]


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _score(a: Any) -> str:
    if a.score is None:
        return "-"
    return f"{a.score:.4f}"


def _detail(a: Any) -> str:
    parts = []
    if a.error:
        parts.append(f"error: {a.error}")
    elif a.message:
        parts.append(a.message)
    if a.categories:
        parts.append("categories=" + ",".join(a.categories))
    if a.spans:
        parts.append("spans=" + ",".join(f"{s.type}@{s.start}-{s.end}" for s in a.spans))
    scores = a.details.get("scores") if hasattr(a.details, "get") else None
    if scores and hasattr(scores, "items"):
        parts.append("scores=" + ",".join(f"{k}:{v:.4f}" if isinstance(v, float) else f"{k}:{v}"
                                          for k, v in list(scores.items())[:8]))
    text = " ".join(parts)
    return text if len(text) <= 160 else text[:157] + "..."


def render_failure(o: "CaseOutcome") -> list[str]:
    from .spectest import _short

    case = o.case
    lines = [_bar(o.title, "_")]
    shown = case.text if case.text is not None else " | ".join(f"{r}: {c}" for r, c in case.messages)
    lines.append(f"{case.stage}: {_short(shown)}")
    lines.append(f"expect: {case.expect}    got: {'+'.join(o.got)}")
    lines += [f"  - {p}" for p in o.problems]
    lines += [f"  note: {n}" for n in o.notes]
    stage = o.stage
    if stage is not None:
        rows = [["entry", "validator", "passed", "action", "score", "details"]]
        for a in stage.assessments:
            action = f"monitor:{a.would_action}" if a.monitored else a.action
            rows.append([a.id, a.validator, "yes" if a.passed else "no", action, _score(a), _detail(a)])
        lines += ["  " + r for r in _table(rows)]
        lines.append(f"  output: {_short(o.output)}")
    return lines


def render_report(report: "Report", *, verbose: bool = False) -> str:
    lines: list[str] = []
    by_file: dict[str, list[Any]] = {}
    for o in report.outcomes:
        by_file.setdefault(o.file, []).append(o)
    for file, outcomes in by_file.items():
        if verbose:
            for o in outcomes:
                lines.append(f"{o.title} {'PASSED' if o.passed else 'FAILED'}")
        else:
            lines.append(f"{file} " + "".join("." if o.passed else "F" for o in outcomes))
    for spec in report.specs:
        if spec not in by_file and not any(f == spec for f, _ in report.errors):
            lines.append(f"{spec}: no test cases")
    for file, message in report.errors:
        lines.append(_bar(f"ERROR loading {file}", "_"))
        lines.append(message)
    failures = [o for o in report.outcomes if not o.passed]
    if failures:
        lines.append(_bar("FAILURES"))
        for o in failures:
            lines += render_failure(o)
    if not report.outcomes and not report.errors:
        lines.append("no test cases found")
    lines.append(_bar(report.summary()))
    return "\n".join(lines)
