"""The pytest plugin: one item per spec case, failures shown as `railguard test` shows them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SPEC = """\
railguard: 1
name: t
input:
  - words: {words: [forbidden], on_fail: block}
tests:
  - {name: greeting, input: Good morning, expect: pass}
  - {name: word blocked, input: the forbidden word, expect: block, fires: [words]}
  - {name: wrong on purpose, input: a forbidden greeting, expect: pass}
"""


def pytest_run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "railguard.pytest_plugin", "-p", "no:cacheprovider",
                           "-rN", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cases_are_items(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "t.yaml").write_text(SPEC)
    (specs / "t.tests.yaml").write_text("tests:\n  - {name: sibling, input: fine, expect: pass}\n")
    (specs / "notes.txt").write_text("not a spec")
    proc = pytest_run(tmp_path, "--railguard-specs", "specs", "-v")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "specs/t.yaml::greeting PASSED" in out and "specs/t.yaml::word blocked PASSED" in out
    assert "specs/t.yaml::t.tests.yaml::sibling PASSED" in out
    assert "specs/t.yaml::wrong on purpose FAILED" in out
    assert "expect: pass    got: block" in out and "words  words" in out
    assert "1 failed, 3 passed" in out
    proc = pytest_run(tmp_path, "--railguard-specs", "specs", "-k", "greeting or sibling")
    assert proc.returncode == 0 and "2 passed, 2 deselected" in proc.stdout, proc.stdout


def test_a_broken_spec_is_a_collection_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(SPEC.replace("expect: pass}", "expect: passs}", 1))
    proc = pytest_run(tmp_path, "--railguard-specs", "bad.yaml")
    assert proc.returncode == 2
    assert "bad.yaml:6:" in proc.stdout and "'passs' is not one of" in proc.stdout


def test_without_the_option_nothing_is_collected(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SPEC)
    proc = pytest_run(tmp_path)
    assert proc.returncode == 5, proc.stdout  # pytest's "no tests collected": spec files are not tests by default
