"""The layer table of DESIGN.md section 2 holds in code (import-linter contracts in .importlinter).

The contracts are checked on the real package, and on a copy of it with one upward import added,
to show that a lower layer importing a higher one is caught (lazy imports included).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from coretest import ROOT

CONFIG = ROOT / ".importlinter"


def _lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(CONFIG)!r}, no_cache=True, no_logo=True))")
    env = None
    if pythonpath is not None:
        import os

        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pythonpath), os.environ.get("PYTHONPATH", "")])}
    # `python -c` puts the working directory first on sys.path: run where the package to check is.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=pythonpath or ROOT,
                          env=env, timeout=300)


def test_every_contract_is_kept() -> None:
    proc = _lint()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Layers of the design (each imports only the layers below it) KEPT" in proc.stdout
    assert "Contracts: 2 kept, 0 broken." in proc.stdout


def test_the_layer_table_names_the_new_layer_one_and_six_packages() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    layers = text.split("layers =", 1)[1].split("\n[", 1)[0]
    lines = [line.strip() for line in layers.strip().splitlines()]
    assert lines[0].startswith("cli") and lines[-1].startswith("errors : results : hookspecs")
    top = set(lines[0].replace("(", "").replace(")", "").split(" : "))
    assert {"cli", "server", "scan", "testing"} <= top
    layer1 = set(lines[-2].split(" : "))
    assert {"spec", "validator", "actions", "llm", "text", "telemetry", "aws"} <= layer1
    assert "ignore_imports" not in text  # no exceptions to the rule


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    copy = tmp_path / "railguard"
    shutil.copytree(ROOT / "railguard", copy, ignore=shutil.ignore_patterns("__pycache__"))
    results = copy / "results.py"
    # A lazy import, inside a method, as GuardResult.to_bedrock() once had.
    results.write_text(results.read_text(encoding="utf-8") + "\n\ndef _upward():\n"
                       "    from .aws.bedrock_shape import result_to_bedrock\n\n    return result_to_bedrock\n",
                       encoding="utf-8")
    proc = _lint(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "railguard.results is not allowed to import railguard.aws" in proc.stdout
