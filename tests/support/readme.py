"""Sections of the README, for tests that check the documented examples (on the pytest pythonpath)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    """The README's section under ``### `title` `` (up to the next ### or ## heading)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^### `{re.escape(title)}`\n(.*?)(?=^### |^## )", text, re.S | re.M)
    assert match, f"the README has no section ### `{title}`"
    return match.group(1)
