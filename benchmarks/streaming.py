"""Streaming: a 20 KB answer in 4-character tokens through pii + words + a remote validator.

    python benchmarks/streaming.py [--kb 20] [--latency-ms 50] [--token-us 1000]

The remote layer is a real ``bedrock_guardrail`` validator calling the local Bedrock server
(railguard.testing.bedrock) with ``--latency-ms`` added to every ApplyGuardrail call,
batched per 1,000 characters (one text unit). Three runs over the same text:

1. unguarded: the model's tokens as they come;
2. local: pii + words only, tokens as fast as Python yields them (pure processing cost);
3. local + remote: tokens paced at ``--token-us`` per token (a model generating), so the
   remote batches overlap generation.

Goals (issue 6): local validators add under 5 ms to the time to first byte; remote
batching adds no more than one batch of delay.
"""

from __future__ import annotations

import argparse
import queue
import random
import threading
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]

from railguard import Guard  # noqa: E402
from railguard.testing.bedrock import BedrockServer  # noqa: E402

LOCAL = """\
  - pii:
      entities: [EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER, IP_ADDRESS, NAME]
  - words: {words: [darn, heck, confidential project], managed: [PROFANITY], on_fail: mask}
"""
REMOTE = """\
  - bedrock_guardrail: {id: benchguard01, version: "1", on_fail: block}
"""
GUARDRAIL = """\
railguard: 1
name: remote
output:
  - words: {words: [forbidden topic]}
"""

WORDS = ("the report shows that our quarterly numbers improved across all regions and the team "
         "expects further growth next year while costs remain stable").split()


def answer(kb: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < kb * 1024:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize()
        roll = rng.random()
        if roll < 0.08:
            sentence += f" Contact jane.doe{rng.randint(1, 99)}@example.com for details"
        elif roll < 0.14:
            sentence += f" or call (206) 555-01{rng.randint(10, 99)}"
        elif roll < 0.18:
            sentence += " darn it"
        out.append(sentence + ". ")
        size += len(out[-1])
    return "".join(out)[: kb * 1024]


def tokens(text: str, pace_s: float):
    """The model's stream. Paced, a producer thread generates a token every ``pace_s`` seconds into a
    queue, as a remote model's tokens arrive on a socket while the consumer is busy."""
    pieces = [text[i:i + 4] for i in range(0, len(text), 4)]
    if not pace_s:
        yield from pieces
        return
    q: queue.SimpleQueue = queue.SimpleQueue()

    def produce() -> None:
        t = time.perf_counter()
        for piece in pieces:
            t += pace_s
            wait = t - time.perf_counter()
            if wait > 0:
                time.sleep(wait)  # sleeping, not spinning: a remote model costs this process no CPU
            q.put(piece)
        q.put(None)

    threading.Thread(target=produce, daemon=True).start()
    while (piece := q.get()) is not None:
        yield piece


def unguarded(text: str, pace_s: float) -> tuple[float, float]:
    source = tokens(text, pace_s)
    t0 = time.perf_counter()
    first = None
    for piece in source:
        if first is None:
            first = time.perf_counter() - t0
    return first or 0.0, time.perf_counter() - t0


def guarded(guard: Guard, text: str, pace_s: float) -> tuple[float, float, dict, str]:
    t0 = time.perf_counter()
    stream = guard.stream(lambda prompt: tokens(text, pace_s), "summarise the report")
    out = "".join(stream)
    total = time.perf_counter() - t0
    stats = dict(stream.result.stream)
    return (stats["ttfb_ms"] or 0.0) / 1000, total, stats, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, default=20)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--token-us", type=float, default=1000.0,
                    help="pace of the model in run 3 (1,000 us = 1,000 tokens/s, faster than any one LLM stream)")
    args = ap.parse_args()
    text = answer(args.kb)
    pace = args.token_us / 1e6

    local = Guard.from_text(f"railguard: 1\nname: bench-local\noutput:\n{LOCAL}")
    local.warmup()
    with BedrockServer() as server:
        server.add_guardrail("benchguard01", version="1", spec=GUARDRAIL)
        server.delay = args.latency_ms / 1000
        both = Guard.from_text(f"railguard: 1\nname: bench-remote\noutput:\n{LOCAL}{REMOTE}",
                               resources={"bedrock_runtime_client": server.client("bedrock-runtime")})
        both.warmup()
        both.validate("warm up the connection and botocore's parsers", source="output")

        print(f"answer: {len(text):,} characters in {len(text) // 4:,} tokens of 4 characters")
        u_first, u_total = unguarded(text, 0.0)
        print(f"1. unguarded, unpaced:      first byte {u_first * 1e3:7.3f} ms, whole stream {u_total * 1e3:8.1f} ms")
        runs = [guarded(local, text, 0.0) for _ in range(5)]
        first = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        _, _, stats, out = runs[-1]
        reference = local.validate(text, source="output").output
        print(f"2. pii + words, unpaced (median of 5): first byte {first * 1e3:7.3f} ms (+{(first - u_first) * 1e3:.3f} ms), "
              f"whole stream {total * 1e3:8.1f} ms ({(total - u_total) / (len(text) / 1024) * 1e3:.1f} ms per KB), "
              f"max held back {stats['max_held_back']} chars, {stats['validator_calls']} validator calls, "
              f"same text as non-streamed: {out == reference}")

        p_first, p_total = unguarded(text, pace)
        first, total, stats, out = guarded(both, text, pace)
        batch_gen_s = 1000 / 4 * pace
        extra = total - p_total
        applied = len(server.applied)
        print(f"3. + remote ({args.latency_ms:g} ms, 1,000-char batches), model paced at {args.token_us:g} us/token "
              f"(one batch = {batch_gen_s * 1e3:.0f} ms of generation):")
        print(f"   unguarded paced stream {p_total * 1e3:.1f} ms; guarded {total * 1e3:.1f} ms: "
              f"+{extra * 1e3:.1f} ms = {extra / (batch_gen_s + args.latency_ms / 1000):.2f} batch delays "
              f"(one batch delay = generation of a batch + one call = {(batch_gen_s + args.latency_ms / 1000) * 1e3:.0f} ms)")
        print(f"   first byte {first * 1e3:.1f} ms; max held back {stats['max_held_back']} chars; "
              f"validator calls {stats['validator_calls']} ({applied} ApplyGuardrail requests); "
              f"text units {stats['text_units']:g} (ceil(chars/1000) = {-(-len(text) // 1000)})")
        print(f"   output equals the non-streamed guarded output: "
              f"{out == both.validate(text, source='output').output}")


if __name__ == "__main__":
    main()
