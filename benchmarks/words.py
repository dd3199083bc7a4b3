"""Throughput of the ``words`` validator: 10 entries against 10,000 on 1 MB of text.

    python benchmarks/words.py [--mb 1] [--rounds 5]

Goal (issue 3): with 10,000 entries, throughput within 2x of the same with 10 entries.
The text is generated English-like prose (a fixed vocabulary, seeded) with a few entries
planted in it, so both runs find the same words; the 10,000 entries are the PROFANITY
list's entries plus generated words and two-word phrases.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]

from railguard import Context  # noqa: E402
from railguard_validators.words import Words, load_managed  # noqa: E402

VOCABULARY = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had by "
    "word but not what all were we when your can said there use an each which she do how their if will up "
    "other about out many then them these so some her would make like him into time has look two more write "
    "go see number no way could people my than first water been call who oil its now find long down day did "
    "get come made may part over new sound take only little work know place year live me back give most very "
    "after thing our just name good sentence man think say great where help through much before line right "
    "too mean old any same tell boy follow came want show also around form three small set put end does "
    "another well large must big even such because turn here why ask went men read need land different home "
    "us move try kind hand picture again change off play spell air away animal house point page letter "
    "mother answer found study still learn should America world café naïve résumé Zürich"
).split()


def entries(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = [w for w in load_managed("PROFANITY") if w.isalpha()][: min(n, 600)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(out) < n:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(4, 12)))
        out.append(word if rng.random() < 0.8 else f"{word} {rng.choice(VOCABULARY)}")
    return out[:n]


def text_of(size: int, planted: list[str], seed: int = 11) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        sentence = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(6, 18)))
        if rng.random() < 0.01:
            sentence += " " + rng.choice(planted)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice([". ", "! ", "? ", ", and ", ".\n"])
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)[:size]


def throughput(words: list[str], text: str, rounds: int, normalize: bool) -> tuple[float, int, float]:
    params: dict = {"words": words}
    if normalize:
        params["normalize"] = True
    v = Words(params)
    t0 = time.perf_counter()
    v.setup()
    build = time.perf_counter() - t0
    ctx = Context("output", "words")
    found = len(v.validate(text, ctx).spans)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        v.validate(text, ctx)
        times.append(time.perf_counter() - t0)
    return len(text) / statistics.median(times) / 1e6, found, build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    small, large = entries(10), entries(10_000)
    text = text_of(int(args.mb * 1_000_000), small)
    print(f"text: {len(text):,} characters; entries: {len(small)} vs {len(large):,} (the 10 are among the 10,000)")
    for normalize in (False, True):
        mode = "normalize: all" if normalize else "no normalisation"
        t10, f10, b10 = throughput(small, text, args.rounds, normalize)
        t10k, f10k, b10k = throughput(large, text, args.rounds, normalize)
        print(f"{mode:17}  10 entries: {t10:6.2f} MB/s ({f10} matches, built in {b10 * 1000:.0f} ms)   "
              f"10,000 entries: {t10k:6.2f} MB/s ({f10k} matches, built in {b10k * 1000:.0f} ms)   "
              f"ratio {t10 / t10k:.2f}x   (goal <= 2x)")


if __name__ == "__main__":
    main()
