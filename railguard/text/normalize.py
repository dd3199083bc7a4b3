"""Unicode normalisation with an offset map back to the original text.

Detectors read text the way a person (or a language model) reads it: an invisible
character inside a value, a no-break space or an en dash as a separator, full-width or
Arabic-Indic digits all spell the same value. :func:`normalize` rewrites a text into that
reading and keeps an offset map, so that spans found in the rewritten text are reported,
and masked, over the original characters.

The rewrite, in two layers:

1. Per character (non-ASCII characters only; ASCII is copied): invisible and format
   characters (zero-width space, ZWJ/ZWNJ, word joiner, soft hyphen, BOM, bidi controls,
   variation selectors, tag characters) are dropped; every space separator (NBSP, narrow
   NBSP, thin space, ideographic space, ...) becomes ``' '``; every dash (hyphen,
   non-breaking hyphen, en/em dash, minus sign, ...) becomes ``'-'``; a decimal digit of any
   script (full-width, Arabic-Indic, Devanagari, mathematical, ...) becomes its ASCII
   digit; anything else becomes its NFKC form (``＠`` to ``@``, ``ﬁ`` to ``fi``). Combining
   marks are kept, not composed: NFKC is applied per character so that every output
   character comes from exactly one input character.
2. Between two digits (or after ``)`` and before a digit, ``(`` or ``+``): a separator
   written unusually becomes one ordinary separator: a tab, a single line break or an
   underscore becomes a space (between a digit and a letter: not an underscore, which joins
   the parts of identifiers, and a dash with spaces around it becomes a space); a run of spaces becomes one space, a run of dots one dot,
   and dashes with or without spaces around them one dash. A paragraph break (two or
   more line breaks) and a dot followed by a space (a sentence end) are kept.
3. A single line break between two words (after a letter or digit, before one) reads as a
   space: a name, an address or a value wrapped over two lines is read whole.

The building blocks (:class:`Layer`, :func:`rewrite`, :class:`CharMap`, :func:`uneven`) are
also used by validators with their own rewrites (``words``: case folding, accents, leet).
Everything here is linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import Any, Callable, Sequence

__all__ = ["Layer", "Normalized", "normalize", "rewrite", "CharMap", "uneven", "is_mark", "is_word",
           "clean_char", "clean", "back", "visible_len"]


# -- offset maps ----------------------------------------------------------------------------
class Layer:
    """Maps offsets of a rewritten string back to the string it was rewritten from.

    ``edits`` are sorted, non-overlapping ``(start, end, new_length)``: the original
    ``[start, end)`` became ``new_length`` characters; everything else was copied 1:1.
    A span starting or ending inside an edit widens to the whole edit.
    """

    __slots__ = ("edits", "starts")

    def __init__(self, edits: Sequence[tuple[int, int, int]]):
        self.edits = edits
        self.starts: list[int] = []
        shift = 0
        for s, e, n in edits:
            self.starts.append(s + shift)
            shift += n - (e - s)

    def back(self, j: int, end: bool) -> int:
        k = (bisect_left(self.starts, j) if end else bisect_right(self.starts, j)) - 1
        if k < 0:
            return j
        s, e, n = self.edits[k]
        ns = self.starts[k]
        if j < ns + n:
            return e if end and j > ns else s
        return e + (j - ns - n)


def back(j: int, end: bool, layers: Sequence[Layer]) -> int:
    """Offset ``j`` of the last rewrite mapped through every layer to the original text."""
    for layer in reversed(layers):
        j = layer.back(j, end)
    return j


def rewrite(text: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
            ) -> tuple[str, list[tuple[int, int, int]]]:
    """``pattern.sub(repl, text)`` that also returns the edits where lengths changed."""
    out: list[str] = []
    edits: list[tuple[int, int, int]] = []
    pos = 0
    for m in pattern.finditer(text):
        new = repl(m)
        out.append(text[pos:m.start()])
        out.append(new)
        if len(new) != m.end() - m.start():
            edits.append((m.start(), m.end(), len(new)))
        pos = m.end()
    if not out:
        return text, edits
    out.append(text[pos:])
    return "".join(out), edits


class CharMap(dict):
    """A ``str.translate`` table filled on first sight of each character (from ``rule``)."""

    def __init__(self, rule: Callable[[str], str]):
        super().__init__()
        self.rule = rule

    def __missing__(self, cp: int) -> str:
        value = self[cp] = self.rule(chr(cp))
        return value


def uneven(text: str, table: CharMap) -> list[tuple[int, int, int]]:
    """Edits for the non-ASCII characters that ``table`` does not map to exactly one character."""
    odd = [c for c in set(text) if not c.isascii() and len(c.translate(table)) != 1]
    if not odd:
        return []
    runs = re.compile("[" + "".join(re.escape(c) for c in odd) + "]+")
    return [(m.start(), m.end(), len(m.group().translate(table))) for m in runs.finditer(text)]


@lru_cache(maxsize=4096)
def is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def is_word(ch: str) -> bool:
    return ch.isalnum() or is_mark(ch)


# -- layer 1: what each character reads as ----------------------------------------------------
_INVISIBLE = frozenset(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x180B, 0x1810)) + list(range(0x200B, 0x2010)) + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070)) + list(range(0xFE00, 0xFE10)) + list(range(0xE0000, 0xE0080))
    + list(range(0xE0100, 0xE01F0)))
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\u2e3a\u2e3b\ufe58\ufe63\uff0d\u058a"
                    "\u1806\u2e17\u2e1a\u2e40\u301c\u3030\u30a0")


def clean_char(ch: str) -> str:
    """What one non-ASCII character reads as (see the module docstring, layer 1)."""
    cp = ord(ch)
    if cp in _INVISIBLE:
        return ""
    if ch in _DASHES:
        return "-"
    cat = unicodedata.category(ch)
    if cat == "Zs" or ch in "\u2028\u2029\u0085":
        return " " if cat == "Zs" else "\n"
    if cat == "Cf":
        return ""
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if cat == "Pd":
        return "-"
    return unicodedata.normalize("NFKC", ch)


_CLEAN = CharMap(clean_char)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def clean(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """Layer 1 alone (per character): the rewritten text and its edits for :class:`Layer`."""
    if text.isascii():
        return text, []
    edits: list[tuple[int, int, int]] = []
    out: list[str] = []
    pos = 0
    table = _CLEAN
    for m in _NON_ASCII.finditer(text):
        s, e = m.span()
        run = m.group()
        new = run.translate(table)
        out.append(text[pos:s])
        out.append(new)
        pos = e
        if len(new) != e - s or any(len(table[ord(c)]) != 1 for c in run):
            for i, c in enumerate(run, s):
                n = len(table[ord(c)])
                if n != 1:
                    edits.append((i, i + 1, n))
    out.append(text[pos:])
    return "".join(out), edits


_SEEN = CharMap(lambda ch: "" if clean_char(ch) == "" else ch)


def visible_len(text: str) -> int:
    """How many characters of ``text`` a reader sees: those :func:`clean` does not drop (zero-width and
    other invisible or format characters do not count). Linear, and ``len`` for ASCII text."""
    if text.isascii():
        return len(text)
    return len(text.translate(_SEEN))


# -- layer 2: separators between digits -----------------------------------------------------------
# A separator run that may need rewriting; its neighbours decide (see _gap). Starting with the
# run itself (not a digit before it) lets the regex engine skip prose quickly.
_GAP = re.compile(r"[ \t\r\n\f\v_.\-]{2,}|[\t\r\n\f\v_]")
_WS = frozenset(" \t\r\n\f\v")
_DIGITS = frozenset("0123456789")
_LEFT = _DIGITS | {")"}
_RIGHT = _DIGITS | {"(", "+"}
_SPACED_DASH = re.compile(r" +- +")


def _gap(m: re.Match[str]) -> str:
    run = m.group()
    text = m.string
    s, e = m.span()
    left = text[s - 1] if s > 0 else ""
    right = text[e] if e < len(text) else ""
    if run.count("\n") - run.count("\r\n") + run.count("\r") >= 2:
        return run  # a paragraph break separates
    chars = set(run)
    if left in _LEFT and right in _RIGHT:
        if chars <= _WS | {"_"}:
            return " "
        if chars == {"."}:
            return "."
        if "-" in chars and chars <= _WS | {"-", "_"}:
            return "-"
        return run  # '. ' and other mixtures: a sentence or list punctuation, kept
    if (left in _DIGITS and right.isascii() and right.isalpha()) or (
            right in _DIGITS and left.isascii() and left.isalpha()):
        if chars <= _WS:
            return " "
        if chars == {"."}:
            return "."
        if _SPACED_DASH.fullmatch(run):
            return " "  # "GB82 - WEST", but also "number - 020 ...": a pause, not a joining dash
    return run


# A single line break between two words (a soft wrap inside a name, an address, a value).
_WRAP = re.compile(r"(?:\r\n|\n)[ \t]*(?=[^\W_])")


def _wrap(text: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        j = m.start()
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j == 0 or not (text[j - 1].isalnum()):
            return m.group()  # after punctuation or another line break: a real break
        return " " * (len(m.group()) - (1 if m.group().startswith("\r\n") else 0))
    return repl


class Normalized:
    """A normalised text and the way back: ``span(s, e)`` maps offsets of ``text`` to the original."""

    __slots__ = ("original", "text", "layers")

    def __init__(self, original: str, text: str, layers: Sequence[Layer]):
        self.original = original
        self.text = text
        self.layers = tuple(layers)

    @property
    def identity(self) -> bool:
        return not self.layers

    def offset(self, j: int, end: bool = False) -> int:
        return back(j, end, self.layers)

    def span(self, s: int, e: int) -> tuple[int, int]:
        """The original characters ``text[s:e]`` was read from (never empty for a non-empty span)."""
        if not self.layers:
            return s, e
        return back(s, False, self.layers), back(e, True, self.layers)


def normalize(text: str) -> Normalized:
    """``text`` as a reader sees it, with the offset map back (see the module docstring)."""
    layers: list[Layer] = []
    cleaned, edits = clean(text)
    if edits:
        layers.append(Layer(edits))
    out, edits = rewrite(cleaned, _GAP, _gap)
    if edits:
        layers.append(Layer(edits))
    if "\n" in out:
        out, edits = rewrite(out, _WRAP, _wrap(out))
        if edits:
            layers.append(Layer(edits))
    return Normalized(text, out, layers)
