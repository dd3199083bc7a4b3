"""The shared labelled data some tests read (on the pytest pythonpath).

It lives outside the repository: ``../shared/data`` next to the clone (the layout the README's
quick start describes), or wherever ``RAILGUARD_SHARED_DATA`` points. A test that needs a file
that is not there is skipped with a reason naming the file; nothing else is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("RAILGUARD_SHARED_DATA") or ROOT.parent / "shared" / "data")


def shared_path(*parts: str, module_level: bool = False) -> Path:
    """``SHARED_DATA/parts...``, or skip the calling test (or test module) saying which file is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared data file {path}, which is not there: put the shared data at "
                    f"../shared/data next to the repository or set RAILGUARD_SHARED_DATA",
                    allow_module_level=module_level)
    return path
