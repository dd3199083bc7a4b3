"""Inputs for the scan tests: a spec that masks and blocks, and records in every format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SPEC = """\
railguard: 1
name: corpus
messages: {blocked_input: "[removed]"}
input:
  - pii: {entities: [EMAIL, CREDIT_DEBIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER], on_fail: mask}
  - regex:
      patterns:
        - {name: SECRET_PROJECT, pattern: '(?i)\\bproject nightingale\\b', action: block}
"""

CARD = "4111 1111 1111 1111"
EMAIL = "jane.roe@example.org"
TEXTS = [
    "Nothing to see here.",
    f"Please charge {CARD} for the order.",
    f"Write to {EMAIL} with questions",
    "Project Nightingale ships next week",
    "",
    "Grüße aus Köln — ünïcödé stays as it is",
    f"two values: {EMAIL} and SSN 123-45-6789",
]


def records(n: int = 60) -> list[dict]:
    return [{"id": f"r{i}", "text": TEXTS[i % len(TEXTS)], "n": i, "score": i / 4, "ok": i % 2 == 0,
             "tags": ["a", str(i)], "meta": {"k": i, "nested": [1, {"x": None}]}} for i in range(n)]


def write_inputs(folder: Path, recs: list[dict]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"jsonl": folder / "chats.jsonl", "csv": folder / "tickets.csv", "parquet": folder / "kb.parquet",
             "text": folder / "notes.txt"}
    paths["jsonl"].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    with open(paths["csv"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text", "n"])
        for r in recs:
            w.writerow([r["id"], r["text"], f"{r['n']:03d}"])
    pq.write_table(pa.Table.from_pylist([{k: r[k] for k in ("id", "text", "n", "score", "ok", "tags")}
                                         for r in recs]), paths["parquet"])
    paths["text"].write_text("".join(r["text"] + "\n" for r in recs if r["text"]), encoding="utf-8")
    return paths


def leaked(text: str) -> bool:
    return CARD in text or EMAIL in text or "123-45-6789" in text or "nightingale" in text.lower()
