"""The railguard command turns on the sinks its environment names (and only then imports telemetry)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BANK = str(Path(__file__).resolve().parents[2] / "specs" / "bank-support.yaml")
CARD = "4111 1111 1111 1111"


def run(env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")} | env
    return subprocess.run([sys.executable, "-m", "railguard", "validate", BANK, "--text", f"card {CARD}"],
                          capture_output=True, text=True, env=full, timeout=120)


def test_audit_log_from_the_environment(tmp_path):
    log = tmp_path / "audit.jsonl"
    proc = run({"RAILGUARD_AUDIT_LOG": str(log), "RAILGUARD_AUDIT_KEY": "k" * 32})
    assert proc.returncode == 2, proc.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records and records[0]["guard"] == "bank-support" and records[0]["action"] == "mask"
    assert CARD not in log.read_text() and "4111" not in log.read_text()


def test_no_telemetry_variables_no_sink(tmp_path):
    proc = run({})
    assert proc.returncode == 2 and not list(tmp_path.iterdir())
    short_key = run({"RAILGUARD_AUDIT_LOG": str(tmp_path / "a.jsonl"), "RAILGUARD_AUDIT_KEY": "short"})
    assert short_key.returncode == 1 and "error:" in short_key.stderr and "Traceback" not in short_key.stderr
