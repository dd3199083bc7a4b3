"""Quality and speed of prompt_attack's ``local`` engine.

    python benchmarks/quality_prompt_attack.py [--data ../shared/data] [--speed-only]

Attack recall per family and false-positive rates per kind of benign prompt, at each strength
(LOW, MEDIUM, HIGH), on data the classifier was not trained on:

- ``holdout``: the 20% of the training files that scripts/train_classifiers.py never fits or
  calibrates on (split by a stable hash of each row's group);
- ``persona (synthetic, held out)``: DAN / developer-mode / persona jailbreaks and prompt
  extraction written from template pieces disjoint from the training pieces
  (scripts/synthetic_prompts.py, split ``heldout``), with benign role-play, benign questions about
  prompt security and safe-but-alarming requests from the same held-out pieces;
- ``cyberseceval`` and ``giskard``: shared attack sets never used for training;
- ``benign security requests``: PurpleLlama mitre_frr dev (never used for training).

Speed: texts per second on one thread for 1 KB texts, and cold start (import, load, first text)
in a fresh process. Row texts are never printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators"), str(ROOT / "scripts")]

import synthetic_prompts as synth  # noqa: E402
import train_classifiers as training  # noqa: E402

from railguard_validators.content_filter.levels import acts  # noqa: E402
from railguard_validators.prompt_attack.local import LocalEngine  # noqa: E402

STRENGTHS = ("LOW", "MEDIUM", "HIGH")


def datasets(data: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(attacks by family, benign texts by kind), all unseen in training."""
    attacks: dict[str, list[str]] = defaultdict(list)
    benign: dict[str, list[str]] = defaultdict(list)
    for row in training.prompt_attack_task(data).rows:
        if row.part != "holdout":
            continue
        if row.positive:
            attacks[f"holdout/{next(iter(row.labels))}"].append(row.text)
        else:
            benign[f"holdout/{row.group}"].append(row.text)
    attacks["synthetic/persona (held-out pieces)"] = synth.persona_attacks("heldout", 300)
    attacks["synthetic/prompt_extraction (held-out pieces)"] = synth.extraction_attacks("heldout")
    benign["synthetic/roleplay (held-out pieces)"] = synth.benign_roleplay("heldout", 300)
    benign["synthetic/security questions (held-out pieces)"] = synth.benign_alarming("heldout")
    benign["synthetic/sounds unsafe (held-out pieces)"] = synth.sounds_unsafe("heldout", 300)
    for name, path in (("cyberseceval", "prompt_attack/cyberseceval_prompt_injection.jsonl"),
                       ("giskard", "prompt_attack/giskard_prompt_injections.jsonl")):
        for row in training.read_jsonl(data / path):
            attacks[f"{name}/{row['categories'][0]}"].append(row["text"])
    benign["benign security requests (mitre_frr dev)"] = [
        r["text"] for r in training.read_jsonl(data / "prompt_attack" / "benign_security_requests_dev.jsonl")]
    return attacks, benign


def rates(engine: LocalEngine, texts: list[str]) -> dict[str, float]:
    verdicts = engine.judge(texts)
    return {s: sum(acts(s, v.confidence) for v in verdicts) / max(1, len(texts)) for s in STRENGTHS}


def speed(engine: LocalEngine, seconds: float = 3.0) -> float:
    base = ("Please summarise the following meeting notes and list the action items with owners. "
            "The team reviewed the quarterly roadmap, agreed to move the launch by two weeks, and asked "
            "for a revised budget. ")
    texts = [(base * 8)[i % 50:][:1000] for i in range(200)]
    engine.judge(texts[:10])
    # CPU time of this thread, so other processes on a shared machine do not count.
    n, start = 0, time.thread_time()
    while time.thread_time() - start < seconds:
        for t in texts:
            engine.judge([t])
        n += len(texts)
    return n / (time.thread_time() - start)


def cold_start(module: str, cls: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from importing the engine to its first verdict, in a fresh process."""
    code = (f"import time; t=time.perf_counter(); c=time.process_time(); from {module} import {cls}; e={cls}(); "
            f"e.setup(); e.judge(['hello there']); print(time.perf_counter()-t, time.process_time()-c)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": f"{ROOT}:{ROOT / 'validators'}", "PATH": "/usr/bin:/bin"})
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    ap.add_argument("--speed-only", action="store_true")
    args = ap.parse_args()
    engine = LocalEngine()
    engine.setup()
    report: dict[str, object] = {}
    if not args.speed_only:
        attacks, benign = datasets(args.data)
        print(f"{'attack recall':58s} {'n':>5s} " + " ".join(f"{s:>7s}" for s in STRENGTHS))
        every: list[str] = []
        for name in sorted(attacks):
            r = rates(engine, attacks[name])
            every += attacks[name]
            report[f"recall {name}"] = r
            print(f"{name:58s} {len(attacks[name]):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
        r = rates(engine, every)
        report["recall all"] = r
        print(f"{'ALL ATTACKS':58s} {len(every):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
        print(f"\n{'false-positive rate':58s} {'n':>5s} " + " ".join(f"{s:>7s}" for s in STRENGTHS))
        every = []
        for name in sorted(benign):
            r = rates(engine, benign[name])
            every += benign[name]
            report[f"fpr {name}"] = r
            print(f"{name:58s} {len(benign[name]):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
        r = rates(engine, every)
        report["fpr all"] = r
        print(f"{'ALL BENIGN':58s} {len(every):5d} " + " ".join(f"{r[s]:7.3f}" for s in STRENGTHS))
    tps = speed(engine)
    cold = cold_start("railguard_validators.prompt_attack.local", "LocalEngine")
    report["texts_per_s_1kb"] = round(tps)
    report["cold_start_s"] = {"wall": round(cold[0], 3), "cpu": round(cold[1], 3)}
    print(f"\nspeed: {tps:,.0f} texts/s per CPU second (1 KB texts, one text per call); cold start "
          f"{cold[0]:.2f} s wall, {cold[1]:.2f} s CPU")
    print(json.dumps(report, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
