"""``railguard stats``: interventions per validator, action and entity type from audit logs.

Reads the JSON lines of :class:`railguard.telemetry.AuditLog` (a file written directly, or
lines from Python logging with a prefix before the JSON), one line at a time, keeping only
counters: memory stays bounded whatever the size of the log.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from ..errors import RailguardError

__all__ = ["register", "parse_time", "summarise"]

_AGO = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_REQUIRED = ("time", "guard", "stage", "validator", "action", "mode")


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="count interventions in audit logs by validator, action and entity type")
    p.add_argument("logs", nargs="+", metavar="AUDIT_LOG", help="audit log files (JSON lines)")
    p.add_argument("--since", help="from this time: ISO 8601 (2026-12-04, 2026-12-04T18:00Z) or ago (30m, 12h, 7d)")
    p.add_argument("--until", help="before this time (same forms as --since)")
    p.add_argument("--guard", help="only this guard")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_stats)


def parse_time(text: str, now: datetime | None = None, *, option: str = "--since") -> datetime:
    """An ISO 8601 time (UTC if it has no offset) or an age such as ``12h`` (that long before now)."""
    now = now or datetime.now(timezone.utc)
    value = text.strip()
    m = _AGO.match(value)
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RailguardError(f"{option} {value[:40]!r} is not a time: use ISO 8601 (2026-12-04T18:00Z) "
                             f"or an age (30m, 12h, 7d)") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _records(paths: Iterable[str], bad: list) -> Iterable[dict]:
    for name in paths:
        path = Path(name)
        try:
            handle = path.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise RailguardError(f"cannot read {name}: {exc.strerror or exc}") from None
        with handle:
            for n, line in enumerate(handle, start=1):
                start = line.find("{")
                if start < 0:
                    if line.strip():
                        bad.append(f"{name}:{n}")
                    continue
                try:
                    rec = json.loads(line[start:])
                except ValueError:
                    bad.append(f"{name}:{n}")
                    continue
                if not isinstance(rec, dict) or any(not isinstance(rec.get(k), str) for k in _REQUIRED):
                    bad.append(f"{name}:{n}")
                    continue
                yield rec


def summarise(paths: Iterable[str], since: datetime | None = None, until: datetime | None = None,
              guard: str | None = None) -> dict[str, Any]:
    bad: list[str] = []
    by_validator: Counter = Counter()
    by_action: Counter = Counter()
    by_type: Counter = Counter()
    by_guard: Counter = Counter()
    first = last = None
    total = 0
    for rec in _records(paths, bad):
        try:
            when = parse_time(rec["time"], option="time")
        except RailguardError:
            bad.append(f"record at {rec['time'][:40]!r}")
            continue
        if (since is not None and when < since) or (until is not None and when >= until):
            continue
        if guard is not None and rec["guard"] != guard:
            continue
        total += 1
        first = when if first is None or when < first else first
        last = when if last is None or when > last else last
        monitored = rec["mode"] == "monitor"
        action = (rec.get("would_action") or "none") if monitored else rec["action"]
        by_validator[(rec["guard"], rec["stage"], rec["validator"], action, rec["mode"])] += 1
        by_action[(action, rec["mode"])] += 1
        by_guard[rec["guard"]] += 1
        # Per entity type: detected values (one per span), or one per listed type for records without spans.
        spans = rec.get("spans") if isinstance(rec.get("spans"), list) else []
        types = [s.get("type") for s in spans if isinstance(s, dict)] or rec.get("entity_types") or []
        for t in types if isinstance(types, list) else []:
            if isinstance(t, str):
                by_type[(t, rec["mode"])] += 1
    iso = lambda d: d.isoformat().replace("+00:00", "Z") if d is not None else None  # noqa: E731
    return {
        "window": {"since": iso(since), "until": iso(until), "first": iso(first), "last": iso(last)},
        "records": total,
        "by_guard": dict(sorted(by_guard.items())),
        "by_validator": [{"guard": g, "stage": s, "validator": v, "action": a, "mode": m, "count": c}
                         for (g, s, v, a, m), c in sorted(by_validator.items(), key=lambda kv: (-kv[1], kv[0]))],
        "by_action": [{"action": a, "mode": m, "count": c}
                      for (a, m), c in sorted(by_action.items(), key=lambda kv: (-kv[1], kv[0]))],
        "by_entity_type": [{"entity_type": t, "mode": m, "count": c}
                           for (t, m), c in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))],
        "malformed": {"count": len(bad), "first": bad[0] if bad else None},
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _label(action: str, mode: str) -> str:
    return f"would {action} (monitor)" if mode == "monitor" else action


def render(summary: dict[str, Any]) -> str:
    w = summary["window"]
    lines = [f"{summary['records']} intervention record(s)"
             + (f" from {w['first']} to {w['last']}" if w["first"] else "")
             + (f"; window {w['since'] or '-'} .. {w['until'] or 'now'}" if w["since"] or w["until"] else "")]
    if summary["by_validator"]:
        rows = [["guard", "stage", "validator", "action", "count"]]
        rows += [[r["guard"], r["stage"], r["validator"], _label(r["action"], r["mode"]), str(r["count"])]
                 for r in summary["by_validator"]]
        lines += ["", "per validator:", _table(rows)]
        rows = [["action", "count"]] + [[_label(r["action"], r["mode"]), str(r["count"])] for r in summary["by_action"]]
        lines += ["", "per action:", _table(rows)]
    if summary["by_entity_type"]:
        rows = [["entity type", "mode", "count"]]
        rows += [[r["entity_type"], r["mode"], str(r["count"])] for r in summary["by_entity_type"]]
        lines += ["", "per entity type:", _table(rows)]
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    now = datetime.now(timezone.utc)
    since = parse_time(args.since, now, option="--since") if args.since else None
    until = parse_time(args.until, now, option="--until") if args.until else None
    if since is not None and until is not None and since >= until:
        raise RailguardError(f"--since {args.since!r} is not before --until {args.until!r}")
    summary = summarise(args.logs, since, until, args.guard)
    bad = summary["malformed"]
    if bad["count"]:
        print(f"warning: skipped {bad['count']} line(s) that are not audit records (first: {bad['first']})",
              file=sys.stderr)
    print(json.dumps(summary, indent=2) if args.json else render(summary))
    return 0
