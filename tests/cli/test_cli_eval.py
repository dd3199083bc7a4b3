"""`railguard eval`: figures computed by hand on small labelled files, every format, errors, workers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from railguard.cli import main
from railguard.evaluation import Row, evaluate
from railguard.evaluation.metrics import percentile, propose_threshold, sweep

SPEC = """\
railguard: 1
name: e
input:
  - words: {id: refunds, words: [refund, chargeback], on_fail: block}
  - pii: {id: contact, entities: [EMAIL], on_fail: mask}
  - words: {id: watch, words: [lawyer], on_fail: block, mode: monitor}
"""

# (text, label): label "bad" rows should be acted on.
ROWS = [
    ("I want a refund now", "bad"),             # words: tp
    ("chargeback please", "bad"),               # words: tp
    ("mail me at ann@example.com", "bad"),      # contact masks: tp (overall)
    ("hello there", "bad"),                     # missed: fn
    ("my refund policy question", "good"),      # words: fp
    ("what time is it", "good"),                # tn
    ("nice weather today", "good"),             # tn
    ("call my lawyer", "good"),                 # monitor entry: would block -> fp overall
]


@pytest.fixture()
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "e.yaml"
    path.write_text(SPEC)
    return path


def write_jsonl(path: Path, rows: list[tuple[str, object]], **extra: object) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i, (text, label) in enumerate(rows):
            fh.write(json.dumps({"id": f"r{i}", "text": text, "label": label, **extra}) + "\n")
    return path


def test_figures_match_a_hand_count(spec: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", ROWS)
    r = evaluate(spec, data, positive=["bad"])
    o = r.overall
    assert (o.tp, o.fp, o.fn, o.tn) == (3, 2, 1, 2)
    assert o.precision == pytest.approx(3 / 5) and o.recall == pytest.approx(3 / 4)
    assert o.false_block_rate == pytest.approx(2 / 4) and o.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    w = r.entries["refunds"]
    assert (w.tp, w.fp, w.fn, w.tn) == (2, 1, 2, 3)
    assert (r.entries["contact"].tp, r.entries["contact"].fp) == (1, 0)
    assert (r.entries["watch"].tp, r.entries["watch"].fp) == (0, 1)  # monitored verdicts count as flags
    assert r.by_label["bad"] == {"rows": 4, "flagged": 3, "flagged_rate": 0.75, "positive": True}
    assert r.by_label["good"]["flagged_rate"] == 0.5 and r.by_label["good"]["positive"] is False
    assert r.rows == 8 and r.unlabelled == 0 and r.throughput and r.throughput > 0
    assert set(r.latency_ms) == {"(guard)", "refunds", "contact", "watch"}
    assert all(v["p50"] is not None and v["p99"] >= v["p50"] for v in r.latency_ms.values())


def test_cli_text_and_json(spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", ROWS)
    assert main(["eval", str(spec), str(data), "--positive", "bad"]) == 0
    out = capsys.readouterr().out
    assert "overall (guard)" in out and "0.600   0.750" in out and "3/2/1/2" in out
    assert "refunds (words)" in out and "throughput:" in out and "p99" in out
    assert "chargeback" not in out and "ann@example.com" not in out  # no row text in reports
    assert main(["eval", str(spec), str(data), "--positive", "bad", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["false_block_rate"] == 0.5 and report["entries"]["watch"]["validator"] == "words"
    assert report["by_label"]["bad"]["flagged"] == 3


def test_csv_and_parquet_give_the_same_figures(spec: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    with open(tmp_path / "d.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(ROWS)
    pq.write_table(pa.table({"text": [t for t, _ in ROWS], "label": [lab for _, lab in ROWS]}), tmp_path / "d.parquet")
    base = evaluate(spec, write_jsonl(tmp_path / "d.jsonl", ROWS), positive=["bad"]).overall.to_dict()
    assert evaluate(spec, tmp_path / "d.csv", positive=["bad"]).overall.to_dict() == base
    assert evaluate(spec, tmp_path / "d.parquet", positive=["bad"]).overall.to_dict() == base


def test_boolean_and_list_labels(spec: Path, tmp_path: Path) -> None:
    rows = [(t, lab == "bad") for t, lab in ROWS]
    assert evaluate(spec, write_jsonl(tmp_path / "b.jsonl", rows)).overall.recall == pytest.approx(0.75)
    rows = [(t, ["x", "bad"] if lab == "bad" else ["x"]) for t, lab in ROWS]
    assert evaluate(spec, write_jsonl(tmp_path / "l.jsonl", rows), positive=["bad"]).overall.tp == 3


@pytest.mark.parametrize("content,args,fragment", [
    ('{"text": "a", "label": "x"}\n{"text": 5, "label": "x"}\n', ["--positive", "x"], "d.jsonl:2: 'text' is int"),
    ('{"text": "a", "label": "x"}\n{"body": "b"}\n', ["--positive", "x"], "d.jsonl:2: no 'text' field"),
    ('{"text": "a", "label": "x"}\n{bad json\n', ["--positive", "x"], "d.jsonl:2: not valid JSON"),
    ('{"text": "a", "label": "spam"}\n', [], "label 'spam' is neither a boolean nor one of the positive values"),
    ('{"text": "a", "label": true}\n', ["--workers", "0"], "--workers must be at least 1"),
    ('{"text": "a", "label": true}\n', ["--source", "output"], "no output stage"),
])
def test_bad_data_is_a_clear_error(spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                   args: list[str], fragment: str) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(content)
    assert main(["eval", str(spec), str(data), *args]) == 1
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_unknown_suffix_and_missing_file(spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.txt").write_text("x")
    assert main(["eval", str(spec), str(tmp_path / "d.txt")]) == 1
    assert "cannot tell the format from the suffix '.txt'" in capsys.readouterr().err
    assert main(["eval", str(spec), str(tmp_path / "none.jsonl")]) == 1
    assert "none.jsonl: no such file" in capsys.readouterr().err


def test_workers_give_the_same_records(spec: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", ROWS * 10)
    one = evaluate(spec, data, positive=["bad"], chunk_size=7)
    two = evaluate(spec, data, positive=["bad"], chunk_size=7, workers=2)
    assert one.overall.to_dict() == two.overall.to_dict()
    assert {k: c.to_dict() for k, c in one.entries.items()} == {k: c.to_dict() for k, c in two.entries.items()}
    assert one.by_label == two.by_label and two.workers == 2


def test_confusion_per_category_and_sweep() -> None:
    from railguard import Guard

    guard = Guard.from_text("""\
railguard: 1
name: topics
input:
  - denied_topics:
      engine: lexical
      topics:
        - {name: pets, definition: Questions about dogs and cats and their food., examples: [What should my dog eat?]}
        - {name: cars, definition: 'Questions about cars, engines and tyres.', examples: [How do I change a tyre?]}
""")
    rows = [Row(str(i), t, lab) for i, (t, lab) in enumerate([
        ("what food should my cat eat", "pets"), ("is my dog too fat", "pets"), ("my dog eats cats food", "pets"),
        ("how do I change the engine oil in my car", "cars"), ("my car tyres are flat", "cars"),
        ("what is the capital of France", "other"), ("tell me a joke", "other")])]
    r = evaluate(guard, rows, positive=["pets", "cars"], sweep=True, target_fbr=0.0)
    assert set(r.confusion) == {"pets", "cars", "other"}
    assert sum(r.confusion["pets"].values()) >= 3
    for cat, c in r.per_category.items():  # a row of the topic's own label is its positive
        assert cat in ("pets", "cars") and c.tp + c.fn == (3 if cat == "pets" else 2)
    assert "denied_topics" in r.sweeps and "denied_topics:pets" in r.sweeps
    sw = r.sweeps["denied_topics:pets"]
    assert sw["positives"] == 3 and sw["negatives"] == 4
    assert sw["proposed"]["false_block_rate"] == 0.0
    assert [x["threshold"] for x in sw["rows"]] == sorted(x["threshold"] for x in sw["rows"])
    assert all(a["recall"] >= b["recall"] for a, b in zip(sw["rows"], sw["rows"][1:]))


def test_threshold_arithmetic() -> None:
    neg = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    t = propose_threshold(neg, 0.1)  # one false block of ten allowed: flag only 0.95
    assert 0.9 < t <= 0.95
    t = propose_threshold(neg, 0.0)
    assert t > 0.95
    assert propose_threshold([0.5, 0.5, 0.5, 0.1], 0.5) > 0.5  # ties cannot be split
    s = sweep([0.9, 0.8, 0.2], neg, 0.1)
    assert s["proposed"]["recall"] == pytest.approx(0.0) and s["proposed"]["false_block_rate"] == 0.1
    assert s["rows"][0] == {"threshold": 0.1, "recall": 1.0, "false_block_rate": 1.0}
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0 and percentile([1.0] * 99 + [50.0], 99) == 1.0
    assert percentile([], 50) is None


def test_state_stays_bounded_however_many_rows() -> None:
    """Scores and latencies are histograms: a million rows cost no more memory than a thousand."""
    import random

    from railguard.evaluation.aggregate import Accumulator
    from railguard.evaluation.records import Record, Verdict

    rng = random.Random(7)
    acc = Accumulator(["bad"], do_sweep=True)
    for i in range(30_000):
        label = "bad" if i % 3 == 0 else "good"
        score = rng.random()
        v = Verdict("t", "denied_topics", score > 0.5, False, score, (("bad", score),), ("bad",) if score > 0.5 else (),
                    rng.uniform(0.01, 50))
        acc.add(Record(str(i), label, score > 0.5, score > 0.5, rng.uniform(0.01, 50), (v,)))
    assert len(acc.scores["t"][0]) + len(acc.scores["t"][1]) <= 2 * 10_001
    assert len(acc.latency["(guard)"].bins) < 1_000  # 1% bins from 0.01 to 50 ms
    lat = acc.latency_ms()["(guard)"]
    assert 24 < lat["p50"] < 26.5 and 48.5 < lat["p99"] < 50.6
    sw = acc.sweeps()["t"]
    assert sw["positives"] == 10_000 and sw["negatives"] == 20_000
    assert sw["proposed"]["false_block_rate"] <= 0.01 and 0.98 < sw["proposed"]["threshold"] < 1.0
    assert acc.per_category()["bad"].tp + acc.per_category()["bad"].fn == 10_000
