"""Reading Llama Guard's answer: ``safe``, or ``unsafe`` with violated category codes below it.

Tolerant of what real deployments send back: any case, surrounding whitespace and blank lines
(Llama Guard 3 often starts with two newlines), ``Safe.`` with a period, ``unsafe: S1`` with a
colon, ``\\r\\n``, spaces around commas, codes on one line or on several, a trailing period,
special tokens left in the decoded text (``<|eot_id|>``), an explanation after the codes, a
repeated code. Everything else fails closed: an empty answer,
a refusal, ``safe unsafe``... count as unsafe with ``status: "error"`` and say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["Verdict", "parse_verdict"]

_SPECIAL = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>|</s>|<s>")
_CODE = re.compile(r"^[A-Za-z]{1,3}\d{1,3}$")
_SPLIT = re.compile(r"[,\s]+")
# "safe", "Safe.", "unsafe", "unsafe: S1", "UNSAFE S1,S2": the verdict word, one optional mark, the rest.
_HEAD = re.compile(r"(safe|unsafe)(?![A-Za-z0-9_])\s*([.:]?)\s*(.*)", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """A parsed answer. ``categories`` are the codes the model named (deduplicated, in order);
    ``unknown_codes`` those among them that were not in the prompt's categories."""

    safe: bool
    categories: tuple[str, ...] = ()
    unknown_codes: tuple[str, ...] = ()
    status: str = "ok"
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"safe": self.safe, "categories": list(self.categories), "unknown_codes": list(self.unknown_codes),
                "status": self.status, "error": self.error}


def _codes(line: str) -> list[str] | None:
    tokens = [t.rstrip(".;:") for t in _SPLIT.split(line.strip()) if t]
    tokens = [t for t in tokens if t]
    if tokens and all(_CODE.match(t) for t in tokens):
        return [t.upper() for t in tokens]
    return None


def _unreadable(why: str) -> Verdict:
    return Verdict(False, (), (), "error", f"{why}; counted as unsafe (fail closed)")


def parse_verdict(raw: Any, known: Iterable[str] = ()) -> Verdict:
    """Parse ``raw``; codes not in ``known`` (when given) are reported in ``unknown_codes``."""
    if not isinstance(raw, str):
        return _unreadable(f"the answer is {type(raw).__name__}, not text")
    text = _SPECIAL.sub("", raw).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return _unreadable("the answer is empty")
    first = lines[0]
    head = _HEAD.match(first)
    if head is None:
        return _unreadable(f"the first line is not 'safe' or 'unsafe' ({len(first)} chars)")
    word, mark, rest = head.group(1).lower(), head.group(2), head.group(3)
    codes: list[str] = []
    if word == "safe":
        if rest.strip() or mark == ":":
            return _unreadable(f"the first line is not 'safe' or 'unsafe' ({len(first)} chars)")
        return Verdict(True)
    if rest.strip():
        same_line = _codes(rest)
        if same_line is None:
            return _unreadable("the first line has more than 'unsafe' and it is not a list of category codes")
        codes += same_line
    for line in lines[1:]:
        found = _codes(line)
        if found is None:
            break  # an explanation or a category name: no more codes
        codes += found
    unique = tuple(dict.fromkeys(codes))
    known_set = {k.upper() for k in known}
    unknown = tuple(c for c in unique if known_set and c not in known_set)
    return Verdict(False, unique, unknown)
