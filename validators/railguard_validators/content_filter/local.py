"""The ``local`` engine of content_filter: linear heads (any harm, and one per category) over hashed
n-grams and decoded payloads (railguard.text.classify), trained by scripts/train_classifiers.py.

A category's confidence is the lower of its own head's level and the ``unsafe`` head's level, each
by the thresholds chosen on the training script's calibration split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from railguard.text import classify

from . import model as content_model
from .levels import CATEGORIES, CONFIDENCES, Verdict, confidence_of

__all__ = ["LocalEngine", "Verdict", "CATEGORIES"]


class LocalEngine:
    name = "local"

    def __init__(self, path: Path = content_model.MODEL_PATH):
        self.path = path
        self.model: classify.LinearModel | None = None

    def setup(self) -> None:
        model = classify.load(self.path)
        if tuple(model.dense_names) != content_model.DENSE or tuple(model.heads[1:]) != CATEGORIES:
            raise ValueError(f"{self.path}: trained with other features or heads than this version; retrain with "
                             "scripts/train_classifiers.py")
        self.model = model

    def judge(self, texts: Sequence[str], context: Any = None) -> list[Verdict]:
        if self.model is None:
            self.setup()
        model = self.model
        assert model is not None
        probs, _ = model.scores(texts, content_model.dense)
        levels = model.meta["thresholds"]
        out = []
        for row in probs:
            gate = CONFIDENCES.index(confidence_of(float(row[0]), levels["unsafe"]))
            cats = {}
            for k, cat in enumerate(CATEGORIES, start=1):
                own = CONFIDENCES.index(confidence_of(float(row[k]), levels[cat]))
                cats[cat] = (CONFIDENCES[min(own, gate)], float(min(row[k], row[0])))
            out.append(Verdict(cats))
        return out
