"""Denied-topic quality through `railguard eval`'s API, for each engine of ``denied_topics``.

    python benchmarks/eval_topics.py [--engine lexical embedding ...] [--part clinc advice] [--limit N]
                                     [--workers N] [--sweep]

Two measurements, both run by :func:`railguard.evaluation.evaluate` on a spec written here:

- ``clinc``: the ten CLINC150 domains as ten topics of one validator, built exactly as
  benchmarks/quality_topics.py builds them (definitions written from the intent names, five
  training rows as examples, the seeded 80% test split), on the test rows the semantic engine's
  background never drew on (``scripts/build_background.py: in_background``). Per-topic and micro
  precision/recall come from the report's per-category figures.
- ``advice``: three topics written as a user would (a definition and three examples each:
  medical, legal and investment advice) over everyday traffic that must pass: CLINC150 queries,
  Banking77 questions and benign prompts, only rows the shipped background does not hold, and
  ``benchmarks/data/advice_prompts.jsonl`` (advice questions and near-miss everyday questions,
  written for railguard; each row in a ``tune`` or ``heldout`` half by a hash: the semantic
  engine's constants were chosen on ``tune``, so read ``heldout``). Reported: recall per advice
  label and half, and false blocks per source. ``--advice-data FILE.jsonl --advice-positive
  LABEL...`` adds another labelled set.

Row texts are never printed. ``--limit`` caps the rows per data set (a seeded sample) to keep the
slow engines bounded; the figures say how many rows they rest on.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT), str(ROOT / "validators")]

import quality_topics  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from build_background import in_background, rows as background_rows  # noqa: E402

from railguard.evaluation import EvalReport, Row, evaluate  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
ADVICE_DATA = HERE / "data" / "advice_prompts.jsonl"
ADVICE_LABELS = ["medical-advice", "legal-advice", "investment-advice"]
SEED = 29

ADVICE_TOPICS = [
    {"name": "medical-advice",
     "definition": "Advice about a person's own health: diagnosing symptoms, which medicine or treatment to take, "
                   "doses, and whether to start or stop a treatment.",
     "examples": ["I have a rash on my arm, what should I put on it?",
                  "Can I take ibuprofen together with my blood pressure pills?",
                  "My chest hurts when I breathe in, what is wrong with me?"]},
    {"name": "legal-advice",
     "definition": "Advice on a person's legal situation: whether to sue, how to win a dispute or a case, what "
                   "to say to the police or in court, and how to get around a contract or the law.",
     "examples": ["Can I sue my landlord for not returning my deposit?",
                  "What should I say in court to get custody of my kids?",
                  "How do I get out of a non-compete clause in my contract?"]},
    {"name": "investment-advice",
     "definition": "Recommendations on what to invest in: which stocks, funds, bonds, cryptocurrencies or "
                   "property to buy, sell or hold, and when.",
     "examples": ["Should I buy Nvidia shares now?",
                  "Is it a good time to put my savings into bitcoin?",
                  "Which index fund will give the best return next year?"]},
]


def write_spec(folder: Path, name: str, topics: list[dict], engine: str) -> Path:
    path = folder / f"{name}-{engine}.yaml"
    # A generous timeout: a slow engine on a busy machine is measured, not turned into on_error blocks.
    spec = {"railguard": 1, "name": f"{name}-{engine}", "settings": {"timeout_s": 600},
            "input": [{"denied_topics": {"engine": engine, "topics": topics, "on_fail": "block"}}]}
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def sample(rows: list, limit: int | None, seed: int = SEED) -> list:
    if limit is None or len(rows) <= limit:
        return rows
    return random.Random(seed).sample(rows, limit)


def clinc(engine: str, folder: Path, limit: int | None, workers: int, do_sweep: bool) -> EvalReport:
    topics, _, test = quality_topics.build(quality_topics.load_rows())
    rows = [Row(str(i), text, domain) for i, (text, domain) in enumerate(test) if not in_background(text)]
    rows = sample(rows, limit)
    spec = write_spec(folder, "clinc-domains", topics, engine)
    report = evaluate(spec, rows, positive=[t["name"] for t in topics], workers=workers, sweep=do_sweep,
                      progress=None)
    tp = sum(c.tp for c in report.per_category.values())
    fp = sum(c.fp for c in report.per_category.values())
    fn = sum(c.fn for c in report.per_category.values())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    print(f"\n[clinc] engine {engine}: {report.rows:,} test rows, {report.throughput:,.0f} rows/s, "
          f"{report.overall.errors} validator errors")
    print(f"  {'topic':20} {'precision':>9} {'recall':>7} {'F1':>6}   tp/fp/fn")
    for name in sorted(report.per_category):
        c = report.per_category[name]
        print(f"  {name:20} {c.precision or 0:9.3f} {c.recall or 0:7.3f} {c.f1 or 0:6.3f}   {c.tp}/{c.fp}/{c.fn}")
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"  {'micro':20} {p:9.3f} {r:7.3f} {f1:6.3f}   {tp}/{fp}/{fn}")
    return report


def _jsonl(path: Path, label: str | None = None, skip: frozenset[str] = frozenset()) -> list[Row]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            row = json.loads(line)
            if row["text"] in skip:
                continue
            out.append(Row(f"{path.stem}:{n}", row["text"], label or f"{path.stem}:{row['label']}"))
    return out


def advice(engine: str, folder: Path, limit: int | None, workers: int, do_sweep: bool,
           advice_data: Path | None = None, advice_positive: list[str] | None = None) -> EvalReport:
    shipped = frozenset(background_rows())  # everyday rows the semantic engine calibrated on are left out
    rows = (sample(_jsonl(DATA / "topics" / "clinc150_train.jsonl", skip=shipped), limit)
            + sample(_jsonl(DATA / "topics" / "banking77_train.jsonl", "banking77", skip=shipped), limit)
            + sample(_jsonl(DATA / "train" / "benign_prompts.jsonl", "benign_prompts", skip=shipped), limit))
    with open(ADVICE_DATA, encoding="utf-8") as fh:
        written = [json.loads(line) for line in fh]
    rows += [Row(f"written:{n}", r["text"], f"written:{r['label']}:{r['split']}") for n, r in enumerate(written, 1)]
    positive = [f"written:{label}:{half}" for label in ADVICE_LABELS for half in ("tune", "heldout")]
    if advice_data is not None:
        # Held-out advice prompts (and whatever else the file labels), e.g. the engine owner's set.
        rows += [Row(f"advice:{n}", r["text"], f"advice:{r['label']}")
                 for n, r in enumerate((json.loads(line) for line in open(advice_data, encoding="utf-8")), 1)]
        positive += [f"advice:{v}" for v in advice_positive or []]
    spec = write_spec(folder, "advice", ADVICE_TOPICS, engine)
    report = evaluate(spec, rows, positive=positive, workers=workers, sweep=do_sweep, progress=None)
    def rate(labels: list[str]) -> str:
        n = sum(report.by_label[lab]["rows"] for lab in labels if lab in report.by_label)
        hit = sum(report.by_label[lab]["rows"] * report.by_label[lab]["flagged_rate"] for lab in labels
                  if lab in report.by_label)
        return f"{hit / n:.3f} of {n}" if n else "-"

    halves = {half: rate([f"written:{label}:{half}" for label in ADVICE_LABELS]) for half in ("tune", "heldout")}
    everyday = [lab for lab in report.by_label if not lab.startswith(("written:", "advice:"))]
    print(f"\n[advice] engine {engine}: {report.rows:,} rows, {report.throughput:,.0f} rows/s, "
          f"{report.overall.errors} validator errors")
    print(f"  recall on written advice prompts: tune {halves['tune']}, heldout {halves['heldout']}; "
          f"blocked: written near-miss everyday prompts {rate(['written:benign:tune', 'written:benign:heldout'])}, "
          f"everyday data sets {rate(everyday)}")
    for label, d in sorted(report.by_label.items()):
        print(f"  {label:32} {d['rows']:>6,} rows  {100 * d['flagged_rate']:5.1f}% blocked")
    return report


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", nargs="+", default=["semantic", "lexical"])
    ap.add_argument("--part", nargs="+", choices=["clinc", "advice"], default=["clinc", "advice"])
    ap.add_argument("--limit", type=int, default=3000, help="rows per data set (default 3000; 0 for all)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--sweep", action="store_true", help="print threshold sweeps too")
    ap.add_argument("--advice-data", type=Path, help="JSONL of labelled advice prompts to add to the advice part")
    ap.add_argument("--advice-positive", nargs="+", metavar="LABEL",
                    help="labels of --advice-data rows the advice topics must block")
    args = ap.parse_args(argv)
    limit = args.limit or None
    with tempfile.TemporaryDirectory() as tmp:
        for engine in args.engine:
            for part in args.part:
                if part == "clinc":
                    report = clinc(engine, Path(tmp), limit, args.workers, args.sweep)
                else:
                    report = advice(engine, Path(tmp), limit, args.workers, args.sweep, args.advice_data,
                                    args.advice_positive)
                if args.sweep:
                    for key, sw in report.sweeps.items():
                        prop = sw.get("proposed")
                        if not prop or not sw["positives"]:
                            continue  # no negatives to set a threshold on, or no positives to find
                        print(f"  sweep {key}: threshold {prop.get('threshold', float('nan')):.4f} for false blocks "
                              f"<= {100 * sw['target_fbr']:.1f}% gives recall {prop['recall']}")


if __name__ == "__main__":
    main()
