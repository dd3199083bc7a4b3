"""Speed of denied_topics' engines: cold start of the CLI, one text at a time, batches, concurrent callers.

    python benchmarks/topics_speed.py [--engine semantic embedding lexical] [--texts 1000]

For each engine, on short everyday queries (CLINC150 training rows; only counts and timings are printed):

- ``cold start``: wall time of ``railguard validate specs/patient-assistant.yaml --text ...`` in a fresh
  process (median of three), with the spec's engine switched to the one measured;
- ``warmup``: ``guard.warmup()`` in this process (model load and topic calibration);
- ``one by one``: ``guard.validate`` per text, in one thread;
- ``batch``: ``guard.validate_batch`` (batch-capable engines encode the whole batch at once);
- ``8 threads``: eight threads calling ``guard.validate`` on one text each.

Figures depend on the machine: compare engines within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]
DATA = ROOT / ".." / "shared" / "data" / "topics" / "clinc150_train.jsonl"


def spec_for(engine: str, folder: Path) -> Path:
    spec = yaml.safe_load((ROOT / "specs" / "patient-assistant.yaml").read_text(encoding="utf-8"))
    spec.pop("tests", None)
    for entry in spec["input"]:
        if "denied_topics" in entry:
            entry["denied_topics"]["engine"] = engine
    path = folder / f"patient-{engine}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def topics_only(engine: str, folder: Path) -> Path:
    spec = yaml.safe_load((ROOT / "specs" / "patient-assistant.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in spec["input"] if "denied_topics" in e)
    entry["denied_topics"]["engine"] = engine
    path = folder / f"topics-{engine}.yaml"
    path.write_text(yaml.safe_dump({"railguard": 1, "name": f"topics-{engine}", "input": [entry]}), encoding="utf-8")
    return path


def cold_start(spec: Path) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "railguard", "validate", str(spec), "--text",
                        "What dose of amoxicillin should my toddler get?"], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", nargs="+", default=["semantic", "lexical"])
    ap.add_argument("--texts", type=int, default=1000)
    args = ap.parse_args(argv)
    from railguard import Guard

    with open(DATA, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for n, line in enumerate(fh) if n % 7 == 3][:args.texts]
    single = texts[:max(50, len(texts) // 5)]
    print(f"{len(texts)} short queries (batch), {len(single)} one by one and in 8 threads")
    with tempfile.TemporaryDirectory() as tmp:
        for engine in args.engine:
            cold = cold_start(spec_for(engine, Path(tmp)))
            guard = Guard.from_file(topics_only(engine, Path(tmp)))
            start = time.perf_counter()
            guard.warmup()
            warm = time.perf_counter() - start
            start = time.perf_counter()
            for text in single:
                guard.validate(text)
            one = len(single) / (time.perf_counter() - start)
            start = time.perf_counter()
            guard.validate_batch(texts)
            batch = len(texts) / (time.perf_counter() - start)
            start = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(guard.validate, single))
            threads = len(single) / (time.perf_counter() - start)
            print(f"{engine:10} cold start {cold:.2f} s (patient spec, all validators), warmup {warm:.2f} s, "
                  f"one by one {one:,.0f}/s, batch {batch:,.0f}/s, 8 threads {threads:,.0f}/s")


if __name__ == "__main__":
    main()
