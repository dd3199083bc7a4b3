"""Core overhead: import time, per-call cost of guard.validate, and stage concurrency.

    python benchmarks/overhead.py [--calls 20000] [--imports 15]

Goals (issue 2): import <= 100 ms with boto3 not imported; guard.validate on 1 KB with one
trivial validator <= 20 us of overhead; one stage of 8 validators that each sleep 50 ms <= 60 ms.
Issue 13: with telemetry off the overhead stays under 20 us; the cost telemetry adds per call is
printed for tracing (OpenTelemetry SDK, in-memory exporter), prometheus metrics, both, and all
sinks (goal for tracing + metrics: < 30 us added).
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


def telemetry_cost(calls: int) -> list[tuple[str, float]]:
    """Median added cost per guard.validate call for each telemetry configuration, against telemetry off."""
    import io
    import os

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from prometheus_client import CollectorRegistry

    from railguard import telemetry

    registry = Registry.load(autoload=False, extra=[Plugin()])
    guard = Guard.from_text("railguard: 1\nname: bench\ninput:\n  - trivial: {}\n", registry=registry)
    text = ("The quick brown fox jumps over the lazy dog. " * 23)[:1024]

    def tracer():
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider, exporter

    os.environ.setdefault("RAILGUARD_AUDIT_KEY", "benchmark-key-0123456789abcdef")
    configs = [
        ("off", lambda: telemetry.disable()),
        ("traces", lambda: telemetry.configure(tracer_provider=tracer()[0])),
        ("prometheus metrics", lambda: telemetry.configure(prometheus=CollectorRegistry())),
        ("traces + prometheus", lambda: telemetry.configure(tracer_provider=tracer()[0],
                                                            prometheus=CollectorRegistry())),
        ("traces + prometheus + EMF + audit", lambda: telemetry.configure(
            tracer_provider=tracer()[0], prometheus=CollectorRegistry(), emf=io.StringIO(), audit=io.StringIO())),
    ]
    medians = {}
    for name, setup in configs:
        setup()
        for _ in range(1000):
            guard.validate(text)
        samples = []
        for n in range(calls):
            if n % 2000 == 0 and name.startswith("traces"):
                setup()  # a fresh in-memory exporter: keep memory bounded
            t0 = time.perf_counter()
            guard.validate(text)
            samples.append(time.perf_counter() - t0)
        medians[name] = statistics.median(samples)
    telemetry.disable()
    # The floor for comparison: one bare SDK span (start, end, exported to memory) on this machine.
    provider, exporter = tracer()
    bare = provider.get_tracer("bench")
    spans = []
    for n in range(calls):
        if n % 2000 == 0:
            exporter.clear()
        t0 = time.perf_counter()
        bare.start_span("bare", attributes={"a": 1}).end()
        spans.append(time.perf_counter() - t0)
    return [(name, medians[name] - medians["off"]) for name, _ in configs[1:]] + \
        [("(one bare OpenTelemetry SDK span, for scale)", statistics.median(spans))]


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
    for name, added in telemetry_cost(min(args.calls, 10000)):
        print(f"telemetry {name}: +{added * 1e6:.1f} us" + ("" if name.startswith("(") else " per guard.validate call")
              + ("   (goal < 30 us)" if name == "traces + prometheus" else ""))
    wall8 = concurrency()
    print(f"one stage of 8 validators sleeping 50 ms each (median of 7): {wall8 * 1000:.1f} ms "
          f"(sequential would be 400 ms; ratio {0.4 / wall8:.1f}x)   (goal <= 60 ms)")


if __name__ == "__main__":
    main()
