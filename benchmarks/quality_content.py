"""Quality and speed of content_filter's ``local`` engine.

    python benchmarks/quality_content.py [--data ../shared/data] [--speed-only]

With every filter at one strength (LOW, MEDIUM, HIGH), on data the classifier never fitted or
calibrated on:

- ``openai moderation (odd half)``: the odd-indexed rows of unsafe/openai_moderation_dev.jsonl
  (the training script uses only the even half). OpenAI flags map to Bedrock categories as
  S, S3 -> SEXUAL; H, H2 -> HATE; HR -> INSULTS; V, V2, SH -> VIOLENCE (no MISCONDUCT there);
- ``holdout``: the 20% of the training rows scripts/train_classifiers.py keeps aside;
- safe texts that sound unsafe: synthetic requests from held-out template pieces
  (scripts/synthetic_prompts.py) and PurpleLlama's benign security requests (mitre_frr dev);
- short, direct abuse: insults to the reader, threats, self-harm encouragement and requests for help with
  crimes, drugs and weapons, with their benign look-alikes (warm words, lawful "how do I" requests), all
  written for railguard from held-out template pieces (``synthetic_prompts.abuse``, ``harmful_requests``,
  ``kind_and_safe``; the classifier trains on the other halves of ``abuse`` and ``kind_and_safe`` only).

``category recall`` counts a row when its own category fires; ``flagged`` when any category fires.
Speed: texts per second on one thread for 1 KB texts; cold start in a fresh process.
Row texts are never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators"), str(ROOT / "scripts"), str(ROOT / "benchmarks")]

import synthetic_prompts as synth  # noqa: E402
import train_classifiers as training  # noqa: E402
from quality_prompt_attack import cold_start  # noqa: E402

from railguard_validators.content_filter.levels import acts  # noqa: E402
from railguard_validators.content_filter.local import CATEGORIES, LocalEngine  # noqa: E402

STRENGTHS = ("LOW", "MEDIUM", "HIGH")


def datasets(data: Path) -> tuple[dict[str, list[tuple[str, set[str]]]], dict[str, list[str]]]:
    unsafe: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    safe: dict[str, list[str]] = defaultdict(list)
    for i, r in enumerate(training.read_jsonl(data / "unsafe" / "openai_moderation_dev.jsonl")):
        if i % 2 == 0:
            continue
        cats = {training.OPENAI_TO_BEDROCK[c] for c in r["categories"] if c in training.OPENAI_TO_BEDROCK}
        if r["label"] == "unsafe":
            unsafe["openai moderation (odd half)"].append((r["text"], cats))
        else:
            safe["openai moderation (odd half) safe"].append(r["text"])
    for row in training.content_task(data).rows:
        if row.part != "holdout" or row.group.startswith(("openai", "synthetic")):
            continue  # the synthetic rows are measured on their held-out pieces below
        if row.positive:
            unsafe["holdout"].append((row.text, row.labels))
        else:
            safe[f"holdout/{row.group}"].append(row.text)
    safe["synthetic sounds unsafe (held-out pieces)"] = synth.sounds_unsafe("heldout", 300)
    unsafe["synthetic abuse and harmful requests (held-out pieces)"] = [
        (text, set(cats)) for text, cats in synth.abuse("heldout", 400) + synth.harmful_requests("heldout", 180)]
    safe["synthetic kind words and safe how-tos (held-out pieces)"] = synth.kind_and_safe("heldout", 400)
    safe["benign security requests (mitre_frr dev)"] = [
        r["text"] for r in training.read_jsonl(data / "prompt_attack" / "benign_security_requests_dev.jsonl")]
    return unsafe, safe


def fired(engine: LocalEngine, texts: list[str], strength: str) -> list[set[str]]:
    return [{c for c, (conf, _) in v.categories.items() if acts(strength, conf)} for v in engine.judge(texts)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    ap.add_argument("--speed-only", action="store_true")
    args = ap.parse_args()
    engine = LocalEngine()
    engine.setup()
    report: dict[str, object] = {}
    if not args.speed_only:
        unsafe, safe = datasets(args.data)
        head = " ".join(f"{s:>7s}" for s in STRENGTHS)
        for name, rows in sorted(unsafe.items()):
            texts = [t for t, _ in rows]
            hits = {s: fired(engine, texts, s) for s in STRENGTHS}
            print(f"\n{name}: {len(rows)} unsafe rows\n{'':34s} {'n':>5s} {head}")
            r = {s: sum(bool(h) for h in hits[s]) / len(rows) for s in STRENGTHS}
            report[f"{name} flagged"] = r
            print(f"{'flagged (any category)':34s} {len(rows):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
            for cat in CATEGORIES:
                mine = [i for i, (_, cats) in enumerate(rows) if cat in cats]
                if not mine:
                    continue
                r = {s: sum(cat in hits[s][i] for i in mine) / len(mine) for s in STRENGTHS}
                report[f"{name} recall {cat}"] = r
                print(f"{'category recall ' + cat:34s} {len(mine):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
        print(f"\n{'false-positive rate':58s} {'n':>5s} {head}")
        for name, texts in sorted(safe.items()):
            hits = {s: fired(engine, texts, s) for s in STRENGTHS}
            r = {s: sum(bool(h) for h in hits[s]) / len(texts) for s in STRENGTHS}
            report[f"fpr {name}"] = r
            print(f"{name:58s} {len(texts):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
    from quality_prompt_attack import speed

    tps = speed(engine)
    cold = cold_start("railguard_validators.content_filter.local", "LocalEngine")
    report["texts_per_s_1kb"] = round(tps)
    report["cold_start_s"] = {"wall": round(cold[0], 3), "cpu": round(cold[1], 3)}
    print(f"\nspeed: {tps:,.0f} texts/s per CPU second (1 KB texts, one text per call); cold start "
          f"{cold[0]:.2f} s wall, {cold[1]:.2f} s CPU")
    print(json.dumps(report, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
