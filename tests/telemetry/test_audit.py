"""The audit log (keyed hashes, never values) and `railguard stats` over it."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest

from railguard import RailguardError, telemetry
from railguard.cli.stats import parse_time, summarise

from coretest import guard_from, run_cli
from fakes import ALL

SPEC = """railguard: 1
name: desk
input:
  - pii: {entities: [EMAIL], on_fail: mask}
  - find: {find: [emu], on_fail: block, mode: monitor}
"""


def expected_hash(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.casefold().encode(), hashlib.sha256).hexdigest()


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_record_per_verdict_with_keyed_hashes(tmp_path, audit_key) -> None:
    log = tmp_path / "audit.jsonl"
    telemetry.configure(audit=str(log))
    g = guard_from(SPEC, *ALL)
    text = "mail jane.doe@example.com about the emu"
    r = g.validate(text)
    assert r.output == "mail {EMAIL} about the emu"
    g.validate("again: Jane.Doe@Example.com")  # the same address, other case
    g.validate("nothing to see")  # no verdict, no record
    recs = records(log)
    assert len(recs) == 3
    pii, emu, again = recs
    assert pii["guard"] == "desk" and pii["spec_hash"] == g.graph.spec_hash and pii["call"] == "validate"
    assert (pii["stage"], pii["validator"], pii["mode"], pii["action"]) == ("input", "pii", "enforce", "mask")
    assert pii["entity_types"] == ["EMAIL"]
    (span,) = pii["spans"]
    assert (span["start"], span["end"]) == (5, 25) and span["type"] == "EMAIL"
    assert span["hmac"] == expected_hash(audit_key, "jane.doe@example.com")
    assert again["spans"][0]["hmac"] == span["hmac"]  # repeated leaks correlate
    assert (emu["mode"], emu["action"], emu["would_action"]) == ("monitor", "none", "block")
    assert emu["call_id"] == pii["call_id"] != again["call_id"]
    raw = log.read_text()
    assert "jane" not in raw.lower() and "emu" not in raw.replace('"emu"', "")


def test_a_full_width_variant_hashes_alike(tmp_path, audit_key) -> None:
    log = tmp_path / "audit.jsonl"
    telemetry.configure(audit=str(log))
    g = guard_from("railguard: 1\nname: w\ninput:\n  - find: {find: ['ＡＢＣ123', 'abc123'], type: CODE}\n", *ALL)
    g.validate("code ＡＢＣ123 and abc123")
    (rec,) = records(log)
    a, b = rec["spans"]
    assert a["hmac"] == b["hmac"]  # NFKC and case folding before hashing


def test_without_a_key_the_audit_log_refuses_to_start(monkeypatch) -> None:
    monkeypatch.delenv("RAILGUARD_AUDIT_KEY", raising=False)
    with pytest.raises(RailguardError, match="RAILGUARD_AUDIT_KEY is not set"):
        telemetry.configure(audit="audit.jsonl")
    monkeypatch.setenv("RAILGUARD_AUDIT_KEY", "short")
    with pytest.raises(RailguardError, match="holds 5 bytes"):
        telemetry.configure(audit="audit.jsonl")
    assert telemetry.current() is None
    log = telemetry.AuditLog(logging.getLogger("x"), hash_values=False)
    assert log.hasher is None


def test_audit_to_python_logging(caplog, audit_key) -> None:
    caplog.set_level(logging.INFO, logger="railguard.audit")
    telemetry.configure(audit=logging.getLogger("railguard.audit"))
    guard_from(SPEC, *ALL).validate("write to a.b@example.org")
    (msg,) = [r.getMessage() for r in caplog.records if r.name == "railguard.audit"]
    rec = json.loads(msg)
    assert rec["validator"] == "pii" and "example.org" not in msg


def test_stats_counts_per_validator_action_and_entity_type(tmp_path, audit_key) -> None:
    log = tmp_path / "audit.jsonl"
    telemetry.configure(audit=str(log))
    g = guard_from(SPEC, *ALL)
    for text in ("a@example.com", "b@example.com and an emu", "an emu", "c@example.com d@example.com"):
        g.validate(text)
    telemetry.disable()
    old = {"v": 1, "time": "2020-01-01T00:00:00.000Z", "call_id": "x", "guard": "desk", "spec_hash": "h",
           "call": "validate", "stage": "input", "validator": "pii", "validator_name": "pii", "mode": "enforce",
           "action": "block", "would_action": None, "error": None, "entity_types": ["PHONE"], "categories": [],
           "score": None, "spans": [], "reask_round": 0}
    with log.open("a") as fh:
        fh.write(json.dumps(old) + "\n")
        fh.write("INFO:railguard.audit:" + json.dumps({**old, "time": "2020-01-02T00:00:00Z"}) + "\n")
        fh.write("{not json\n")
    res = run_cli("stats", str(log), "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["records"] == 7 and out["malformed"] == {"count": 1, "first": f"{log}:8"}
    rows = {(r["validator"], r["action"], r["mode"]): r["count"] for r in out["by_validator"]}
    assert rows == {("pii", "mask", "enforce"): 3, ("find", "block", "monitor"): 2, ("pii", "block", "enforce"): 2}
    types = {(r["entity_type"], r["mode"]): r["count"] for r in out["by_entity_type"]}
    assert types == {("EMAIL", "enforce"): 4, ("PHONE", "enforce"): 2, ("EMU", "monitor"): 2}
    assert "skipped 1 line" in res.err
    recent = run_cli("stats", str(log), "--since", "1h", "--json")
    assert json.loads(recent.out)["records"] == 5
    window = run_cli("stats", str(log), "--since", "2020-01-01T12:00Z", "--until", "2020-01-03")
    assert window.code == 0 and window.out.startswith("1 intervention record(s)")
    text = run_cli("stats", str(log))
    assert "would block (monitor)" in text.out and "per entity type:" in text.out


def test_stats_rejects_bad_times_and_missing_files(tmp_path) -> None:
    res = run_cli("stats", str(tmp_path / "none.jsonl"))
    assert res.code == 1 and "cannot read" in res.err and "Traceback" not in res.err
    (tmp_path / "a.jsonl").write_text("")
    res = run_cli("stats", str(tmp_path / "a.jsonl"), "--since", "yesterday")
    assert res.code == 1 and "--since 'yesterday' is not a time" in res.err
    res = run_cli("stats", str(tmp_path / "a.jsonl"), "--since", "1h", "--until", "2h")
    assert res.code == 1 and "is not before" in res.err


def test_parse_time_forms() -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc)
    assert parse_time("30m", now) == datetime(2026, 12, 4, 17, 30, tzinfo=timezone.utc)
    assert parse_time("2026-12-04", now) == datetime(2026, 12, 4, tzinfo=timezone.utc)
    assert parse_time("2026-12-04T19:00+01:00", now) == now
    assert summarise([])["records"] == 0
