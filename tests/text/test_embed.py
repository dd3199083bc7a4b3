"""The core install's semantic engine: static sentence embeddings shared by every validator of a process."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from railguard.text import embed


def test_one_shared_engine_with_unit_rows():
    eng = embed.engine()
    assert eng is embed.engine("static") and eng.name == "static"
    vectors = eng.embed(["How many mg of ibuprofen can I take?", "What are your opening hours?", "", "!!!"])
    assert vectors.shape == (4, eng.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any()  # no token: a zero row, so every cosine with it is 0
    assert eng.embed([]).shape == (0, eng.dim)


def test_meaning_not_words():
    eng = embed.engine()
    a, b, c = eng.embed(["What is the maximum daily dose of paracetamol?",
                         "How many ibuprofen tablets can I safely take in a day?",
                         "What time does the pharmacy open on Sundays?"])
    assert float(a @ b) > float(a @ c)  # two dosage questions sharing no content word are closer


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match="not one of"):
        embed.engine("word2vec")
    with pytest.raises(ValueError, match="model=<a local model directory>"):
        embed.engine("sentence-transformers")


@pytest.mark.parametrize("name, threads, count, atol", [
    ("static", 8, 200, 0.0),   # a per-row mean: bit-equal however the rows are grouped
    ("minilm", 4, 64, 1e-5),   # concurrent callers share passes, so batch composition (and rounding) varies
])
def test_threads_share_the_engine_and_agree(name: str, threads: int, count: int, atol: float):
    eng = embed.engine(name)
    texts = [f"question number {i} about my savings account" for i in range(count)]
    expected = eng.embed(texts)
    barrier = threading.Barrier(threads)

    def work(k: int) -> np.ndarray:
        barrier.wait()
        return eng.embed(texts[k::threads])

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(work, range(threads)))
    for k, part in enumerate(parts):
        assert np.allclose(part, expected[k::threads], rtol=0.0, atol=atol)


def test_provenance_is_recorded_next_to_the_data():
    meta = json.loads((embed.DATA / "meta.json").read_text())
    assert "all-MiniLM-L6-v2" in meta["source_model"] and meta["dims"] == embed.engine().dim
    import hashlib

    assert hashlib.sha256((embed.DATA / "embeddings.npz").read_bytes()).hexdigest() == meta["embeddings_sha256"]
    sources = (embed.DATA.parent / "SOURCES.md").read_text()
    assert "Apache-2.0" in sources and "scripts/distill_embeddings.py" in sources


def test_importing_railguard_does_not_load_numpy_or_the_tables():
    import subprocess
    import sys

    code = ("import sys, railguard; railguard.Guard; "
            "print(any(m in sys.modules for m in ('numpy', 'tokenizers', 'railguard.text.embed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
