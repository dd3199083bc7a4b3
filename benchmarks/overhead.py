"""Core overhead: import time, per-call cost of guard.validate, and stage concurrency.

    python benchmarks/overhead.py [--calls 20000] [--imports 15]

Goals (issue 2): import <= 100 ms with boto3 not imported; guard.validate on 1 KB with one
trivial validator <= 20 us of overhead; one stage of 8 validators that each sleep 50 ms <= 60 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]

from railguard import Context, Guard, Outcome, Registry, Validator, hookimpl  # noqa: E402


class Trivial(Validator):
    name = "trivial"
    inline = True

    def validate(self, text: str, context: Context) -> Outcome:
        return Outcome.ok()


class Nap(Validator):
    name = "nap"

    def validate(self, text: str, context: Context) -> Outcome:
        time.sleep(0.05)
        return Outcome.ok()


class Plugin:
    __name__ = "bench"

    @hookimpl
    def register_validators(self):
        return [Trivial, Nap]


def import_times(n: int) -> tuple[float, float, bool]:
    code = ("import time; t0 = time.perf_counter(); import railguard; t1 = time.perf_counter(); "
            "import sys; print(t1 - t0, 'boto3' in sys.modules)")
    base_code = "import time; t0 = time.perf_counter(); t1 = time.perf_counter(); print(t1 - t0, False)"
    times, walls, boto = [], [], False
    for _ in range(n):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
        walls.append(time.perf_counter() - t0)
        secs, loaded = out.split()
        times.append(float(secs))
        boto = boto or loaded == "True"
    startup = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", base_code], capture_output=True, check=True)
        startup.append(time.perf_counter() - t0)
    return statistics.median(times), statistics.median(walls) - statistics.median(startup), boto


def per_call(calls: int) -> tuple[float, float, float]:
    registry = Registry.load(autoload=False, extra=[Plugin()])
    guard = Guard.from_text("railguard: 1\nname: bench\ninput:\n  - trivial: {}\n", registry=registry)
    text = ("The quick brown fox jumps over the lazy dog. " * 23)[:1024]
    validator = guard.graph.input.nodes[0].validator
    ctx = Context("input", "trivial")
    for _ in range(2000):
        guard.validate(text)
    samples, raw = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        guard.validate(text)
        samples.append(time.perf_counter() - t0)
    for _ in range(calls):
        t0 = time.perf_counter()
        validator.validate(text, ctx)
        raw.append(time.perf_counter() - t0)
    med, direct = statistics.median(samples), statistics.median(raw)
    return med, direct, med - direct


def concurrency(rounds: int = 7) -> float:
    registry = Registry.load(autoload=False, extra=[Plugin()])
    guard = Guard.from_text("railguard: 1\nname: bench\ninput:\n" + "  - nap: {}\n" * 8, registry=registry)
    guard.validate("warm up")
    walls = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        guard.validate("hello")
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--imports", type=int, default=15)
    args = ap.parse_args()
    imp, wall, boto = import_times(args.imports)
    print(f"import railguard (median of {args.imports} fresh processes): {imp * 1000:.1f} ms in-process, "
          f"{wall * 1000:.1f} ms added to interpreter start; boto3 imported: {boto}   (goal <= 100 ms, no boto3)")
    med, direct, overhead = per_call(args.calls)
    print(f"guard.validate, 1 KB, one trivial validator (median of {args.calls}): {med * 1e6:.1f} us per call; "
          f"the validator alone {direct * 1e6:.2f} us; railguard overhead {overhead * 1e6:.1f} us   (goal <= 20 us)")
    wall8 = concurrency()
    print(f"one stage of 8 validators sleeping 50 ms each (median of 7): {wall8 * 1000:.1f} ms "
          f"(sequential would be 400 ms; ratio {0.4 / wall8:.1f}x)   (goal <= 60 ms)")


if __name__ == "__main__":
    main()
