"""PII detection quality on Presidio's synthetic sentences (a development set).

    python benchmarks/quality_pii.py [--data PATH] [--engine rules|spacy|both]

Reads ``../shared/data/pii/presidio_synth_dev.jsonl`` (774 sentences from presidio-research's
synth_dataset_v2, MIT), maps Presidio's entity names to Bedrock's, runs the ``pii`` validator
with every mapped type and prints span precision, recall and F1 per entity, two ways:

- exact: a predicted span counts only with the same start, end and type as a gold span;
- overlap: a predicted span counts if it overlaps a gold span of its type, and a gold span is
  found if a predicted span of its type overlaps it.

Gold spans of one type separated only by spaces, commas or line breaks are merged first (the
data splits some addresses into street, city and postcode pieces). Row texts are never printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "validators"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "pii" / "presidio_synth_dev.jsonl"

# Presidio's names -> Bedrock's. DOMAIN_NAME values in this data are full URLs with a scheme.
MAPPING = {
    "PERSON": "NAME",
    "STREET_ADDRESS": "ADDRESS",
    "CREDIT_CARD": "CREDIT_DEBIT_CARD_NUMBER",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "IBAN_CODE": "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "US_SSN": "US_SOCIAL_SECURITY_NUMBER",
    "IP_ADDRESS": "IP_ADDRESS",
    "AGE": "AGE",
    "US_DRIVER_LICENSE": "DRIVER_ID",
    "DOMAIN_NAME": "URL",
}
# Presidio types with no Bedrock PII counterpart (not scored).
UNMAPPED = {
    "GPE": "a city, state or country alone is not an ADDRESS",
    "ORGANIZATION": "Bedrock has no organisation type",
    "DATE_TIME": "Bedrock has no date type (CREDIT_DEBIT_CARD_EXPIRY is card-only)",
    "TITLE": "Bedrock has no title type (NAME excludes Mr/Dr)",
    "NRP": "nationality, religion or political group: no Bedrock type",
    "ZIP_CODE": "a postcode alone is not an ADDRESS",
}
_JOIN = re.compile(r"[\s,]*")


def load(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        spans = sorted((s["start"], s["end"], s["label"]) for s in row["spans"])
        rows.append((row["text"], spans))
    return rows


def gold_spans(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Mapped gold spans, adjacent pieces of one type merged."""
    out: list[tuple[int, int, str]] = []
    for s, e, label in spans:
        t = MAPPING.get(label)
        if t is None:
            continue
        if out and out[-1][2] == t and _JOIN.fullmatch(text, out[-1][1], s) and s >= out[-1][1]:
            out[-1] = (out[-1][0], e, t)
        else:
            out.append((s, e, t))
    return out


def evaluate(rows, predict) -> dict[str, Counter]:
    stats: dict[str, Counter] = {t: Counter() for t in sorted(set(MAPPING.values()))}
    for text, spans in rows:
        gold = gold_spans(text, spans)
        pred = predict(text)
        gold_set, pred_set = set(gold), set(pred)
        for t, c in stats.items():
            g = [x for x in gold if x[2] == t]
            p = [x for x in pred if x[2] == t]
            c["gold"] += len(g)
            c["pred"] += len(p)
            c["tp_exact"] += len(gold_set & pred_set & set(g))
            c["pred_hit"] += sum(1 for a in p if any(a[0] < b[1] and b[0] < a[1] for b in g))
            c["gold_hit"] += sum(1 for b in g if any(a[0] < b[1] and b[0] < a[1] for a in p))
    return stats


def _prf(tp_p: int, pred: int, tp_g: int, gold: int) -> tuple[float, float, float]:
    precision = tp_p / pred if pred else (1.0 if not gold else 0.0)
    recall = tp_g / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def print_table(title: str, stats: dict[str, Counter]) -> None:
    print(f"\n{title}")
    print(f"  {'entity (Bedrock name)':<36} {'gold':>5} {'pred':>5} | {'exact P':>7} {'R':>6} {'F1':>6} |"
          f" {'overlap P':>9} {'R':>6} {'F1':>6}")
    total = Counter()
    for t, c in stats.items():
        total.update(c)
        ex = _prf(c["tp_exact"], c["pred"], c["tp_exact"], c["gold"])
        ov = _prf(c["pred_hit"], c["pred"], c["gold_hit"], c["gold"])
        print(f"  {t:<36} {c['gold']:>5} {c['pred']:>5} | {ex[0]:>7.3f} {ex[1]:>6.3f} {ex[2]:>6.3f} |"
              f" {ov[0]:>9.3f} {ov[1]:>6.3f} {ov[2]:>6.3f}")
    ex = _prf(total["tp_exact"], total["pred"], total["tp_exact"], total["gold"])
    ov = _prf(total["pred_hit"], total["pred"], total["gold_hit"], total["gold"])
    print(f"  {'micro':<36} {total['gold']:>5} {total['pred']:>5} | {ex[0]:>7.3f} {ex[1]:>6.3f} {ex[2]:>6.3f} |"
          f" {ov[0]:>9.3f} {ov[1]:>6.3f} {ov[2]:>6.3f}")


def predictor(engine: str):
    from railguard import Context
    from railguard_validators.pii import Pii

    v = Pii({"entities": sorted(set(MAPPING.values())), "engine": engine}, stage="input")
    v.setup()
    ctx = Context("input", "pii")
    return lambda text: [(s.start, s.end, s.type) for s in v.validate(text, ctx).spans], v


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--engine", choices=("rules", "spacy", "both"), default="both")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"PII quality: data not found at {args.data}; skipped")
        return
    rows = load(args.data)
    labels = Counter(label for _, spans in rows for _, _, label in spans)
    print(f"PII quality on {args.data.name}: {len(rows)} sentences, {sum(labels.values())} gold spans")
    print("  Presidio -> Bedrock: " + ", ".join(f"{k} -> {v}" for k, v in MAPPING.items()))
    print("  no Bedrock counterpart (not scored): " + "; ".join(f"{k} ({labels[k]}): {why}"
                                                               for k, why in UNMAPPED.items()))
    engines = ["rules", "spacy"] if args.engine == "both" else [args.engine]
    for engine in engines:
        if engine == "spacy":
            from railguard_validators.pii.ner import problem

            issue = problem(None)
            if issue is not None:
                print(f"\nengine spacy: skipped ({issue})")
                continue
        predict, v = predictor(engine)
        print_table(f"engine {v.engine}: span precision / recall / F1 per entity", evaluate(rows, predict))


if __name__ == "__main__":
    main()
