"""The ``semantic`` engine (the default): static sentence embeddings, nearest example, calibrated thresholds.

Each topic is embedded as its definition, each clause of its definition and each example
(``railguard.text.embed``, the core install's static engine: no torch). A text's raw score
for a topic is its best cosine similarity with any of them (nearest example, not a centroid,
so one example that matches well is enough), less half its mean similarity to its five
nearest everyday prompts of the shipped background: a text that is close to a topic only
because it is close to everything people ask loses that part. (On CLINC150 domains this
relative score found 0.42 of on-topic rows against 0.25 for the plain nearest example, at the
same false-block rate; ``benchmarks/eval_topics.py``.)

Raw cosines mean different things for different topics (a topic written in common words
sits closer to everything), so every topic is calibrated when the spec is compiled, against a
background of everyday prompts shipped with railguard (``railguard/text/data/background.npz``,
embeddings only; ``scripts/build_background.py``; its first half serves as the neighbours
above, its second half for calibration): the topic's cut-off is the raw score that
only ``1 - QUANTILE`` of everyday prompts reach, and never below ``FLOOR``. The score reported
is the raw score mapped so that the cut-off is 0.5 (0 below stays 0, 1 stays 1); the default
``threshold`` is 0.5, and a spec's ``threshold`` moves it in that calibrated scale.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

from railguard.text import embed

from .embedding import clauses

NAME = "semantic"
DEFAULT_THRESHOLD = 0.5
QUANTILE = 0.995   # a topic's cut-off: the score only 0.5% of everyday prompts reach
FLOOR = 0.2        # and never a cut-off below this raw score
NEIGHBOURS = 5     # nearest everyday prompts whose mean similarity is discounted
DISCOUNT = 0.5
MIN_CLAUSE_WORDS = 3
BACKGROUND = embed.DATA.parent / "background.npz"

_background: Any = None
_background_lock = threading.Lock()


def background() -> Any:
    """The shipped everyday-prompt embeddings (float32, unit rows), loaded once per process."""
    global _background
    if _background is None:
        with _background_lock:
            if _background is None:
                import numpy as np

                q = np.load(BACKGROUND)["q"].astype(np.float32)
                norms = np.linalg.norm(q, axis=1, keepdims=True)
                _background = q / np.maximum(norms, 1e-12)
    return _background


class SemanticEngine:
    name = NAME
    default_threshold = DEFAULT_THRESHOLD

    def __init__(self, topics: Sequence[tuple[str, str, Sequence[str]]]):
        self.names = [name for name, _, _ in topics]
        # Clauses of three words or more only: a one-word clause ("funds" out of "stocks, funds, bonds")
        # would match every text that uses the word, whatever it is about.
        self.parts = [(i, text) for i, (_, definition, examples) in enumerate(topics)
                      for text in (definition, *(c for c in clauses(definition) if len(c.split()) >= MIN_CLAUSE_WORDS),
                                   *examples)]
        self._ready = False
        self._lock = threading.Lock()
        self._engine: Any = None
        self._refs: Any = None
        self._owner: Any = None
        self.cutoffs: list[float] = []

    def setup(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            import numpy as np

            engine = embed.engine("static")
            refs = engine.embed([text for _, text in self.parts])
            owner = np.array([topic for topic, _ in self.parts])
            bg = background()
            half = len(bg) // 2
            self._neighbours = bg[:half]
            raw_bg = self._raw(bg[half:], refs, owner)
            self.cutoffs = [max(FLOOR, float(np.quantile(raw_bg[:, k], QUANTILE))) for k in range(len(self.names))]
            self._engine, self._refs, self._owner = engine, refs, owner
            self._ready = True

    def _raw(self, vectors: Any, refs: Any, owner: Any) -> Any:
        """Nearest-example cosine per topic, less the discounted similarity to everyday prompts."""
        import numpy as np

        sims = vectors @ refs.T
        out = np.full((sims.shape[0], len(self.names)), -1.0, dtype=np.float32)
        for k in range(len(self.names)):
            cols = owner == k
            if cols.any():
                out[:, k] = sims[:, cols].max(axis=1)
        near = vectors @ self._neighbours.T
        k = min(NEIGHBOURS, near.shape[1])
        common = np.partition(near, near.shape[1] - k, axis=1)[:, -k:].mean(axis=1) if k else 0.0
        return out - DISCOUNT * np.asarray(common, dtype=np.float32)[:, None]

    def calibrated(self, raw: Any) -> Any:
        import numpy as np

        cut = np.array(self.cutoffs, dtype=np.float32)[None, :]
        raw = np.clip(raw, 0.0, 1.0)  # the discount can take a raw score below 0
        low = 0.5 * raw / cut
        high = 0.5 + 0.5 * (raw - cut) / np.maximum(1.0 - cut, 1e-6)
        return np.where(raw < cut, low, high)

    def score(self, segments: Sequence[str]) -> list[list[float]]:
        self.setup()
        vectors = self._engine.embed(list(segments))
        scores = self.calibrated(self._raw(vectors, self._refs, self._owner))
        return [[float(v) for v in row] for row in scores]
