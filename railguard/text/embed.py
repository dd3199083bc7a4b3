"""Sentence embeddings for the semantic validators: one engine per process, loaded lazily, thread-safe.

    from railguard.text import embed
    vectors = embed.engine().embed(["How many mg of ibuprofen can I take?"])   # (1, 256) float32

``engine("static")`` (the default) is the core install's engine: static token vectors distilled
from all-MiniLM-L6-v2 (``scripts/distill_embeddings.py``; data and provenance in
``railguard/text/data/minilm-static/``). A sentence is the weighted mean of its WordPiece
tokens' vectors, so it needs only numpy and the ``tokenizers`` library, loads in tens of
milliseconds and embeds tens of thousands of short texts a second on one core.
``engine("minilm")`` runs the whole all-MiniLM-L6-v2 transformer on numpy, also in the core install
(``railguard.text.encoder``: about 7 ms for one short text, 500 a second in a batch on two
cores; reads a sentence, not a bag of tokens). ``engine("sentence-transformers", model=DIR)``
runs a local sentence-transformers model through torch (``pip install 'railguard[embeddings]'``),
with the same API.

Every engine's ``embed(texts)`` returns a float32 array of shape ``(len(texts), engine.dim)``
with L2-normalised rows (a text with no known token gives a zero row), so a dot product is a
cosine similarity. Engines are shared: every validator in a process that asks for the same
engine gets the same object, and ``embed`` may be called from several threads at once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Sequence

__all__ = ["engine", "StaticEngine", "SentenceTransformerEngine", "ENGINES", "DATA"]

DATA = Path(__file__).resolve().parent / "data" / "minilm-static"
ENGINES = ("static", "minilm", "sentence-transformers")
MAX_TOKENS = 512  # a static mean needs no window, but a bound keeps one huge text from costing much

_lock = threading.Lock()
_engines: dict[tuple[str, str], Any] = {}


class StaticEngine:
    """Weighted mean of static token vectors (see the module docstring)."""

    name = "static"

    def __init__(self, folder: Path = DATA):
        import numpy as np
        from tokenizers import Tokenizer

        data = np.load(folder / "embeddings.npz")
        # Rows are int8 unit vectors times a per-row scale that also carries the token's weight. They stay
        # int8 in memory (8 MB, not 31 MB as float32) and only the rows a batch uses are widened.
        self._q = data["q"]
        self._scale = data["scale"].astype(np.float32)
        self.dim = int(self._q.shape[1])
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        self._tokenizer = tok
        self._np = np

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [enc.ids[:MAX_TOKENS] for enc in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def embed(self, texts: Sequence[str]) -> Any:
        np = self._np
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        ids = self.token_ids(texts)
        lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=n)
        if lengths.sum() == 0:
            return out
        flat = np.fromiter((t for row in ids for t in row), dtype=np.int64, count=int(lengths.sum()))
        rows = self._q[flat].astype(np.float32)
        rows *= self._scale[flat][:, None]
        nonempty = lengths > 0
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
        out[nonempty] = np.add.reduceat(rows, starts, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


class SentenceTransformerEngine:
    """all-MiniLM-L6-v2 (or another local sentence-transformers model) through sentence-transformers."""

    name = "sentence-transformers"

    def __init__(self, model_dir: str):
        from sentence_transformers import SentenceTransformer

        # A local directory only (the denied_topics validator resolves installed model packages):
        # nothing is ever fetched from a hub.
        self._model = SentenceTransformer(model_dir, local_files_only=True)
        self._model_lock = threading.Lock()
        self.dim = int(self._model.get_sentence_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._model_lock:  # a fast tokenizer must not be used by two threads at once
            out = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False, batch_size=64)
        return out.astype(np.float32, copy=False)


def engine(name: str = "static", model: str | None = None) -> Any:
    """The process's shared engine ``name`` (see ENGINES), built on first use. ``model`` is the local
    model directory of the sentence-transformers engine."""
    if name not in ENGINES:
        raise ValueError(f"embedding engine {name!r} is not one of {list(ENGINES)}")
    if name == "sentence-transformers" and not model:
        raise ValueError("the sentence-transformers engine needs model=<a local model directory>")
    key = (name, model or "")
    found = _engines.get(key)
    if found is not None:
        return found
    with _lock:
        found = _engines.get(key)
        if found is None:
            if name == "static":
                found = StaticEngine()
            elif name == "minilm":
                from .encoder import Encoder

                found = Encoder()
            else:
                found = SentenceTransformerEngine(str(model))
            _engines[key] = found
    return found
