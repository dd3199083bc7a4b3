"""The ``semantic`` engine (the default): sentence embeddings, nearest example, calibrated cut-offs.

Texts and topics are embedded by all-MiniLM-L6-v2 running on numpy (``railguard.text.encoder``,
the core install: no torch). Each topic is embedded as its definition, each clause of its
definition of three words or more, and each example. A text's raw score for a topic is its best
cosine similarity with any of them (nearest example, not a centroid: one example that matches
well is enough), less ``DISCOUNT`` times its mean similarity to its ``NEIGHBOURS`` nearest everyday
prompts: a text that is close to a topic only because it is close to everything people ask loses
that part.

Raw cosines mean different things for different topics (a topic written in common words sits
closer to everything), so every topic is calibrated when the spec is compiled, against a
background of about 5,800 everyday prompts shipped with railguard (``railguard/text/data/
background.npz``, embeddings only; ``scripts/build_background.py``; its first half serves as the
neighbours above, its second half for calibration). A text is read as the validator's
``segments`` (the whole text and its sentences; its best segment counts), and so is every
calibration prompt. The topic's cut-off is the raw score that only ``1 - QUANTILE`` of one-segment
everyday prompts reach, and ``1 - QUANTILE_MULTI`` of several-segment ones (the best of several
reaches higher by chance); a text of more segments than such prompts usually have is held to a
cut-off that rises with its length (``cut_for``). Everyday traffic may itself be on the topic (a
denied "travel" topic meets travel questions in any assistant's traffic), and those prompts must
not set the bar: short background prompts that are as close to the topic as its own examples are
to each other (``ON_TOPIC`` times the median leave-one-out similarity of the examples) are left out
of the calibration. The cut-off is never below ``FLOOR``.

A segment whose best cosine with one of a topic's counter-examples is higher than with any part of
the topic is not on it: its raw score for that topic is at most 0. The background is scored the same
way, so a topic's cut-off is set on everyday prompts as the topic, with its counter-examples, reads them.

The score reported is the raw score mapped so that the cut-off is 0.5 (0 below stays 0, 1 stays
1); the default ``threshold`` is 0.5, and a spec's ``threshold`` moves it in that calibrated scale.
The constants were chosen on the tuning half of ``benchmarks/data/advice_prompts.jsonl`` and
held-out everyday prompts (``benchmarks/eval_topics.py`` reports the other half).
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

from railguard.text import embed

from .embedding import clauses

NAME = "semantic"
DEFAULT_THRESHOLD = 0.5
QUANTILE = 0.997   # a topic's cut-off for one-segment texts: the score only 0.3% of everyday prompts reach
QUANTILE_MULTI = 0.998  # and for texts read as several segments (the best of many has more chances)
# A text of more segments than the background's several-segment prompts have on average gets a cut-off
# that rises with its length: the best of n segments is held to the segment-level quantile that n
# independent everyday sentences pass as rarely as a typical prompt passes QUANTILE_MULTI.
FLOOR = 0.05       # and never a cut-off below this raw score
NEIGHBOURS = 20    # nearest everyday prompts whose mean similarity is discounted
DISCOUNT = 0.8
ON_TOPIC = 1.1     # background prompts this close to a topic (x median leave-one-out) are on it
MIN_CALIBRATION = 500  # fewer off-topic background prompts than this: calibrate on all of them
MIN_CLAUSE_WORDS = 3
ENCODER = "minilm"
BACKGROUND = embed.DATA.parent / "background.npz"

_background: Any = None
_background_lock = threading.Lock()


class _Background:
    """The shipped everyday-prompt embeddings: the neighbours (whole prompts), and the calibration prompts
    read as the validator reads a text (the whole prompt and its sentences: ``segments``), each segment
    with its neighbour similarity."""

    def __init__(self) -> None:
        import numpy as np

        data = np.load(BACKGROUND)
        self.neighbours = unit_rows(data["q"])
        self.segments = unit_rows(data["seg_q"])
        owner = data["seg_owner"].astype(np.int64)
        # Segments are stored prompt by prompt: where each prompt's segments start.
        self.starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        # Shipped precomputed (scripts/build_background.py) for a fast start; recomputed if NEIGHBOURS differs.
        if int(data["neighbours"]) == NEIGHBOURS and len(data["seg_common"]) == len(owner):
            self.segment_common = data["seg_common"].astype(np.float32)
        else:
            self.segment_common = common(self.segments, self.neighbours)


def background() -> _Background:
    global _background
    if _background is None:
        with _background_lock:
            if _background is None:
                _background = _Background()
    return _background


def unit_rows(q: Any) -> Any:
    """Stored int8 rows as float32 unit vectors."""
    import numpy as np

    v = q.astype(np.float32)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return v


def common(vectors: Any, neighbours: Any) -> Any:
    """Each vector's mean cosine with its NEIGHBOURS nearest everyday prompts."""
    import numpy as np

    if len(vectors) == 0:
        return np.zeros(0, dtype=np.float32)
    near = vectors @ neighbours.T
    k = min(NEIGHBOURS, near.shape[1])
    return np.partition(near, near.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


class SemanticEngine:
    name = NAME
    default_threshold = DEFAULT_THRESHOLD

    def __init__(self, topics: Sequence[tuple[str, str, Sequence[str]]],
                 counter_examples: Sequence[Sequence[str]] = ()):
        self.names = [name for name, _, _ in topics]
        # Clauses of three words or more only: a one-word clause ("funds" out of "stocks, funds, bonds")
        # would match every text that uses the word, whatever it is about.
        self.parts: list[tuple[int, str, bool]] = [
            (i, text, is_example) for i, (_, definition, examples) in enumerate(topics)
            for text, is_example in ((definition, False),
                                     *((c, False) for c in clauses(definition) if len(c.split()) >= MIN_CLAUSE_WORDS),
                                     *((e, True) for e in examples))]
        self.counter: list[tuple[int, str]] = [(i, text) for i, texts in enumerate(counter_examples) for text in texts]
        self._ready = False
        self._lock = threading.Lock()
        self._score_lock = threading.Lock()
        self._engine: Any = None
        self._refs: Any = None
        self._owner: Any = None
        self._counter_refs: Any = None
        self._counter_owner: Any = None
        self._bg: Any = None
        self._batch: dict[str, Any] = {}
        self.cutoffs: list[float] = []
        self.cutoffs_multi: list[float] = []
        self._segment_scores: Any = None  # (background segments, topics), sorted per topic
        self._typical_segments = 1.0

    def setup(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            import numpy as np

            engine = embed.engine(ENCODER)
            vectors = engine.embed([text for _, text, _ in self.parts] + [text for _, text in self.counter])
            refs, self._counter_refs = vectors[:len(self.parts)], vectors[len(self.parts):]
            owner = np.array([topic for topic, _, _ in self.parts])
            self._counter_owner = np.array([topic for topic, _ in self.counter], dtype=np.int64)
            examples = np.array([is_example for _, _, is_example in self.parts], dtype=bool)
            bg = background()
            seg_nearest = self._nearest(bg.segments, refs, owner)
            # Per calibration prompt: its best segment, as a text is scored.
            nearest = np.maximum.reduceat(seg_nearest, bg.starts, axis=0)
            multi = np.diff(np.r_[bg.starts, len(bg.segments)]) > 1
            seg_raw = self._vetoed(bg.segments, seg_nearest, seg_nearest - DISCOUNT * bg.segment_common[:, None])
            raw_bg = np.maximum.reduceat(seg_raw, bg.starts, axis=0)
            cutoffs, cutoffs_multi = [], []
            for k in range(len(self.names)):
                keep = np.ones(len(raw_bg), dtype=bool)
                mine = np.flatnonzero(owner == k)
                ex = mine[examples[mine]]
                if len(ex) >= 2:
                    # How close the topic's own examples are to the rest of it: background prompts as close
                    # as that are on the topic and do not count as everyday traffic for its cut-off.
                    sims = refs[ex] @ refs[mine].T
                    sims[np.arange(len(ex)), np.searchsorted(mine, ex)] = -1.0
                    # Only short prompts (one segment) are judged so: a long prompt's best sentence is close to
                    # some topic by chance, and a long prompt stays in the calibration of the long.
                    on_topic = (nearest[:, k] >= ON_TOPIC * float(np.median(sims.max(axis=1)))) & ~multi
                    if (~on_topic).sum() >= MIN_CALIBRATION:
                        keep = ~on_topic
                # A one-sentence text and a text read sentence by sentence (its best segment counts) are
                # calibrated apart: the best of many segments reaches higher by chance alone.
                single = raw_bg[keep & ~multi, k]
                several = raw_bg[keep & multi, k]
                cutoffs.append(max(FLOOR, float(np.quantile(single, QUANTILE))))
                cutoffs_multi.append(max(FLOOR, float(np.quantile(several, QUANTILE_MULTI))) if len(several)
                                     else cutoffs[-1])
            self.cutoffs_multi = cutoffs_multi
            self.cutoffs = cutoffs
            counts = np.diff(np.r_[bg.starts, len(bg.segments)])
            self._typical_segments = float(counts[counts > 1].mean()) if (counts > 1).any() else 1.0
            self._segment_scores = np.sort(seg_raw, axis=0)
            self._engine, self._refs, self._owner, self._bg = engine, refs, owner, bg
            self._ready = True

    def _nearest(self, vectors: Any, refs: Any, owner: Any) -> Any:
        """Each vector's best cosine with any part of each topic: (vectors, topics)."""
        import numpy as np

        sims = vectors @ refs.T
        out = np.full((sims.shape[0], len(self.names)), -1.0, dtype=np.float32)
        for k in range(len(self.names)):
            cols = owner == k
            if cols.any():
                out[:, k] = sims[:, cols].max(axis=1)
        return out

    def _vetoed(self, vectors: Any, near: Any, raw: Any) -> Any:
        """``raw``, at most 0 for a topic where the vector is nearer to one of its counter-examples than to
        ``near`` (its best cosine with any part of the topic)."""
        import numpy as np

        if not self.counter:
            return raw
        against = self._nearest(vectors, self._counter_refs, self._counter_owner)
        return np.where(against > near, np.minimum(raw, 0.0), raw)

    def _raw(self, vectors: Any) -> Any:
        import numpy as np

        near = self._nearest(vectors, self._refs, self._owner)
        raw = near - DISCOUNT * np.asarray(common(vectors, self._bg.neighbours), dtype=np.float32)[:, None]
        return self._vetoed(vectors, near, raw)

    def cut_for(self, segments: int) -> Any:
        """Each topic's cut-off for a text read as ``segments`` segments."""
        import numpy as np

        if segments <= 1:
            return np.array(self.cutoffs, dtype=np.float32)
        cut = np.array(self.cutoffs_multi, dtype=np.float32)
        if segments > self._typical_segments:
            share = (1.0 - QUANTILE_MULTI) * self._typical_segments / segments
            scores = self._segment_scores
            index = min(len(scores) - 1, int(np.ceil((1.0 - share) * (len(scores) - 1))))
            cut = np.maximum(cut, scores[index])
        return cut

    def calibrated(self, raw: Any, cut: Any = None) -> Any:
        """Raw scores mapped so that each topic's cut-off (``cut``, by default the one for one-segment
        texts) is 0.5."""
        import numpy as np

        cut = np.asarray(self.cutoffs if cut is None else cut, dtype=np.float32)[None, :]
        raw = np.clip(raw, 0.0, 1.0)  # the discount can take a raw score below 0
        low = 0.5 * raw / cut
        high = 0.5 + 0.5 * (raw - cut) / np.maximum(1.0 - cut, 1e-6)
        return np.where(raw < cut, low, high)

    def prepare(self, segments: Sequence[str]) -> None:
        """Score a whole batch's segments in one pass (``guard.validate_batch``): one encoder run and one
        matrix product for the batch; ``score_texts`` then only looks its rows up."""
        self.setup()
        self._batch = self._raw_rows(list(dict.fromkeys(segments)))

    def _raw_rows(self, segments: list[str]) -> dict[str, Any]:
        """Each (distinct) segment's raw scores per topic."""
        if not segments:
            return {}
        vectors = self._engine.embed(segments)
        with self._score_lock:  # small BLAS products from many threads at once only fight over the cores
            return dict(zip(segments, self._raw(vectors)))

    def score_texts(self, texts: Sequence[Sequence[str]]) -> list[list[float]]:
        """Each text's calibrated score per topic, from its segments (``text.segments``): its best
        segment, against the cut-offs for texts of one segment or of several."""
        import numpy as np

        self.setup()
        flat = [seg for segs in texts for seg in segs]
        if not flat:
            return [[0.0] * len(self.names) for _ in texts]
        batch = self._batch
        fresh = self._raw_rows(list(dict.fromkeys(s for s in flat if s not in batch)))
        raw = np.stack([batch[s] if s in batch else fresh[s] for s in flat])
        out, start = [], 0
        for segs in texts:
            if not segs:
                out.append([0.0] * len(self.names))
                continue
            best = raw[start:start + len(segs)].max(axis=0, keepdims=True)
            start += len(segs)
            out.append([float(v) for v in self.calibrated(best, cut=self.cut_for(len(segs)))[0]])
        return out
