"""railguard scan on this machine: formats round-trip, workers agree byte for byte, resume, errors."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from railguard.cli import main
from railguard.errors import RailguardError
from railguard.scan import FLAG_FIELD, REPORT_NAME, scan

pa = pytest.importorskip("pyarrow", reason="the scan tests need the scan extra (pyarrow)")
import pyarrow.parquet as pq  # noqa: E402

from scankit import CARD, EMAIL, TEXTS, leaked, records, write_inputs  # noqa: E402


def test_every_format_round_trips_with_values_masked_and_the_rest_untouched(tmp_path, spec):
    recs = records()
    paths = write_inputs(tmp_path / "in", recs)
    report = scan(spec, [str(p) for p in paths.values()], str(tmp_path / "out"), id_field="id", shard_records=7)
    out = tmp_path / "out"

    # JSON lines: records the guard left alone are byte-identical; others differ only in the text.
    src_lines = paths["jsonl"].read_text(encoding="utf-8").splitlines()
    got = [json.loads(line) for line in (out / "chats.jsonl").read_text(encoding="utf-8").splitlines()]
    kept = [r for r in recs if "Nightingale" not in r["text"]]
    assert [g["id"] for g in got] == [r["id"] for r in kept]  # blocked records dropped, order kept
    for g, r in zip(got, kept):
        assert {k: v for k, v in g.items() if k != "text"} == {k: v for k, v in r.items() if k != "text"}
        assert not leaked(g["text"])
    assert got[1]["text"] == "Please charge {CREDIT_DEBIT_CARD_NUMBER} for the order."
    out_lines = (out / "chats.jsonl").read_text(encoding="utf-8").splitlines()
    assert out_lines[0] == src_lines[0] and out_lines[4] == src_lines[5]

    # CSV: strings stay strings ("007" is not turned into 7).
    with open(out / "tickets.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [row["n"] for row in rows] == [f"{r['n']:03d}" for r in kept]
    assert all(not leaked(row["text"]) for row in rows)

    # Parquet: same schema, same column types, only the text changed.
    src_t, out_t = pq.read_table(paths["parquet"]), pq.read_table(out / "kb.parquet")
    assert out_t.schema == src_t.schema and out_t.num_rows == len(kept)
    assert out_t.column("tags").to_pylist() == [r["tags"] for r in kept]
    assert out_t.column("score").to_pylist() == [r["score"] for r in kept]
    assert all(not leaked(t) for t in out_t.column("text").to_pylist())

    # Plain text: a line per record.
    lines = (out / "notes.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == sum(1 for r in recs if r["text"] and "Nightingale" not in r["text"])
    assert all(not leaked(line) for line in lines)

    t = report.total
    assert t.records == 60 * 3 + sum(1 for r in recs if r["text"])
    n_blocked_per_file = sum(1 for r in recs if "Nightingale" in r["text"])
    assert t.blocked == t.dropped == 4 * n_blocked_per_file
    assert t.entity_types["EMAIL"] >= 4 * 2 * sum(1 for r in recs if EMAIL in r["text"]) // 2
    assert t.interventions["regex:block"] == t.blocked
    assert "r3" in t.blocked_ids and "notes.txt:4" in t.blocked_ids
    saved = json.loads((out / REPORT_NAME).read_text())
    assert saved["total"]["blocked"] == t.blocked and saved["engine"] == "local"
    assert not (out / ".railguard-scan").exists()
    # The report never holds a text or a detected value.
    dump = (out / REPORT_NAME).read_text()
    assert EMAIL not in dump and CARD not in dump and "Nightingale" not in dump


def test_two_workers_write_the_same_bytes_as_one(tmp_path, spec):
    paths = write_inputs(tmp_path / "in", records(300))
    inputs = [str(p) for p in paths.values()]
    scan(spec, inputs, str(tmp_path / "one"), shard_records=16, workers=1)
    scan(spec, inputs, str(tmp_path / "two"), shard_records=16, workers=2)
    for p in paths.values():
        assert (tmp_path / "one" / p.name).read_bytes() == (tmp_path / "two" / p.name).read_bytes(), p.name


@pytest.mark.parametrize("on_block", ["keep", "flag"])
def test_on_block_keep_and_flag(tmp_path, spec, on_block):
    recs = records(14)
    paths = write_inputs(tmp_path / "in", recs)
    scan(spec, [str(paths["jsonl"]), str(paths["csv"]), str(paths["parquet"])], str(tmp_path / "out"),
         on_block=on_block)
    got = [json.loads(x) for x in (tmp_path / "out" / "chats.jsonl").read_text().splitlines()]
    assert len(got) == len(recs)
    blocked = [g for g, r in zip(got, recs) if "Nightingale" in r["text"]]
    assert len(blocked) == 2
    if on_block == "keep":
        assert all(g["text"] == "[removed]" for g in blocked)
        assert all(FLAG_FIELD not in g for g in got)
    else:
        assert all(g[FLAG_FIELD] is True and "Nightingale" in g["text"] for g in blocked)
        assert sum(g[FLAG_FIELD] for g in got) == 2
        # Flagging never releases what a mask would have hidden.
        assert all(not leaked(g["text"]) for g in got if not g[FLAG_FIELD])
        table = pq.read_table(tmp_path / "out" / "kb.parquet")
        assert table.schema.field(FLAG_FIELD).type == pa.bool_()
        assert sum(table.column(FLAG_FIELD).to_pylist()) == 2
        with open(tmp_path / "out" / "tickets.csv", newline="") as f:
            assert sum(row[FLAG_FIELD] == "true" for row in csv.DictReader(f)) == 2


def test_unreadable_lines_and_odd_values_are_never_passed_through(tmp_path, spec):
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join([
        json.dumps({"text": f"mail {EMAIL}"}),
        '{"text": "truncated',
        json.dumps({"text": {"nested": f"{EMAIL}"}}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"other": "no text field"}),
        json.dumps({"text": None}),
    ]) + "\n")
    report = scan(spec, [str(src)], str(tmp_path / "out"), on_block="keep")
    out = (tmp_path / "out" / "mixed.jsonl").read_text()
    assert EMAIL not in out and "truncated" not in out
    assert report.total.unreadable == 3 and report.total.without_text == 2
    assert out.count("[removed]") == 3


def test_crlf_and_bom_and_no_final_newline(tmp_path, spec):
    src = tmp_path / "win.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + b'{"text": "ok"}\r\n{"text": "mail ' + EMAIL.encode() + b'"}\r\n{"text": "end"}')
    scan(spec, [str(src)], str(tmp_path / "out"))
    data = (tmp_path / "out" / "win.jsonl").read_bytes()
    assert data == b'{"text": "ok"}\r\n{"text": "mail {EMAIL}"}\r\n{"text": "end"}\n'


def test_bad_inputs_are_clear_errors(tmp_path, spec):
    recs = records(3)
    paths = write_inputs(tmp_path / "in", recs)
    with pytest.raises(RailguardError, match="no column 'body'"):
        scan(spec, [str(paths["csv"])], str(tmp_path / "o1"), text_field="body")
    with pytest.raises(RailguardError, match="no column 'body'"):
        scan(spec, [str(paths["parquet"])], str(tmp_path / "o2"), text_field="body")
    with pytest.raises(RailguardError, match="plain text has no column to flag"):
        scan(spec, [str(paths["text"])], str(tmp_path / "o3"), on_block="flag")
    with pytest.raises(RailguardError, match="cannot tell the format"):
        scan(spec, [str(tmp_path / "corpus.yaml")], str(tmp_path / "o4"))
    with pytest.raises(RailguardError, match="no such file"):
        scan(spec, [str(tmp_path / "missing.jsonl")], str(tmp_path / "o5"))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "a"}\n{"text": "\xff\xfe"}\n')
    with pytest.raises(RailguardError, match=r"bad.jsonl:2: not valid UTF-8"):
        scan(spec, [str(bad)], str(tmp_path / "o6"))
    twin = tmp_path / "other"
    twin.mkdir()
    (twin / "chats.jsonl").write_text('{"text": "x"}\n')
    with pytest.raises(RailguardError, match="same output file 'chats.jsonl'"):
        scan(spec, [str(paths["jsonl"]), str(twin / "chats.jsonl")], str(tmp_path / "o7"))


def test_cli_scan_exit_status_and_json(tmp_path, spec, capsys):
    paths = write_inputs(tmp_path / "in", records(21))
    status = main(["scan", spec, str(paths["jsonl"]), "--out", str(tmp_path / "out"), "--json",
                   "--id-field", "id"])
    report = json.loads(capsys.readouterr().out)
    assert status == 2 and report["total"]["blocked"] == 3 and report["total"]["records"] == 21
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"text": "hello"}\n')
    assert main(["scan", spec, str(clean), "--out", str(tmp_path / "out2")]) == 0
    assert "scanned 1 records" in capsys.readouterr().out
    assert main(["scan", spec, str(clean), "--out", str(tmp_path / "out3"), "--text-field", "x",
                 "--format", "csv"]) == 1
    assert "error:" in capsys.readouterr().err


def test_a_folder_input_scans_its_files_in_name_order(tmp_path, spec):
    paths = write_inputs(tmp_path / "in", records(7))
    report = scan(spec, [str(tmp_path / "in")], str(tmp_path / "out"))
    assert [Path(i).name for i, _, _ in report.inputs] == sorted(p.name for p in paths.values())


def _parts(out: Path) -> int:
    state = out / ".railguard-scan"
    return len(list(state.glob("*/*.json"))) if state.exists() else 0


def test_resume_after_a_killed_run_gives_the_same_output(tmp_path, spec):
    recs = records(1500)
    src = tmp_path / "big.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    scan(spec, [str(src)], str(tmp_path / "clean"), shard_records=25)

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "railguard", "scan", spec, str(src), "--out", str(out), "--shard-records", "25",
           "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _parts(out) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done_before = _parts(out)
    assert done_before >= 3, "the scan finished before it could be killed; grow the input"
    assert not (out / "big.jsonl").exists()

    with pytest.raises(RailguardError, match="--resume"):
        scan(spec, [str(src)], str(out), shard_records=25)
    with pytest.raises(RailguardError, match="shard records differ"):
        scan(spec, [str(src)], str(out), shard_records=50, resume=True)
    report = scan(spec, [str(src)], str(out), shard_records=25, resume=True)
    assert (out / "big.jsonl").read_bytes() == (tmp_path / "clean" / "big.jsonl").read_bytes()
    assert report.total.records == 1500
    assert not (out / ".railguard-scan").exists()
    with pytest.raises(RailguardError, match="nothing to resume"):
        scan(spec, [str(src)], str(out), shard_records=25, resume=True)


def test_interrupt_keeps_written_shards(tmp_path, spec):
    """Ctrl-C (SIGINT) ends the scan with a message; a --resume run finishes it."""
    src = tmp_path / "big.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records(1500)))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "railguard", "scan", spec, str(src), "--out", str(out), "--shard-records", "25",
           "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _parts(out) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the scan finished before it could be interrupted; grow the input"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err
    assert _parts(out) >= 2 and not (out / "big.jsonl").exists()
    scan(spec, [str(src)], str(out), shard_records=25, resume=True)
    assert len((out / "big.jsonl").read_text().splitlines()) == 1500 - sum(
        1 for r in records(1500) if "Nightingale" in r["text"])


def test_validate_batch_equals_validate_and_batches_prepare(tmp_path, spec):
    from railguard import Guard

    guard = Guard.from_file(spec)
    texts = TEXTS * 5
    batch = guard.validate_batch(texts, "input", batch_size=8)
    assert [r.output for r in batch] == [guard.validate(t).output for t in texts]
    assert [r.blocked for r in batch] == [guard.validate(t).blocked for t in texts]
    with pytest.raises(RailguardError, match=r"texts\[1\] must be a str"):
        guard.validate_batch(["a", 3])


def test_guard_frames_for_spark_map_in_pandas(tmp_path, spec):
    pd = pytest.importorskip("pandas")
    from railguard.scan.ray_data import GuardFrames

    frame = pd.DataFrame({"text": TEXTS, "n": range(len(TEXTS))})
    out = list(GuardFrames(spec, on_block="flag")(iter([frame, frame.iloc[:2]])))
    assert len(out) == 2 and list(out[0].columns) == ["text", "n", FLAG_FIELD]
    assert out[0][FLAG_FIELD].sum() == 1 and not any(leaked(t) for t in out[0].text[~out[0][FLAG_FIELD]])
    dropped = list(GuardFrames(spec)(iter([frame])))[0]
    assert len(dropped) == len(TEXTS) - 1 and list(dropped.n) == [0, 1, 2, 4, 5, 6]


@pytest.fixture(autouse=True)
def _no_ci_progress(monkeypatch):
    monkeypatch.setenv("CI", os.environ.get("CI", "1"))


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    import re

    from readme import README

    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Scanning corpora\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "railguard.scan import scan" in example
    (tmp_path / "specs").symlink_to(README.parent / "specs")
    (tmp_path / "chats.jsonl").write_text(json.dumps({"text": f"my card is {CARD}"}) + "\n"
                                          + json.dumps({"text": "What are your opening hours?"}) + "\n")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    records_, blocked, _ = capsys.readouterr().out.split()
    assert (records_, blocked) == ("2", "0")
    out = (tmp_path / "clean" / "chats.jsonl").read_text()
    assert CARD not in out and "opening hours" in out
