"""Long inputs through a Bedrock guardrail under a text-units-per-second quota.

    python benchmarks/bedrock_long_input.py [--chars 250000] [--quota 25] [--window 200]
                                            [--concurrency 4] [--latency-ms 30]

A local Bedrock (railguard.testing.bedrock) answers ApplyGuardrail by running a pii guardrail
on each chunk and enforces the quota the way Bedrock does (ThrottlingException above it). The
text is real sentences (Presidio's synthetic PII set, repeated with running tags; never printed).

Figures (issue 4 goals):
- achieved text units per second as a share of the quota (goal >= 90%): over the whole run, and
  past the limiter's first bucket (the share a long run converges to);
- billed units of the regular chunks against ceil(characters / 1000) (goal <= 1.05x), with the
  boundary windows reported separately;
- throttled requests (the limiter should keep them at 0) and whether the stitched result equals
  masking the whole text at once.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]
DATA = ROOT / ".." / "shared" / "data" / "pii" / "presidio_synth_dev.jsonl"

from railguard import Guard  # noqa: E402
from railguard.testing.bedrock import BedrockServer  # noqa: E402

GID = "bench0guardrail"
SERVER_SPEC = """
railguard: 1
name: bench-guardrail
input:
  - pii: {entities: [EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER, IP_ADDRESS], on_fail: mask}
"""


def text_of(chars: int) -> str:
    rows = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    out, size, i = [], 0, 0
    while size < chars:
        piece = f"{rows[i % len(rows)]} (row {i})"
        out.append(piece)
        size += len(piece) + 1
        i += 1
    return " ".join(out)[:chars]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=250_000)
    ap.add_argument("--quota", type=float, default=25.0, help="imposed text units per second")
    ap.add_argument("--window", type=int, default=200, help="boundary window, characters on each side")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--latency-ms", type=float, default=30.0, help="added server latency per request")
    args = ap.parse_args()

    text = text_of(args.chars)
    with BedrockServer() as server:
        server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
        server.quota(args.quota)
        server.delay = args.latency_ms / 1000.0
        spec = (f"railguard: 1\nname: bench\nsettings: {{timeout_s: 3600}}\ninput:\n"
                f"  - bedrock_guardrail: {{id: {GID}, version: \"1\", text_units_per_second: {args.quota:g}, "
                f"boundary_window: {args.window}, concurrency: {args.concurrency}}}\n")
        guard = Guard.from_text(spec, resources={"bedrock_runtime_client": server.client("bedrock-runtime")})
        guard.warmup()
        t0 = time.monotonic()
        result = guard.validate(text, source="input")
        elapsed = time.monotonic() - t0
        a = result.assessments[0]
        if a.error:
            raise SystemExit(f"the run failed: {a.error}")
        node = guard.graph.input.nodes[0]
        burst = node.validator._limiter.burst
        calls = [c for c in server.applied if not c.throttled]
        sent = sum(c.units for c in calls)
        whole = Guard.from_text(SERVER_SPEC).validate(text, source="input").output

    windows = a.details["boundary_window_usage"].get("guardrail_text_units", 0)
    chunk_units = a.usage["guardrail_text_units"] - windows
    floor = math.ceil(len(text) / 1000)
    achieved = sent / elapsed
    steady = (sent - burst) / elapsed
    print(f"text: {len(text):,} characters in {a.details['chunks']} chunks (+{a.details['boundary_windows']} "
          f"boundary windows), concurrency {args.concurrency}, server latency {args.latency_ms:g} ms")
    print(f"quota: {args.quota:g} text units/s; limiter bucket {burst:g} units")
    print(f"time: {elapsed:.2f} s for {sent} text units in {len(calls)} requests; throttled: {server.throttled}")
    print(f"achieved: {achieved:.1f} units/s = {achieved / args.quota:.1%} of the quota over the whole run; "
          f"{steady / args.quota:.1%} past the first bucket (goal >= 90%)")
    print(f"billed: chunks {chunk_units} units vs ceil(chars/1000) = {floor}: {chunk_units / floor:.3f}x "
          f"(goal <= 1.05x); boundary windows {windows} units ({windows / floor:.1%} more)")
    print(f"stitched result equals masking the whole text: {'yes' if result.output == whole else 'NO'}")


if __name__ == "__main__":
    main()
