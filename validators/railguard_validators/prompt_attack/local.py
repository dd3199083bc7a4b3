"""The ``local`` engine of prompt_attack: a linear classifier over hashed n-grams, attack markers and
decoded payloads (railguard.text.classify), trained by scripts/train_classifiers.py; numpy only."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from railguard.text import classify

from ..content_filter.levels import Judgement, confidence_of
from . import markers

__all__ = ["LocalEngine", "Judgement", "MODEL_PATH"]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "model.npz"


class LocalEngine:
    name = "local"

    def __init__(self, path: Path = MODEL_PATH):
        self.path = path
        self.model: classify.LinearModel | None = None

    def setup(self) -> None:
        model = classify.load(self.path)
        if tuple(model.dense_names) != markers.DENSE:
            raise ValueError(f"{self.path}: trained with other dense features than this version's markers; "
                             "retrain with scripts/train_classifiers.py")
        self.model = model

    def judge(self, texts: Sequence[str]) -> list[Judgement]:
        if self.model is None:
            self.setup()
        model = self.model
        assert model is not None
        probs, decoded = model.scores(texts, markers.dense)
        levels = model.meta["thresholds"]["attack"]
        out = []
        for row, kinds in zip(probs, decoded):
            score = float(row[0])
            families = {f: round(float(p), 4) for f, p in zip(model.heads[1:], row[1:])}
            family = max(families, key=families.get) if families else None
            # A payload hidden by encoding (base64, hex, rot13, tag characters); leetspeak and spaced
            # letters also occur in ordinary text, so they name the family only with the model's agreement.
            if kinds and (set(kinds) - {"leet", "spaced"} or families.get("obfuscation", 0.0) >= 0.5):
                family = "obfuscation"
            out.append(Judgement(score, confidence_of(score, levels), family, families,
                                 {"decoded": list(kinds)} if kinds else {}))
        return out
