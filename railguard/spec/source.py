"""Where things are in a spec file: JSON paths and the line/column of every value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..errors import SpecIssue

Path = tuple  # of str | int

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def render_path(path: Iterable[str | int]) -> str:
    """``("input", 2, "pii", "entities", 0)`` -> ``$.input[2].pii.entities[0]``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}"
        else:
            out += "[" + repr(part) + "]"
    return out


@dataclass
class SourceMap:
    """Line and column (1-based; column None where the parser gives none) of values and keys."""

    file: str | None = None
    values: dict[Path, tuple[int, int | None]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int | None]] = field(default_factory=dict)

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
        return SpecIssue(message, render_path(path), self.file, line, column)


def sort_issues(issues: Iterable[SpecIssue]) -> list[SpecIssue]:
    unique: dict[tuple, SpecIssue] = {}
    for i in issues:
        unique.setdefault((i.line, i.column, i.path, i.message), i)
    return sorted(unique.values(), key=lambda i: (i.line or 0, i.column or 0, i.path))
