"""Scan time on adversarial inputs at 100 KB, 1 MB and 10 MB: every scan must be linear.

    python benchmarks/linear.py [--sizes 100000 1000000 10000000] [--only pii]

Each case is a row: a name, a function that builds an input of a given size from a repeated
worst-case pattern, and the scan to time. Linear time shows as a constant time per MB across
the sizes (the last column: time at the largest size / time at the smallest, over the size
ratio; ~1 is linear, growing with size is not). Other scans add their rows to ``CASES``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "validators"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


@dataclass(frozen=True)
class Case:
    group: str  # which scan: "pii", ...
    name: str
    pattern: str  # repeated to the input size
    scan: Callable[[], Callable[[str], object]]  # builds the scan once; returns text -> anything


def _pii(entities: str = "all") -> Callable[[], Callable[[str], object]]:
    def build() -> Callable[[str], object]:
        from railguard import Context
        from railguard_validators.pii import ENTITY_TYPES, Pii

        types = list(ENTITY_TYPES) if entities == "all" else entities.split()
        v = Pii({"entities": types}, stage="input")
        v.setup()
        ctx = Context("input", "pii")
        return lambda text: v.validate(text, ctx)
    return build


def _guard_turns() -> Callable[[str], object]:
    """guard.call on a message list: the text is cut into user turns at blank lines; the input stage's
    masks are written back into every turn (issue 9: this was O(turns x masks))."""
    from railguard import Guard

    guard = Guard.from_text("railguard: 1\nname: turns\ninput:\n  - pii: {entities: [EMAIL], on_fail: mask}\n")

    def scan(text: str) -> object:
        turns = [{"role": "user", "content": t} for t in text.split("\n\n") if t]
        return guard.call(lambda messages: "ok", turns)
    return scan


def _guard_length_gate() -> Callable[[str], object]:
    """A stage of pii, words, denied_topics and length where length blocks: the others are skipped."""
    from railguard import Guard

    guard = Guard.from_text(
        "railguard: 1\nname: gate\ninput:\n  - pii: {entities: [EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER]}\n"
        "  - words: {words: [confidential, internal only]}\n"
        "  - denied_topics:\n      topics:\n        - name: investment-advice\n"
        "          definition: Recommendations on which stocks or funds to buy or sell.\n"
        "          examples: [Which stocks should I buy?]\n"
        "  - length: {max: 4000}\n")

    def scan(text: str) -> object:
        result = guard.validate(text)
        assert result.blocked and all(a.skipped for a in result.assessments if a.id != "length")
        return result
    return scan


def _regex() -> Callable[[str], object]:
    """regex reads the text as a person does (invisible characters dropped, full-width digits as ASCII) and
    maps every span back to the original characters."""
    from railguard import Context
    from railguard_validators.regex import Regex

    v = Regex({"patterns": [{"name": "EMPLOYEE_ID", "pattern": r"\bE\d{6}\b", "action": "mask"}]})
    ctx = Context("output", "regex")
    return lambda text: v.validate(text, ctx)


def _words() -> Callable[[str], object]:
    """words maps Cyrillic look-alikes inside mixed-script words (one character for one)."""
    from railguard import Context
    from railguard_validators.words import Words

    v = Words({"words": ["Project Nightingale", "darn"]})
    v.setup()
    ctx = Context("output", "words")
    return lambda text: v.validate(text, ctx)


def _topic_reading() -> Callable[[str], object]:
    """What denied_topics reads of a text before embedding it (NFKC, invisible characters, look-alikes)."""
    from railguard_validators.denied_topics.text import reading

    return reading


CASES: list[Case] = [
    Case("pii", "phone digit groups '12 34 56 78 '", "12 34 56 78 ", _pii()),
    Case("pii", "grouped phones '(415) 555-0132 '", "(415) 555-0132 ", _pii()),
    Case("pii", "phones side by side '415-555-0132 212-555-0199 '", "415-555-0132 212-555-0199 ", _pii()),
    Case("pii", "long digit run '0123456789...'", "0123456789", _pii()),
    Case("pii", "dashed digit run '1-2-3-4-'", "1-2-3-4-", _pii()),
    Case("pii", "dotted numbers '10.0.0.1.'", "10.0.0.1.", _pii()),
    Case("pii", "cards '4111 1111 1111 1111 '", "4111 1111 1111 1111 ", _pii()),
    Case("pii", "many e-mails 'jane.roe@example.com '", "jane.roe@example.com ", _pii()),
    Case("pii", "'@' runs 'a@b@c@d.'", "a@b@c@d.", _pii()),
    Case("pii", "invisible characters '4\\u200b1\\u200b1\\u200b1 '", "4\u200b1\u200b1\u200b1 ", _pii()),
    Case("pii", "cue words 'SSN PIN card '", "SSN PIN card ", _pii()),
    Case("regex", "disguised IDs 'E\\u200b１２３４５６ '", "E\u200b\uff11\uff12\uff13\uff14\uff15\uff16 ", _regex),
    Case("words", "look-alike words 'Proj\\u0435ct d\\u0430rn '", "Proj\u0435ct d\u0430rn ", _words),
    Case("topic", "look-alike text 'sh\\u0430res \\u0430 d\\u0430y '", "sh\u0430res \u0430 d\u0430y ", lambda: _topic_reading()),
    Case("guard", "guard.call, a turn per e-mail 'write to a@b.com\\n\\n'", "turn: write to jane@example.com\n\n",
         _guard_turns),
    Case("guard", "length blocks first '12 34 56 78 ' (others skipped)", "12 34 56 78 ", _guard_length_gate),
]


def run(cases: list[Case], sizes: list[int]) -> None:
    labels = [f"{s / 1e6:g} MB" if s >= 1_000_000 else f"{s / 1e3:g} KB" for s in sizes]
    print(f"  {'scan':<5} {'input':<52} " + " ".join(f"{label:>9}" for label in labels) + f" {'growth':>7}")
    for case in cases:
        scan = case.scan()
        times = []
        for size in sizes:
            text = (case.pattern * (size // len(case.pattern) + 1))[:size]
            t0 = time.perf_counter()
            scan(text)
            times.append(time.perf_counter() - t0)
        growth = (times[-1] / max(times[0], 1e-9)) / (sizes[-1] / sizes[0])
        print(f"  {case.group:<5} {case.name:<52} " + " ".join(f"{t:>8.3f}s" for t in times) + f" {growth:>7.2f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--only", help="run only the cases of this group (pii, guard, ...)")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if args.only is None or c.group == args.only]
    print(f"scan time on worst-case inputs, Python {sys.version.split()[0]} (growth ~1: linear)")
    run(cases, sorted(args.sizes))


if __name__ == "__main__":
    main()
