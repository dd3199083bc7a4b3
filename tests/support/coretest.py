"""Helpers for railguard's core tests (on the pytest pythonpath)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from railguard import Guard, Registry, hookimpl

ROOT = Path(__file__).resolve().parents[2]
ACME_SRC = ROOT / "tests" / "plugins" / "railguard-acme"


def make_registry(*validators: type, actions: tuple = (), autoload: bool = False) -> Registry:
    """A fresh registry with the built-ins plus the given test validators/actions."""

    class TestPlugin:
        __name__ = "test-plugin"

        @hookimpl
        def register_validators(self):
            return list(validators)

        @hookimpl
        def register_actions(self):
            return list(actions)

    return Registry.load(autoload=autoload, extra=[TestPlugin()])


def guard_from(yaml_text: str, *validators: type, actions: tuple = (), **kw: Any) -> Guard:
    return Guard.from_text(yaml_text, registry=make_registry(*validators, actions=actions), **kw)




def run_cli(*args: str, pythonpath: Path | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> SimpleNamespace:
    """Run the real `railguard` command (as `python -m railguard`) in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    if pythonpath is not None:
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), full_env.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "railguard", *args], capture_output=True, text=True,
                          input=stdin, env=full_env, cwd=ROOT)
    return SimpleNamespace(code=proc.returncode, out=proc.stdout, err=proc.stderr)
