"""The local content classifier: features, model file, confidence levels.

Heads: ``unsafe`` (any category) and one per Bedrock category. A category's probability is
read as Bedrock reads its filters: NONE, LOW, MEDIUM or HIGH confidence, by the thresholds the
training script chose on its calibration split (``meta.thresholds`` in the model file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from railguard.text.features import SIGNALS, signals

__all__ = ["DENSE", "MODEL_PATH", "dense"]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "model.npz"
DENSE = tuple(f"signal_{s}" for s in SIGNALS) + ("caps", "exclaim")


def dense(text: str, folded, found: list) -> np.ndarray:
    """Dense features of one text, in :data:`DENSE` order."""
    n = max(1, len(text))
    caps = sum(map(str.isupper, text[:4000])) / min(n, 4000)
    extra = np.array([caps, min(text.count("!"), 10) / 10.0], dtype=np.float32)
    return np.concatenate([signals(folded, found), extra]).astype(np.float32)
