"""Where things are in a spec file: JSON paths and the line/column of every value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from ..errors import SpecIssue

Path = tuple  # of str | int

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
MAX_MESSAGE_CHARS = 600
MAX_ISSUES = 100
MAX_PATH_PART = 60


def shorten(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters: error messages never quote a whole value
    (a spec may hold megabytes in one string, or expand an alias into a huge structure)."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return repr(value[:limit]) + f"... ({len(value)} characters)"
    if isinstance(value, (list, tuple, dict)) and len(value) > 20:
        kind = type(value).__name__
        return f"<{kind} of {len(value)} items>"
    text = repr(value)
    return text if len(text) <= limit + 10 else text[:limit] + "..."


def cap_message(message: str) -> str:
    """A message cut to a bounded length, keeping its start (the value) and its end (the rule)."""
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[:MAX_MESSAGE_CHARS // 2] + " [...] " + message[-(MAX_MESSAGE_CHARS // 2 - 10):]


def render_path(path: Iterable[str | int]) -> str:
    """``("input", 2, "pii", "entities", 0)`` -> ``$.input[2].pii.entities[0]``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.fullmatch(part) and len(part) <= MAX_PATH_PART:
            out += f".{part}"
        else:
            out += "[" + shorten(part, MAX_PATH_PART) + "]"
    return out


@dataclass
class SourceMap:
    """Line and column (1-based; column None where the parser gives none) of values and keys."""

    file: str | None = None
    values: dict[Path, tuple[int, int | None]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int | None]] = field(default_factory=dict)
    syntax: str = "yaml"  # "rail": messages spell keys and names as RAIL does (on-fail, <denied-topics>)

    def spell(self, key: str) -> str:
        """A key or validator name as the spec's author writes it."""
        return key.replace("_", "-") if self.syntax == "rail" else key

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int | None, int | None]:
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        for n in range(len(path), -1, -1):
            pos = self.values.get(path[:n])
            if pos is not None:
                return pos
        return None, None

    def issue(self, path: Sequence[str | int], message: str, *, key: bool = False) -> SpecIssue:
        line, column = self.locate(path, key=key)
        return SpecIssue(cap_message(message), render_path(path), self.file, line, column)


def sort_issues(issues: Iterable[SpecIssue]) -> list[SpecIssue]:
    unique: dict[tuple, SpecIssue] = {}
    for i in issues:
        if len(i.message) > MAX_MESSAGE_CHARS:
            i = replace(i, message=cap_message(i.message))
        unique.setdefault((i.line, i.column, i.path, i.message), i)
    ordered = sorted(unique.values(), key=lambda i: (i.line or 0, i.column or 0, i.path))
    if len(ordered) > MAX_ISSUES:
        rest = len(ordered) - MAX_ISSUES
        ordered = ordered[:MAX_ISSUES] + [SpecIssue(f"... and {rest} more issues not shown", "$", ordered[0].file)]
    return ordered
