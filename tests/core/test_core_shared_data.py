"""Without the shared data next to the clone, only the tests that read it are skipped, each saying why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from coretest import ROOT


def test_missing_shared_data_skips_with_a_reason_instead_of_failing_collection(tmp_path: Path) -> None:
    env = {**os.environ, "RAILGUARD_SHARED_DATA": str(tmp_path / "nowhere")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/llama_guard/test_llama_guard_verdict.py", "tests/core/test_core_spec_rail.py",
                           "-k", "verdict or dialect"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "error" not in out.lower().split("short test summary")[0], out
    missing = tmp_path / "nowhere" / "llama_guard" / "output_parses.json"
    assert f"needs the shared data file {missing}, which is not there" in out
    assert f"needs the shared data file {tmp_path / 'nowhere' / 'rail_corpus' / 'ut__simple.rail'}" in out
