"""Denied-topic precision and recall on CLINC150 domains, for both engines of ``denied_topics``.

    python benchmarks/quality_topics.py [--engine lexical|embedding|both] [--calibrate]

The ten CLINC150 domains (``../shared/data/topics/clinc150_train.jsonl``) are the topics, all
in one validator. Each topic's definition is written here from the domain's intent names;
its five examples are training rows: the first row of five of the domain's fifteen intents
(every third intent in sorted order), so the examples never cover the other ten intents.
The remaining rows are split once, by a seeded draw: 20% calibration (used only to choose the
engines' default thresholds, with ``--calibrate``), 80% test. On the test rows a (row, topic)
pair is a true positive when the row's domain is the topic and the topic's score reaches its
threshold; rows of the other nine domains are the negatives. Figures are per topic and micro-
averaged over all pairs, at the validator's default thresholds. Row texts are never printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]
DATA = ROOT / ".." / "shared" / "data" / "topics" / "clinc150_train.jsonl"

DEFINITIONS = {
    "banking": "Questions and requests about bank accounts: account balances, transferring money between accounts, "
               "paying bills and bill due dates, minimum payments, interest rates, routing numbers, ordering checks, "
               "changing a PIN, freezing or unblocking an account, reporting fraud, and reviewing transactions and "
               "spending history.",
    "credit_cards": "Questions and requests about credit cards: card applications and their status, APR, credit "
                    "limits and raising them, credit scores and improving them, declined or damaged cards, lost "
                    "cards and replacements, new cards, expiration dates, foreign transaction fees, and rewards "
                    "points and redeeming them.",
    "kitchen_and_dining": "Cooking and eating: recipes, ingredients and substitutes, cooking times, how long food "
                          "keeps, calories and nutrition facts, meal ideas, and restaurants: suggestions, reviews, "
                          "how busy they are, whether they take reservations, and booking, confirming or cancelling "
                          "a table.",
    "home": "Running a household and a personal assistant's home features: calendars and events, reminders, to-do "
            "lists, shopping lists, ordering products and tracking orders, smart home devices such as lights and "
            "thermostats, and playing music, songs and playlists.",
    "auto_and_commute": "Cars and getting around: directions, distance and traffic on the way, current location, "
                        "ride sharing, gas prices and which fuel to use, fuel economy, oil changes, tire pressure "
                        "and changing a tire, jump starting a battery, and scheduling car maintenance.",
    "travel": "Planning and taking trips: booking flights and hotels, renting cars, flight status, luggage and "
              "carry-on rules, lost luggage, visas, vaccinations, travel alerts and notifying the bank of travel, "
              "exchange rates, power plug types, time zones, translating phrases, and travel suggestions.",
    "utility": "Everyday assistant utilities: the time and date, alarms and timers, the weather, a calculator, unit "
               "conversions, word definitions and spelling, flipping a coin or rolling dice, making phone calls and "
               "sending text messages, finding a lost phone, and sharing a location.",
    "work": "Employment matters: paychecks and payday, income and salary, direct deposit, taxes and W-2 forms, "
            "401k rollovers, health insurance and changing plans, paid time off balance, requests and their status, "
            "company holidays, and scheduling meetings.",
    "small_talk": "Casual conversation with the assistant itself: greetings and goodbyes, thanks, jokes and fun "
                  "facts, the meaning of life, and personal questions to the assistant such as its name, age, "
                  "origin, hobbies, pets, who made it, whether it is a bot, and what it can do.",
    "meta": "Controlling the assistant and the conversation: yes, no and maybe answers, cancelling, asking it to "
            "repeat, changing its name, voice accent, speed, volume or language, whisper mode, the user's name, "
            "syncing devices, and resetting settings.",
}
CALIBRATION_SHARE = 0.2
SEED = 13


def load_rows() -> list[dict]:
    with open(DATA, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def build(rows: list[dict]) -> tuple[list[dict], list[tuple[str, str]], list[tuple[str, str]]]:
    """Topics (name, definition, examples) and the (text, domain) rows for calibration and test."""
    by_domain: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, row in enumerate(rows):
        by_domain[row["label"]][row["meta"]["intent"]].append(i)
    used: set[int] = set()
    topics = []
    for domain in sorted(by_domain):
        intents = sorted(by_domain[domain])
        examples = []
        for intent in intents[::3][:5]:
            pick = next(i for i in by_domain[domain][intent] if len(rows[i]["text"]) <= 100)
            used.add(pick)
            examples.append(rows[pick]["text"])
        topics.append({"name": domain.replace("_", "-"), "definition": DEFINITIONS[domain], "examples": examples})
    rng = random.Random(SEED)
    calibration, test = [], []
    for i, row in enumerate(rows):
        if i in used:
            continue
        share = calibration if rng.random() < CALIBRATION_SHARE else test
        share.append((row["text"], row["label"].replace("_", "-")))
    return topics, calibration, test


def scores(engine: str, topics: list[dict], texts: list[str]) -> tuple[list[dict[str, float]], dict[str, float], float]:
    from railguard_validators.denied_topics import DeniedTopics

    v = DeniedTopics({"engine": engine, "topics": topics})
    v.setup()
    t0 = time.perf_counter()
    out = v.score_many(texts)
    return out, {t.name: t.threshold for t in v.topics}, time.perf_counter() - t0


def pr(pairs: list[tuple[dict[str, float], str]], thresholds: dict[str, float]) -> dict[str, tuple[int, int, int]]:
    counts = {}
    for topic, th in thresholds.items():
        tp = fp = fn = 0
        for score, label in pairs:
            hit = score[topic] >= th
            tp += hit and label == topic
            fp += hit and label != topic
            fn += (not hit) and label == topic
        counts[topic] = (tp, fp, fn)
    return counts


def _f(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def calibrate(pairs: list[tuple[dict[str, float], str]], topics: list[str]) -> tuple[float, float]:
    """The single threshold with the best micro F1 on these pairs."""
    best = (0.0, 0.0)
    for step in range(5, 96):
        th = step / 100
        tp, fp, fn = map(sum, zip(*pr(pairs, {t: th for t in topics}).values()))
        f1 = _f(tp, fp, fn)[2]
        if f1 > best[1]:
            best = (th, f1)
    return best


def report(engine: str, topics: list[dict], calibration: list, test: list, do_calibrate: bool) -> None:
    names = [t["name"] for t in topics]
    test_scores, thresholds, secs = scores(engine, topics, [t for t, _ in test])
    counts = pr(list(zip(test_scores, [lab for _, lab in test])), thresholds)
    print(f"\nengine: {engine}   ({len(test):,} test rows scored in {secs:.1f} s, "
          f"{len(test) / secs:,.0f} rows/s; default threshold {thresholds[names[0]]:.2f})")
    print(f"  {'topic':20} {'precision':>9} {'recall':>7} {'F1':>6}   tp/fp/fn")
    for name in names:
        p, r, f1 = _f(*counts[name])
        print(f"  {name:20} {p:9.3f} {r:7.3f} {f1:6.3f}   {'/'.join(map(str, counts[name]))}")
    tp, fp, fn = map(sum, zip(*counts.values()))
    p, r, f1 = _f(tp, fp, fn)
    print(f"  {'micro':20} {p:9.3f} {r:7.3f} {f1:6.3f}   {tp}/{fp}/{fn}")
    if do_calibrate:
        cal_scores, _, _ = scores(engine, topics, [t for t, _ in calibration])
        th, f1 = calibrate(list(zip(cal_scores, [lab for _, lab in calibration])), names)
        print(f"  calibration ({len(calibration):,} rows): best single threshold {th:.2f} (micro F1 {f1:.3f})")


def main(engine: str = "both", calibrate: bool = False) -> None:
    """Print per-topic and micro precision/recall for ``engine`` ('lexical', 'embedding' or 'both')."""
    topics, calibration, test = build(load_rows())
    print(f"denied_topics on CLINC150: {len(topics)} domains as topics, 5 examples each; "
          f"{len(calibration):,} calibration rows, {len(test):,} test rows")
    for name in (["lexical", "embedding"] if engine == "both" else [engine]):
        report(name, topics, calibration, test, calibrate)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=["lexical", "embedding", "both"], default="both")
    ap.add_argument("--calibrate", action="store_true", help="also print the best threshold on the calibration rows")
    args = ap.parse_args()
    main(args.engine, args.calibrate)
