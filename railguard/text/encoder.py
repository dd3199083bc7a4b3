"""A BERT sentence encoder on numpy alone: all-MiniLM-L6-v2 in the core install, no torch.

The static engine (``railguard.text.embed``) reads a sentence as a bag of tokens: fast, but
"What dose of amoxicillin should my toddler get?" and "Can I order a repeat prescription
online?" look alike to it. This module runs the real transformer: the six layers of
all-MiniLM-L6-v2 (Apache-2.0), weights exported by ``scripts/export_minilm.py`` as int8 with a
float scale per output channel (``railguard/text/data/minilm-l6/``), mean pooling and L2
normalisation as sentence-transformers does. On 600 public sentences its vectors agree with the
float32 PyTorch model to a cosine of 0.9989 or better (``tests/text/test_text_encoder.py`` checks
the arithmetic against a tiny BERT built in the test; ``scripts/export_minilm.py --check``
compares the shipped weights with the real model).

It costs milliseconds per short text rather than microseconds (about 6 ms for one, 530 a second
in batches on two cores), so callers that have many texts give them at once: the ``semantic``
topic engine encodes a whole ``validate_batch`` in one call, and concurrent callers share passes.

    from railguard.text import encoder
    vectors = encoder.load().embed(["How many mg of ibuprofen can I take?"])   # (1, 384) float32
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any, Sequence

__all__ = ["load", "Encoder", "DATA", "MAX_TOKENS"]

DATA = Path(__file__).resolve().parent / "data" / "minilm-l6"
MAX_TOKENS = 256   # all-MiniLM-L6-v2's max_seq_length: longer texts are read up to there
BATCH_TOKENS = 1024  # texts are run in batches of about this many (padded) tokens: bounded memory
LN_EPS = 1e-12

def _gelu(x: Any) -> Any:
    """GELU in its tanh form, in place: within 3e-4 of the erf form the model was trained with (the
    sentence vectors stay within a cosine of 0.998 of the model's), and about a hundred times faster
    in numpy, which has no vectorised erf."""
    import numpy as np

    inner = x * x
    inner *= np.float32(0.044715)
    inner += np.float32(1.0)
    inner *= x
    inner *= np.float32(math.sqrt(2.0 / math.pi))
    np.tanh(inner, out=inner)
    inner += np.float32(1.0)
    inner *= np.float32(0.5)
    x *= inner
    return x


def _layer_norm_(x: Any, weight: Any, bias: Any) -> Any:
    """LayerNorm over the last axis, in place."""
    import numpy as np

    x -= x.mean(axis=-1, keepdims=True)
    var = np.mean(np.square(x), axis=-1, keepdims=True)
    var += np.float32(LN_EPS)
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias
    return x


class _Request:
    """Texts one caller asked for, and what came of them."""

    __slots__ = ("texts", "result", "error", "done")

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


class Encoder:
    """A BERT encoder with mean pooling, from a folder holding ``weights.npz``, ``config.json`` and
    ``tokenizer.json``. ``embed`` is thread-safe; the arrays are read-only once loaded."""

    name = "minilm"

    def __init__(self, folder: Path = DATA):
        import json

        import numpy as np
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.dim = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.max_tokens = min(MAX_TOKENS, int(config.get("max_seq_length", MAX_TOKENS)))
        data = np.load(folder / "weights.npz")

        def dense(name: str) -> Any:
            # int8 rows (one per output unit) times their scale, stored transposed for x @ W.
            return (data[name + ".q"].astype(np.float32) * data[name + ".scale"].astype(np.float32)[:, None]).T.copy()

        def vec(name: str) -> Any:
            return data[name].astype(np.float32)

        # Word vectors stay int8 (11 MB instead of 47 MB): only the rows a batch uses are widened.
        self._word_q = data["word.q"]
        self._word_scale = data["word.scale"].astype(np.float32)
        self._position = vec("position")
        self._token_type = vec("token_type")
        self._ln0 = (vec("ln0.weight"), vec("ln0.bias"))
        self._blocks = []
        for i in range(self.layers):
            p = f"layer{i}."
            qkv_w = np.concatenate([dense(p + "query"), dense(p + "key"), dense(p + "value")], axis=1)
            qkv_b = np.concatenate([vec(p + "query.bias"), vec(p + "key.bias"), vec(p + "value.bias")])
            self._blocks.append({
                "qkv": (qkv_w, qkv_b), "out": (dense(p + "attn_out"), vec(p + "attn_out.bias")),
                "ln1": (vec(p + "ln1.weight"), vec(p + "ln1.bias")),
                "up": (dense(p + "up"), vec(p + "up.bias")), "down": (dense(p + "down"), vec(p + "down.bias")),
                "ln2": (vec(p + "ln2.weight"), vec(p + "ln2.bias")),
            })
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.enable_truncation(self.max_tokens)
        tok.no_padding()
        self._tokenizer = tok
        self._tok_lock = threading.Lock()
        # One forward pass at a time per process (numpy's BLAS already uses every core: two passes at once
        # only fight over them), and the texts of threads that wait meanwhile go through together in the
        # next pass: under concurrent calls the encoder batches by itself.
        self._run_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Request] = []

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        with self._tok_lock:
            return [enc.ids for enc in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str]) -> Any:
        """L2-normalised mean-pooled sentence vectors, float32 ``(len(texts), dim)``. Thread-safe: calls
        that arrive while a pass runs are embedded together in the next one."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        request = _Request(list(texts))
        with self._queue_lock:
            self._queue.append(request)
        with self._run_lock:
            if not request.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    vectors = self._embed_now([t for r in batch for t in r.texts])
                except BaseException as exc:  # every waiting caller gets the failure, none hangs
                    for r in batch:
                        r.error, r.done = exc, True
                    raise
                start = 0
                for r in batch:
                    r.result, r.done = vectors[start:start + len(r.texts)], True
                    start += len(r.texts)
        if request.error is not None:
            raise request.error
        return request.result

    def _embed_now(self, texts: list[str]) -> Any:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        ids = self.token_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # like lengths together: little padding
        start = 0
        while start < len(order):
            longest = len(ids[order[start]])
            end = start
            while end < len(order):
                longest = max(longest, len(ids[order[end]]))
                if (end - start + 1) * longest > BATCH_TOKENS and end > start:
                    break
                end += 1
            batch = order[start:end]
            out[batch] = self._forward([ids[i] for i in batch])
            start = end
        return out

    def _forward(self, batch: list[list[int]]) -> Any:
        import numpy as np

        n = len(batch)
        length = max(1, max(len(row) for row in batch))
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, row in enumerate(batch):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = 1.0
        flat = ids.reshape(-1)
        # Token rows are kept two-dimensional (n * length, dim), so every dense layer is one matrix
        # product into a buffer reused by all six layers: no fresh 10 MB temporaries per layer.
        x = self._word_q[flat].astype(np.float32)
        x *= self._word_scale[flat][:, None]
        x.reshape(n, length, self.dim)[:] += self._position[:length][None, :, :] + self._token_type[0]
        _layer_norm_(x, *self._ln0)
        heads, size, dim = self.heads, self.dim // self.heads, self.dim
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(size))
        rows = n * length
        qkv = np.empty((rows, 3 * dim), dtype=np.float32)
        up = np.empty((rows, self._blocks[0]["up"][0].shape[1]), dtype=np.float32)
        tmp = np.empty((rows, dim), dtype=np.float32)
        for block in self._blocks:
            w, b = block["qkv"]
            np.matmul(x, w, out=qkv)
            qkv += b
            view = qkv.reshape(n, length, 3, heads, size)
            q = view[:, :, 0].transpose(0, 2, 1, 3)
            k = view[:, :, 1].transpose(0, 2, 3, 1)
            v = view[:, :, 2].transpose(0, 2, 1, 3)
            att = q @ k
            att *= scale
            att += bias
            att -= att.max(axis=-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(axis=-1, keepdims=True)
            ctx = np.ascontiguousarray((att @ v).transpose(0, 2, 1, 3)).reshape(rows, dim)
            w, b = block["out"]
            np.matmul(ctx, w, out=tmp)
            tmp += b
            x += tmp
            _layer_norm_(x, *block["ln1"])
            w, b = block["up"]
            np.matmul(x, w, out=up)
            up += b
            _gelu(up)
            w, b = block["down"]
            np.matmul(up, w, out=tmp)
            tmp += b
            x += tmp
            _layer_norm_(x, *block["ln2"])
        x3 = x.reshape(n, length, dim)
        pooled = (x3 * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)


def load() -> Encoder:
    """The process's shared encoder (the shipped all-MiniLM-L6-v2): ``embed.engine("minilm")``, whose cache
    is the one place it is built."""
    from .embed import engine

    return engine("minilm")
