"""Small trained linear classifiers shipped as package data, run with numpy only.

A model file (``.npz``) holds one logistic head per label over three feature blocks:

- hashed character 3-5-grams and word 1-2-grams of the folded text and of every hidden
  payload decoded from it (:mod:`railguard.text.features`), ``2**bits`` buckets;
- dense features supplied by the caller (counts of what folding and decoding found, rule
  markers), named in the file so a caller with other features is refused;
- optionally the sentence embedding of the text from :mod:`railguard.text.embed`
  (engine name and dimension recorded in the file).

``scripts/train_classifiers.py`` writes these files; it builds its features with
:func:`featurize`, the same function inference uses, so training and inference cannot drift.
Texts longer than :data:`WINDOW` characters are read in overlapping windows and each head
keeps its highest score (linear in the length).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .features import Folded, decodings, fold, hashed

__all__ = ["LinearModel", "Features", "featurize", "windows", "WINDOW", "STEP", "BATCH", "load"]

WINDOW = 4000
STEP = 3000
BATCH = 64  # windows featurised and scored together

DenseFn = Callable[[str, Folded, list], np.ndarray]


@dataclass(frozen=True)
class Features:
    """One text's features: hashed buckets and their weights, dense values, what was decoded."""

    idx: np.ndarray
    weights: np.ndarray
    dense: np.ndarray
    decoded: tuple[str, ...]  # kinds of hidden payloads found (base64, rot13, ...)


def featurize(text: str, bits: int, dense: DenseFn) -> Features:
    folded = fold(text)
    found = decodings(text, folded)
    reading = folded if not found else folded + "\n" + "\n".join(d for _, d in found)
    idx, weights = hashed(reading, bits, max_chars=WINDOW + 2000)
    return Features(idx, weights, dense(text, folded, found), tuple(k for k, _ in found))


def windows(text: str) -> list[str]:
    """The text itself when short, else overlapping windows covering all of it (each character is read
    at most twice: linear in the length)."""
    if len(text) <= WINDOW:
        return [text]
    return [text[s:s + WINDOW] for s in range(0, len(text) - WINDOW + STEP, STEP)]


class LinearModel:
    """Logistic heads over hashed, dense and (optional) embedding features."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray], meta: dict):
        self.path = path
        self.meta = meta
        self.bits: int = int(meta["bits"])
        self.heads: tuple[str, ...] = tuple(meta["heads"])
        self.dense_names: tuple[str, ...] = tuple(meta["dense"])
        self.embedding: str | None = meta.get("embedding")
        self.w_hash = np.ascontiguousarray(arrays["w_hash"], dtype=np.float32)  # rows gathered by bucket
        self.w_dense = arrays["w_dense"].astype(np.float32)
        self.bias = arrays["bias"].astype(np.float32)
        self.w_embed = arrays["w_embed"].astype(np.float32) if "w_embed" in arrays else None
        if self.w_hash.shape != (1 << self.bits, len(self.heads)):
            raise ValueError(f"{path}: w_hash has shape {self.w_hash.shape}, expected {(1 << self.bits, len(self.heads))}")
        if self.w_dense.shape != (len(self.dense_names), len(self.heads)):
            raise ValueError(f"{path}: w_dense has shape {self.w_dense.shape}, expected "
                             f"{(len(self.dense_names), len(self.heads))}")
        self._embedder = None

    def _embed(self, texts: Sequence[str]) -> np.ndarray | None:
        if self.w_embed is None:
            return None
        if self._embedder is None:
            from . import embed  # only models trained with embeddings pay for them

            self._embedder = embed.engine(self.embedding)
        return self._embedder.embed(list(texts))

    def logits(self, feats: Sequence[Features], texts: Sequence[str] = ()) -> np.ndarray:
        out = np.empty((len(feats), len(self.heads)), dtype=np.float32)
        for i, f in enumerate(feats):
            hashed = np.take(self.w_hash, f.idx, axis=0).sum(axis=0) * f.weights[0] if len(f.idx) else 0.0
            out[i] = hashed + f.dense @ self.w_dense
        out += self.bias
        emb = self._embed(texts) if texts else None
        if emb is not None:
            out += emb @ self.w_embed
        return out

    def scores(self, texts: Sequence[str], dense: DenseFn) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        """Per text and head, the probability (highest over the text's windows); and decoded kinds.

        Windows are scored one batch at a time, so memory stays bounded whatever the text's length.
        """
        best = np.zeros((len(texts), len(self.heads)), dtype=np.float32)
        kinds: list[set[str]] = [set() for _ in texts]
        for n, text in enumerate(texts):
            parts = windows(text)
            for start in range(0, len(parts), BATCH):
                batch = parts[start:start + BATCH]
                feats = [featurize(t, self.bits, dense) for t in batch]
                probs = 1.0 / (1.0 + np.exp(-self.logits(feats, batch)))
                np.maximum(best[n], probs.max(axis=0), out=best[n])
                for f in feats:
                    kinds[n].update(f.decoded)
        return best, [tuple(sorted(k)) for k in kinds]


_CACHE: dict[Path, LinearModel] = {}
_LOCK = threading.Lock()


def load(path: Path) -> LinearModel:
    """The model at ``path``, loaded once per process (thread-safe)."""
    path = Path(path)
    with _LOCK:
        model = _CACHE.get(path)
        if model is None:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(bytes(arrays.pop("meta")).decode("utf-8"))
            model = _CACHE[path] = LinearModel(path, arrays, meta)
        return model
