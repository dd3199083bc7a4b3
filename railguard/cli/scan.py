"""``railguard scan``: guard whole corpora (JSON lines, CSV, Parquet, text; local or s3://)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("scan", help="guard a corpus: mask, drop or flag records of JSONL/CSV/Parquet/text files",
                       description="Run one stage of a spec on every record of the inputs and write them back, "
                                   "in the same format, into the --out folder, with a report "
                                   "(railguard-scan-report.json). Exit status 0 when nothing was changed, "
                                   "2 when the guard changed, dropped or flagged records, 1 on errors.")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or s3:// URIs")
    p.add_argument("--out", required=True, help="output folder (local or s3://)")
    p.add_argument("--source", choices=["input", "output"], default="input", help="which stage (default: input)")
    p.add_argument("--text-field", default="text", help="field or column holding the text (default: text)")
    p.add_argument("--id-field", help="field naming records in the report (default: file:record number)")
    p.add_argument("--on-block", choices=["drop", "keep", "flag"], default="drop",
                   help="blocked records: drop them (default), keep them with the blocked message, "
                        "or flag them with a railguard_blocked column")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet", "text"], help="override the format "
                   "the file names suggest")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted scan into the same --out")
    p.add_argument("--ray", nargs="?", const=True, default=None, metavar="ADDRESS",
                   help="run on Ray Data: a local Ray, or the cluster at ADDRESS")
    p.add_argument("--shard-records", type=int, default=2000, help="records per shard (default: 2000)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_scan)


def _summary(report: Any) -> str:
    t = report.total
    lines = [
        f"scanned {t.records} records ({t.chars} characters) from {len(report.inputs)} file(s) in "
        f"{report.seconds:.2f} s: {report.mb_per_s:.2f} MB/s, {report.records_per_s:.0f} records/s "
        f"({report.engine}, {report.workers} worker(s))",
        f"changed {t.changed}, blocked {t.blocked} (dropped {t.dropped}, flagged {t.flagged}), "
        f"without text {t.without_text}, unreadable {t.unreadable}, validator errors {t.validator_errors}",
    ]
    for title, counts in (("interventions", t.interventions), ("entity types", t.entity_types),
                          ("categories", t.categories)):
        if counts:
            lines.append(f"{title}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    if t.blocked_ids:
        shown = ", ".join(t.blocked_ids[:10])
        lines.append(f"blocked records: {shown}" + (f" (and {t.blocked - 10} more; see the report)"
                                                     if t.blocked > 10 else ""))
    for src, dst, _ in report.inputs:
        lines.append(f"  {src} -> {dst}")
    return "\n".join(lines)


def cmd_scan(args: argparse.Namespace) -> int:
    import sys

    from ..scan import scan
    from ..scan.local import ScanInterrupted

    try:
        report = scan(args.spec, args.inputs, args.out, source=args.source, text_field=args.text_field,
                      id_field=args.id_field, on_block=args.on_block, workers=args.workers, resume=args.resume,
                      format=args.format, ray=args.ray, shard_records=args.shard_records,
                      progress=False if args.quiet or args.json else None)
    except ScanInterrupted as exc:
        print(f"railguard scan: {exc}", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(_summary(report))
    t = report.total
    return 2 if (t.changed or t.blocked) else 0
