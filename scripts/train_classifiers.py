"""Train the local classifiers of ``prompt_attack`` and ``content_filter`` and write their weights.

    python scripts/train_classifiers.py [--data ../shared/data] [--out validators/railguard_validators]
                                        [--only prompt_attack|content_filter] [--check]

Reads only training data (see scripts/README.md for sources and licences):
``train/prompt_attack.jsonl``, ``train/content.jsonl``, ``train/benign_prompts.jsonl``, samples of
``topics/clinc150_train.jsonl`` and ``topics/banking77_train.jsonl``, the even-indexed half of
``unsafe/openai_moderation_dev.jsonl`` (content only; the odd half is kept for the benchmark) and
the synthetic prompts of ``scripts/synthetic_prompts.py`` (train split). Never the held-out
sources named in the project's rules, never ``prompt_attack/cyberseceval_prompt_injection.jsonl``,
``giskard_prompt_injections.jsonl`` or ``benign_security_requests_dev.jsonl`` (benchmarks only).

Every row goes to one of three parts by a stable hash of its group (PurpleLlama rows group by
prompt id, so translations of one prompt stay together; other rows by text): ``fit`` (70%),
``calib`` (10%: chooses the LOW/MEDIUM/HIGH confidence thresholds) and ``holdout`` (20%: never
used here; the benchmarks report on it). Deterministic: same data, same weights
(``--check`` retrains and compares with the shipped files).

Needs scikit-learn and scipy at training time only (``pip install scikit-learn``); inference is numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators"), str(ROOT / "scripts")]

from railguard.text.classify import WINDOW, featurize  # noqa: E402

import synthetic_prompts as synth  # noqa: E402

BITS = 18
# Sentence embeddings as extra features (--embedding static): off for the shipped weights. Measured
# once: recall up (content 0.78 -> 0.86 at MEDIUM on the holdout), but 1,250 texts/s per CPU second on
# 1 KB texts instead of 2,400-3,600 (under the 2,000 target) and more false positives on benign
# security requests (content 3% -> 20%).
EMBEDDING: str | None = None
PARTS = (("fit", 0.7), ("calib", 0.8), ("holdout", 1.0))  # cumulative shares
# False-positive rates on calibration negatives that set each confidence threshold, per task.
# Content calibration negatives are mostly hard ones (tweets and moderation texts labelled safe).
CONFIDENCE_FPR = {"prompt_attack": {"LOW": 0.06, "MEDIUM": 0.02, "HIGH": 0.005},
                  "content_filter": {"LOW": 0.08, "MEDIUM": 0.04, "HIGH": 0.01}}

# prompt_attack families from the training data's technique categories.
FAMILY_OF_TECHNIQUE = {
    "jailbreak": "jailbreak", "persuasion": "jailbreak", "virtualization": "jailbreak",
    "hypothetical_scenario": "jailbreak", "system_mode": "jailbreak", "many_shot_attack": "jailbreak",
    "few_shot_attack": "jailbreak",
    "ignore_previous_instructions": "instruction_override", "goal_hijacking": "instruction_override",
    "mixed_techniques": "instruction_override", "output_formatting_manipulation": "instruction_override",
    "indirect_reference": "instruction_override", "overload_with_information": "instruction_override",
    "different_user_input_language": "instruction_override", "repeated_token_attack": "instruction_override",
    "code_injection": "instruction_override", "data_exfiltration": "indirect_injection",
    "prompt_extraction": "prompt_extraction",
    "encoding": "obfuscation", "token_smuggling": "obfuscation", "payload_splitting": "obfuscation",
    "latent_injection": "indirect_injection",
}
_OBFUSCATION_PROBES = ("smuggling.", "doctor.BypassLeet", "dra.")
OPENAI_TO_BEDROCK = {"S": "SEXUAL", "S3": "SEXUAL", "H": "HATE", "H2": "HATE", "HR": "INSULTS", "V": "VIOLENCE",
                     "V2": "VIOLENCE", "SH": "VIOLENCE"}
# Negatives the validator does not judge by default (prompt_attack never reads the system prompt):
# trained on, but not used to set the confidence thresholds.
NOT_JUDGED = ("system_prompt",)
CATEGORIES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")


@dataclass
class Row:
    text: str
    positive: bool
    labels: set[str]            # family or categories; empty for negatives
    group: str                  # what the row counts as in reports (source family or negative kind)
    part: str
    known: bool = True          # False: positive whose categories are unknown (binary head only)


@dataclass
class Task:
    name: str
    heads: tuple[str, ...]
    dense: Callable
    rows: list[Row] = field(default_factory=list)
    dense_names: tuple[str, ...] = ()
    embedding: str | None = EMBEDDING  # sentence embeddings from railguard.text.embed as extra features


def part_of(key: str) -> str:
    h = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return next(name for name, upto in PARTS if h <= upto)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def group_key(row: dict) -> str:
    meta = row.get("meta") or {}
    if row["source"].startswith("meta-llama/PurpleLlama") and "prompt_id" in meta:
        return f"purplellama-{meta['prompt_id']}-{row['label']}"
    return row["text"]


def attack_family(row: dict) -> str:
    cats = row.get("categories") or []
    probe = (row.get("meta") or {}).get("probe", "")
    if probe.startswith("sysprompt") or "steal_system" in row["source"] or "sysprompt_extraction" in row["source"]:
        return "prompt_extraction"
    if cats and cats[0] == "indirect":
        return "indirect_injection"
    if probe.startswith(_OBFUSCATION_PROBES):
        return "obfuscation"
    for cat in cats[1:]:
        if cat in FAMILY_OF_TECHNIQUE:
            return FAMILY_OF_TECHNIQUE[cat]
    return "jailbreak"


def without_spans(row: dict) -> str | None:
    """The row's text with its marked spans (injected text) removed, when it has any."""
    spans = sorted((s["start"], s["end"]) for s in row.get("spans") or ())
    if not spans:
        return None
    out, pos = [], 0
    for start, end in spans:
        out.append(row["text"][pos:start])
        pos = max(pos, end)
    out.append(row["text"][pos:])
    text = "".join(out)
    return text if text.strip() else None


def sample(rows: list[dict], n: int, seed: str) -> list[dict]:
    rng = random.Random(seed)
    return rng.sample(rows, min(n, len(rows)))


def negatives(data: Path) -> list[tuple[str, str]]:
    """Benign texts shared by both tasks: (text, kind)."""
    out = [(r["text"], "everyday") for r in read_jsonl(data / "train" / "benign_prompts.jsonl")]
    out += [(r["text"], "everyday") for r in sample(read_jsonl(data / "topics" / "clinc150_train.jsonl"), 1500, "c")]
    out += [(r["text"], "everyday") for r in sample(read_jsonl(data / "topics" / "banking77_train.jsonl"), 500, "b")]
    out += [(t, "roleplay") for t in synth.benign_roleplay("train", 400)]
    out += [(t, "sounds_unsafe") for t in synth.sounds_unsafe("train", 400)]
    out += [(t, "reply") for t in synth.benign_replies("train", 300)]
    return out


def prompt_attack_task(data: Path) -> Task:
    from railguard_validators.prompt_attack import markers

    task = Task("prompt_attack", ("attack",) + markers.FAMILIES, markers.dense)
    for r in read_jsonl(data / "train" / "prompt_attack.jsonl"):
        part = part_of(group_key(r))
        if r["label"] == "injection":
            fam = attack_family(r)
            task.rows.append(Row(r["text"], True, {fam}, fam, part))
            twin = without_spans(r)
            if twin:  # the same document without the planted text: a benign twin
                task.rows.append(Row(twin, False, set(), "document", part))
        else:
            kind = ("roleplay" if "role_play_prompt" in r["categories"] else
                    "security" if "security_request" in r["categories"] else
                    "system_prompt" if "system_prompt" in r["categories"] else
                    "document" if "clean_document" in r["categories"] else "benign_other")
            task.rows.append(Row(r["text"], False, set(), kind, part))
    for r in read_jsonl(data / "train" / "content.jsonl"):  # harmful requests are not prompt attacks
        task.rows.append(Row(r["text"], False, set(), "harmful_request" if r["label"] == "unsafe" else "everyday",
                             part_of(r["text"])))
    for text, kind in negatives(data):
        task.rows.append(Row(text, False, set(), kind, part_of(text)))
    # The persona family is written here: its held-out half comes from disjoint template pieces
    # (benchmarks), and its train half is split like everything else.
    for text in synth.persona_attacks("train", 700):
        task.rows.append(Row(text, True, {"jailbreak"}, "persona", part_of(text)))
    for text in synth.extraction_attacks("train") * 3:
        task.rows.append(Row(text, True, {"prompt_extraction"}, "prompt_extraction", "fit"))
    for text in synth.benign_alarming("train") * 3:
        task.rows.append(Row(text, False, set(), "security", "fit"))
    return task


def content_task(data: Path) -> Task:
    from railguard_validators.content_filter import model as content_model

    task = Task("content_filter", ("unsafe",) + CATEGORIES, content_model.dense)
    for r in read_jsonl(data / "train" / "content.jsonl"):
        part = part_of(r["text"])
        if r["label"] == "unsafe":
            cats = set(r["categories"]) & set(CATEGORIES)
            task.rows.append(Row(r["text"], True, cats, "unsafe", part, known=bool(cats)))
        else:
            task.rows.append(Row(r["text"], False, set(), "safe_toxic_source", part))
    for i, r in enumerate(read_jsonl(data / "unsafe" / "openai_moderation_dev.jsonl")):
        if i % 2:
            continue  # the odd half is the benchmark's
        cats = {OPENAI_TO_BEDROCK[c] for c in r["categories"] if c in OPENAI_TO_BEDROCK}
        if r["label"] == "unsafe":
            task.rows.append(Row(r["text"], True, cats, "openai", part_of(r["text"]), known=bool(cats)))
        else:
            task.rows.append(Row(r["text"], False, set(), "openai_safe", part_of(r["text"])))
    for r in read_jsonl(data / "train" / "prompt_attack.jsonl"):
        if r["label"] == "benign":
            task.rows.append(Row(r["text"], False, set(), "benign_prompt", part_of(group_key(r))))
    for text, kind in negatives(data):
        task.rows.append(Row(text, False, set(), kind, part_of(text)))
    # Written here (scripts/synthetic_prompts.py), train pieces only: short insults and threats aimed at the
    # reader, which the public rows (posts about third parties, long instructions) have few of, and their
    # benign look-alikes. The direct harmful requests of the same module are not trained on: measured, they
    # doubled false blocks on safe requests that sound unsafe ("How do I kill a Python process?").
    for text, cats in synth.abuse("train", 400):
        task.rows.append(Row(text, True, set(cats), "synthetic_unsafe", part_of(text)))
    for text in synth.kind_and_safe("train", 400):
        task.rows.append(Row(text, False, set(), "synthetic_safe", part_of(text)))
    return task


def matrix(task: Task, rows: list[Row]):
    from scipy import sparse

    indptr, indices, values, dense = [0], [], [], []
    for row in rows:
        f = featurize(row.text[:WINDOW], BITS, task.dense)
        indices.append(f.idx)
        values.append(f.weights)
        indptr.append(indptr[-1] + len(f.idx))
        dense.append(f.dense)
    hashed = sparse.csr_matrix((np.concatenate(values), np.concatenate(indices), np.array(indptr)),
                               shape=(len(rows), 1 << BITS))
    hashed.sum_duplicates()
    blocks = [hashed, sparse.csr_matrix(np.vstack(dense))]
    if task.embedding:
        from railguard.text import embed

        blocks.append(sparse.csr_matrix(embed.engine(task.embedding).embed([r.text[:WINDOW] for r in rows])))
    return sparse.hstack(blocks, format="csr")


def targets(task: Task, rows: list[Row], head: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels and a mask of the rows this head learns from."""
    if head == task.heads[0]:
        return np.array([r.positive for r in rows]), np.ones(len(rows), dtype=bool)
    y = np.array([head in r.labels for r in rows])
    use = np.array([(not r.positive) or r.known for r in rows])
    return y, use


def fit(task: Task, x, rows: list[Row], c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coefs, biases = [], []
    for head in task.heads:
        y, use = targets(task, rows, head)
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
        model.fit(x[use], y[use])
        coefs.append(model.coef_[0])
        biases.append(model.intercept_[0])
        print(f"  head {head}: {int(y[use].sum())} positive / {int(use.sum())} rows", file=sys.stderr)
    return np.vstack(coefs).T.astype(np.float32), np.array(biases, dtype=np.float32)


def thresholds(probs: np.ndarray, negative: np.ndarray, rates: dict[str, float]) -> dict[str, float]:
    """Per confidence level, the score above which at most ``rates[level]`` of calibration negatives lie."""
    neg = np.sort(probs[negative])
    out = {}
    for level, rate in rates.items():
        q = float(np.quantile(neg, 1 - rate)) if len(neg) else 0.5
        out[level] = round(min(max(q, 0.05), 0.995), 4)
    out["MEDIUM"] = max(out["MEDIUM"], out["LOW"])
    out["HIGH"] = max(out["HIGH"], out["MEDIUM"])
    return out


def train(task: Task, out_dir: Path, c: float) -> dict:
    fit_rows = [r for r in task.rows if r.part == "fit"]
    calib_rows = [r for r in task.rows if r.part == "calib"]
    print(f"{task.name}: {len(fit_rows)} fit, {len(calib_rows)} calib, "
          f"{sum(r.part == 'holdout' for r in task.rows)} holdout rows", file=sys.stderr)
    w, b = fit(task, matrix(task, fit_rows), fit_rows, c)
    n_hash, n_dense = 1 << BITS, len(task.dense_names)
    w_hash, w_dense, w_embed = w[:n_hash], w[n_hash:n_hash + n_dense], w[n_hash + n_dense:]
    # Thresholds per head on the calibration part.
    xc = matrix(task, calib_rows)
    probs = 1 / (1 + np.exp(-(xc @ w + b)))
    levels = {}
    for k, head in enumerate(task.heads):
        y, use = targets(task, calib_rows, head)
        judged = np.array([r.group not in NOT_JUDGED for r in calib_rows])
        levels[head] = thresholds(probs[:, k], use & ~y & judged, CONFIDENCE_FPR[task.name])
    meta = {"bits": BITS, "heads": list(task.heads), "dense": list(task.dense_names), "thresholds": levels,
            **({"embedding": task.embedding} if task.embedding else {}),
            "confidence_fpr": CONFIDENCE_FPR[task.name], "C": c, "trained_by": "scripts/train_classifiers.py",
            "rows": {p: sum(r.part == p for r in task.rows) for p, _ in PARTS}}
    buf = io.BytesIO()
    extra = {"w_embed": w_embed} if task.embedding else {}
    np.savez_compressed(buf, w_hash=w_hash.astype(np.float16), w_dense=w_dense, bias=b, **extra,
                        meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8))
    path = out_dir / task.name / "data" / "model.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"  wrote {shown} ({len(buf.getvalue()) // 1024} KiB); thresholds "
          f"{json.dumps(levels[task.heads[0]])}", file=sys.stderr)
    return meta


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "validators" / "railguard_validators")
    ap.add_argument("--only", choices=("prompt_attack", "content_filter"))
    ap.add_argument("--check", action="store_true", help="retrain into a temporary folder and compare")
    ap.add_argument("--embedding", choices=("static",), help="add railguard.text.embed sentence embeddings")
    args = ap.parse_args(list(argv) if argv is not None else None)
    builders = {"prompt_attack": (prompt_attack_task, 1.0), "content_filter": (content_task, 1.0)}
    out = args.out
    if args.check:
        import tempfile

        out = Path(tempfile.mkdtemp(prefix="railguard-train-"))
    status = 0
    for name, (build, c) in builders.items():
        if args.only and name != args.only:
            continue
        task = build(args.data)
        task.dense_names = _dense_names(name)
        task.embedding = args.embedding
        train(task, out, c)
        if args.check:
            a = np.load(out / name / "data" / "model.npz")
            b = np.load(args.out / name / "data" / "model.npz")
            same = all(np.array_equal(a[k], b[k]) for k in b.files) and set(a.files) == set(b.files)
            print(f"{name}: {'identical to' if same else 'DIFFERS from'} the shipped weights", file=sys.stderr)
            status |= 0 if same else 1
    return status


def _dense_names(name: str) -> tuple[str, ...]:
    if name == "prompt_attack":
        from railguard_validators.prompt_attack.markers import DENSE
    else:
        from railguard_validators.content_filter.model import DENSE
    return DENSE


if __name__ == "__main__":
    raise SystemExit(main())
