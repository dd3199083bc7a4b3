"""Reproduce the background of everyday prompts the semantic topic engine calibrates against.

``railguard/text/data/background.npz`` holds static embeddings (int8 rows, see
``scripts/distill_embeddings.py``) of everyday assistant and banking prompts, never their texts.
A denied topic written with no tuning gets its threshold from this background: the score that
only a small share of everyday prompts reach. Rows come from ``../shared/data`` (public,
licensed; see SOURCES.md next to the data):

- ``train/benign_prompts.jsonl``: HWU64 (CC-BY-4.0), arena-hard (Apache-2.0), PurpleLlama
  instruct (MIT), self-instruct (Apache-2.0), MT-Bench/Vicuna (Apache-2.0);
- ``topics/banking77_train.jsonl`` (CC-BY-4.0), a sample.

A fixed hash of each text puts 30% of the rows aside: they are never shipped, so benchmarks can
measure false blocks on everyday prompts the calibration never saw (``is_held_out``). CLINC150
is not used at all, so its domains stay an unseen evaluation.

    python scripts/build_background.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "railguard" / "text" / "data" / "background.npz"
BANKING_SAMPLE = 2000


def is_held_out(text: str) -> bool:
    """True for the 30% of rows kept aside for evaluation (a fixed hash of the text)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 10 < 3


def rows() -> list[str]:
    benign = [json.loads(line)["text"] for line in open(SHARED / "train/benign_prompts.jsonl", encoding="utf-8")]
    banking = [json.loads(line)["text"] for line in open(SHARED / "topics/banking77_train.jsonl", encoding="utf-8")]
    banking = [t for t in banking if int(hashlib.sha256(t.encode()).hexdigest()[8:16], 16) % 5 == 0]
    texts = benign + banking[:BANKING_SAMPLE]
    return [t for t in texts if not is_held_out(t)]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from railguard.text.embed import StaticEngine

    texts = rows()
    vectors = StaticEngine().embed(texts)
    q = np.round(vectors * 127).astype(np.int8)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, q=q)
    print(f"wrote {OUT}: {len(texts)} everyday prompts x {vectors.shape[1]} dims")


if __name__ == "__main__":
    main()
