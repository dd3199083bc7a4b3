"""Linear time in the runtime (issue 9, section 4): the worst inputs at 100 KB, 1 MB and 10 MB.

    python benchmarks/linear_runtime.py [--sizes 100000,1000000,10000000] [--max-seconds 60]

Cases:
- ``turns``: ``guard.call`` with a message list of user turns (about 40 characters each, one
  e-mail per turn) and PII masking; the masks are written back into every turn. Compared with
  ``guard.validate`` on the same joined text (the goal: the same order of time; before issue 9
  the write-back was O(turns x masks): 10,000 turns took 18-35 s against 0.12 s).
- ``length-gate``: a stage of pii + words + denied_topics + length whose ``length`` blocks: the
  others are skipped (before issue 9 they scanned the whole text: 6 s on 10 MB).

Each row prints the size, seconds, and seconds per MB (flat when linear). A case stops at the
first size that takes longer than ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]

from railguard import Guard  # noqa: E402

TURNS_SPEC = """
railguard: 1
name: linear-turns
input:
  - pii: {entities: [EMAIL], on_fail: mask}
"""

GATE_SPEC = """
railguard: 1
name: linear-gate
input:
  - pii: {entities: [EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER], on_fail: mask}
  - words: {words: [confidential, internal only], on_fail: block}
  - denied_topics:
      engine: lexical
      topics:
        - name: investment-advice
          definition: Recommendations on which stocks, funds or crypto to buy or sell.
          examples: [Which stocks should I buy?]
  - length: {max: 4000}
"""


def _turns(size: int) -> list[dict[str, str]]:
    one = "turn {i}: please write to user{i}@example.com today"
    turns, total, i = [], 0, 0
    while total < size:
        text = one.format(i=i)
        turns.append({"role": "user", "content": text})
        total += len(text) + 2
        i += 1
    return turns


def case_turns(size: int) -> tuple[float, str]:
    guard = Guard.from_text(TURNS_SPEC)
    turns = _turns(size)
    joined = "\n\n".join(t["content"] for t in turns)
    t0 = time.perf_counter()
    result = guard.call(lambda messages: "ok", turns)
    call_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    guard.validate(joined)
    validate_s = time.perf_counter() - t0
    assert result.input is not None and result.input.changed
    return call_s, f"{len(turns)} turns; validate on the joined text {validate_s:.3f} s"


def case_gate(size: int) -> tuple[float, str]:
    guard = Guard.from_text(GATE_SPEC)
    text = ("12 34 56 78 " * (size // 12 + 1))[:size]
    t0 = time.perf_counter()
    result = guard.validate(text)
    seconds = time.perf_counter() - t0
    assert result.blocked
    skipped = [a.id for a in result.assessments if a.skipped]
    return seconds, f"skipped: {', '.join(skipped)}"


CASES = {"turns": case_turns, "length-gate": case_gate}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000,10000000")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--cases", default=",".join(CASES))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'case':<12} {'size':>10} {'seconds':>9} {'s/MB':>8}  notes")
    for name in args.cases.split(","):
        for size in sizes:
            seconds, note = CASES[name](size)
            print(f"{name:<12} {size:>10} {seconds:>9.3f} {seconds / (size / 1e6):>8.3f}  {note}", flush=True)
            if seconds > args.max_seconds:
                print(f"{name:<12} stopped: over {args.max_seconds:g} s")
                break


if __name__ == "__main__":
    main()
