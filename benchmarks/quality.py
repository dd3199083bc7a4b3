"""Detection quality on public labelled data: PII spans and denied topics.

    python benchmarks/quality.py [--part pii|topics|both]

- PII span precision/recall/F1 per entity on ../shared/data/pii/presidio_synth_dev.jsonl
  (Presidio's entity names mapped to Bedrock's; types with no counterpart are listed), for the
  rules engine and the spaCy engine (benchmarks/quality_pii.py).
- denied_topics precision/recall with CLINC150 domains as topics, for the lexical and the
  embedding engine (benchmarks/quality_topics.py).

These are development figures: what we improve from.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "validators")]

import quality_pii  # noqa: E402
import quality_topics  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["pii", "topics", "both"], default="both")
    args = ap.parse_args()
    if args.part in ("pii", "both"):
        quality_pii.main([])
        print()
    if args.part in ("topics", "both"):
        quality_topics.main()


if __name__ == "__main__":
    main()
