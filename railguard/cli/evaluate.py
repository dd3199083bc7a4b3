"""``railguard eval``: measure one stage of a spec on labelled rows (see :mod:`railguard.evaluation`)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="measure a spec on labelled data (precision, recall, false blocks, speed)",
                       description="Run one stage of SPEC over the rows of DATA (JSONL, CSV or Parquet) and print, "
                                   "overall and per entry, precision, recall, F1 and false-block rate, the share "
                                   "flagged per label value, reported categories per label value, latency p50/p99 "
                                   "and throughput.")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("data", metavar="DATA", help="labelled rows: .jsonl, .csv or .parquet")
    p.add_argument("--source", choices=["input", "output"], default="input", help="which stage (default: input)")
    p.add_argument("--text-field", default="text", help="field holding the text (default: text)")
    p.add_argument("--label-field", default="label", help="field holding the label (default: label)")
    p.add_argument("--id-field", default="id", help="field naming the row in reports (default: id, else its line)")
    p.add_argument("--positive", nargs="+", metavar="VALUE",
                   help="label values the guard should act on (default: boolean labels)")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], help="data format (default: from the suffix)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N rows")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default: 1)")
    p.add_argument("--chunk-size", type=int, default=64, metavar="N", help="rows per batch (default: 64)")
    p.add_argument("--sweep", action="store_true", help="recall and false blocks across thresholds of scored entries")
    p.add_argument("--target-fbr", type=float, default=0.01, metavar="RATE",
                   help="false-block rate the proposed threshold meets (default: 0.01)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (it shows on a terminal only)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    from ..errors import RailguardError
    from ..evaluation import evaluate

    for name in ("workers", "chunk_size", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise RailguardError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    report = evaluate(args.spec, args.data, source=args.source, text_field=args.text_field,
                      label_field=args.label_field, id_field=args.id_field, positive=args.positive,
                      format=args.format, limit=args.limit, workers=args.workers, chunk_size=args.chunk_size,
                      sweep=args.sweep, target_fbr=args.target_fbr, progress=False if args.no_progress else None)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.render())
    return 0
