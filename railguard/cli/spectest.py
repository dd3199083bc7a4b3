"""``railguard test``: run the test cases specs carry (see :mod:`railguard.spectest`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("test", help="run the test cases of specs; exit 1 if any fails",
                       description="Run the cases under each spec's 'tests:' key and in its sibling "
                                   "<stem>.tests.yaml file. Remote entries (Bedrock guardrails, Llama Guard on "
                                   "SageMaker or Bedrock) answer from local servers with each case's 'replies'.")
    p.add_argument("specs", nargs="+", metavar="SPEC_OR_DIR", help="spec files or directories of specs")
    p.add_argument("-k", dest="keyword", metavar="TEXT", help="run only cases whose name contains TEXT")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    from ..spectest import run_paths

    report = run_paths(args.specs, keyword=args.keyword)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.render(verbose=args.verbose))
    if not report.outcomes and not report.errors:
        print("error: no test cases found (give cases under 'tests:' in a spec)", file=sys.stderr)
    return 0 if report.ok else 1
