"""The ``lexical`` engine: TF-IDF cosine between a text and each topic's vocabulary.

Each topic's profile is the terms (stop words out, lightly stemmed) of its name,
definition and examples, a term counted once per part it appears in. Weights are
``(1 + log tf) * idf``, where idf is taken over the configured topics, so a word that
several topics share says less than a word only one topic uses; a text term that no
topic uses weighs as much as a word of one topic only (it is evidence of something
else). The score is the cosine of the text's vector and the profile's: 0 (no shared
term) to 1. A text whose cosine with a topic's counter-examples (one profile, built the same way)
is higher than with the topic scores 0 for it.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

from .text import terms

NAME = "lexical"
DEFAULT_THRESHOLD = 0.09  # calibrated on CLINC150 (benchmarks/quality_topics.py --calibrate)


class LexicalEngine:
    name = NAME
    default_threshold = DEFAULT_THRESHOLD

    def __init__(self, topics: Sequence[tuple[str, str, Sequence[str]]],
                 counter_examples: Sequence[Sequence[str]] = ()):
        """``topics``: (name, definition, examples) per topic; ``counter_examples``: per topic, texts that are
        not on it (a text nearer to their vocabulary than to the topic's scores 0 for the topic)."""
        self.names = [name for name, _, _ in topics]
        counts: list[Counter[str]] = []
        for name, definition, examples in topics:
            profile: Counter[str] = Counter()
            for part in (name.replace("-", " ").replace("_", " "), definition, *examples):
                profile.update(set(terms(part)))
            counts.append(profile)
        n = len(topics)
        df: Counter[str] = Counter(t for profile in counts for t in profile)
        self.idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
        # A term no topic uses counts as much as a term only one topic uses: then the weights, and
        # so the scores, keep their scale whether one topic is configured or thirty.
        self.unseen_idf = math.log((n + 1) / 1.5)
        self.profiles: list[dict[str, float]] = []
        self.norms: list[float] = []
        for profile in counts:
            vec = {t: (1 + math.log(c)) * self.idf[t] for t, c in profile.items()}
            self.profiles.append(vec)
            self.norms.append(math.sqrt(sum(v * v for v in vec.values())))
        # Counter-examples are weighed with the topics' idf (their own words do not change what a topic's
        # words are worth), as one profile per topic, like the topic's.
        self.counter: list[tuple[dict[str, float], float] | None] = []
        for k in range(n):
            texts = counter_examples[k] if k < len(counter_examples) else ()
            bag: Counter[str] = Counter()
            for text in texts:
                bag.update(set(terms(text)))
            vec, norm = self._weigh(bag)
            self.counter.append((vec, norm) if norm else None)

    def _weigh(self, counts: Counter[str]) -> tuple[dict[str, float], float]:
        """A text's (or counter-examples') term weights against the topics' idf, and their norm."""
        vec = {t: (1 + math.log(c)) * self.idf.get(t, self.unseen_idf) for t, c in counts.items()}
        return vec, math.sqrt(sum(v * v for v in vec.values()))

    def setup(self) -> None:
        """Nothing to load."""

    def score(self, segments: Sequence[str]) -> list[list[float]]:
        """Per segment, the score of each topic (in the order of ``names``)."""
        return [self._one(segment) for segment in segments]

    def _one(self, text: str) -> list[float]:
        tf = Counter(terms(text))
        if not tf:
            return [0.0] * len(self.names)
        vec, norm = self._weigh(tf)
        out = []
        for profile, pnorm, counter in zip(self.profiles, self.norms, self.counter):
            dot = sum(w * profile[t] for t, w in vec.items() if t in profile)
            score = dot / (norm * pnorm) if dot and pnorm else 0.0
            if score and counter is not None:
                cvec, cnorm = counter
                if sum(w * cvec[t] for t, w in vec.items() if t in cvec) / (norm * cnorm) > score:
                    score = 0.0
            out.append(score)
        return out
