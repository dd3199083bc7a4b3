"""Reproduce the background of everyday prompts the semantic topic engine calibrates against.

``railguard/text/data/background.npz`` holds sentence embeddings (all-MiniLM-L6-v2 through
railguard's numpy encoder, ``railguard/text/encoder.py``; int8 unit rows, shuffled with a fixed
seed) of everyday assistant, banking and general prompts, never their texts. A denied topic
written with no tuning gets its cut-off from this background: the score that only a small share
of everyday prompts reach. Rows come from ``../shared/data`` (public, licensed; see SOURCES.md
next to the data):

- ``train/benign_prompts.jsonl``: HWU64 (CC-BY-4.0), arena-hard (Apache-2.0), PurpleLlama
  instruct (MIT), self-instruct (Apache-2.0), MT-Bench/Vicuna (Apache-2.0);
- ``topics/banking77_train.jsonl`` (CC-BY-4.0), a sample;
- ``topics/clinc150_train.jsonl`` (CC-BY-3.0), a sample of the half that ``in_background``
  names (a fixed hash). Only CLINC150's training file is read; its test and out-of-scope splits
  are never used. The other half of the training file stays an unseen evaluation for the
  benchmarks (``benchmarks/quality_topics.py`` reads only rows ``in_background`` refuses).

A fixed hash of each text puts 30% of the rows aside (``is_held_out``): they are never shipped,
so benchmarks measure false blocks on everyday prompts the calibration never saw.

    python scripts/build_background.py
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "railguard" / "text" / "data" / "background.npz"
BANKING_SAMPLE = 2000
CLINC_SAMPLE = 3000
SEED = 11


def is_held_out(text: str) -> bool:
    """True for the 30% of rows kept aside for evaluation (a fixed hash of the text)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 10 < 3


def in_background(text: str) -> bool:
    """True for the CLINC150 training rows the background may draw on (half of them, by a fixed hash)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 2 == 0


def _read(name: str) -> list[str]:
    with open(SHARED / name, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def rows() -> list[str]:
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[8:16]

    benign = _read("train/benign_prompts.jsonl")
    banking = [t for t in _read("topics/banking77_train.jsonl") if int(key(t), 16) % 5 == 0][:BANKING_SAMPLE]
    clinc = sorted((t for t in _read("topics/clinc150_train.jsonl") if in_background(t)), key=key)[:CLINC_SAMPLE]
    texts = [t for t in dict.fromkeys(benign + banking + clinc) if not is_held_out(t)]
    random.Random(SEED).shuffle(texts)  # neighbours and calibration halves both mix every source
    return texts


def main() -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "validators")]
    from railguard.text.encoder import Encoder
    from railguard_validators.denied_topics import semantic
    from railguard_validators.denied_topics.text import reading, segments

    encoder = Encoder()
    texts = [reading(t) for t in rows()]  # read as the validator reads a text (denied_topics: segments)
    q = np.round(encoder.embed(texts) * 127).astype(np.int8)
    half = len(texts) // 2
    # The calibration half is read the way the validator reads a text (the whole text and its sentences):
    # a topic's cut-off is set on each prompt's best segment, as texts are scored.
    segs, owner = [], []
    for i, text in enumerate(texts[half:]):
        for seg in segments(text):
            segs.append(seg)
            owner.append(i)
    seg_q = np.round(encoder.embed(segs) * 127).astype(np.int8)
    # Each segment's neighbour similarity, as the engine would compute it from these int8 rows.
    seg_common = semantic.common(semantic.unit_rows(seg_q), semantic.unit_rows(q[:half])).astype(np.float32)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # Whole prompts are kept for the neighbour half only: the calibration half is read through its segments.
    np.savez(OUT, q=q[:half], seg_q=seg_q, seg_owner=np.array(owner, dtype=np.int32), seg_common=seg_common,
             neighbours=np.int64(semantic.NEIGHBOURS))
    print(f"wrote {OUT}: {len(texts)} everyday prompts, {len(segs)} segments of the calibration half, "
          f"{q.shape[1]} dims")


if __name__ == "__main__":
    main()
