"""Cheap, linear-time text features for the local classifiers (numpy only).

:func:`fold` maps a text to the form the classifiers read: NFKC, invisible characters
(zero-width, bidi controls, variation selectors, Unicode tag characters) dropped, common
Cyrillic and Greek look-alikes mapped to Latin letters, lower case. :func:`decodings`
finds hidden payloads (base64, hex, rot13, leetspeak, Unicode tag characters, letters
spaced out one by one) and returns their decoded text, which the classifiers read as
well. :func:`hashed` turns a text into hashed character 3-5-grams plus word 1-2-grams
(stable hashes, never Python's salted ``hash``). :func:`signals` counts what the
folding and decoding found.

Everything here is linear in the text's length; decodings are bounded in count and size.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import zlib
from itertools import filterfalse

import numpy as np

__all__ = ["fold", "decodings", "hashed", "signals", "SIGNALS", "Folded", "LOOKALIKES", "latin_lookalikes"]

# Invisible or format characters that change nothing a reader sees.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff"
                        "\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
_TAGS = re.compile("[\U000e0020-\U000e007e]+")
# Cyrillic and Greek letters that render like Latin ones (lower case after casefold).
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "ε": "e", "υ": "u", "χ": "x",
    "ѡ": "w", "ԛ": "q", "ɑ": "a", "ı": "i",
})
# The same letters in either case, for readers that keep case (denied_topics: a cased embedding model).
LOOKALIKES = {**_CONFUSABLE, **{ord(chr(k).upper()): v.upper() for k, v in _CONFUSABLE.items()
                                if chr(k).upper() != chr(k) and len(chr(k).upper()) == 1}}
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_CYRILLIC_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]")
_ANY_WORD = re.compile(r"[^\W_]+")


def latin_lookalikes(text: str) -> str:
    """Cyrillic and Greek letters that look Latin, as Latin, where they disguise Latin text: in a word that
    mixes Latin with Cyrillic or Greek letters ("Proj\u0435ct"), and, in a text of more Latin letters than
    Cyrillic and Greek ones, in a word made only of look-alikes ("\u0430" for "a", "\u0405\u041d\u041e\u0420"
    for "SHOP"). Any other Cyrillic or Greek word stays itself ("\u041f\u0440\u043e\u0435\u043a\u0442",
    "\u03a9\u03bc\u03ad\u03b3\u03b1"). One character for one, so offsets are kept; linear."""
    if text.isascii() or _CYRILLIC_GREEK.search(text) is None:
        return text
    latin = len(_LATIN_LETTER.findall(text)) > len(_CYRILLIC_GREEK.findall(text))

    def word(m: re.Match[str]) -> str:
        w = m.group()
        if _CYRILLIC_GREEK.search(w) is None:
            return w
        if _LATIN_LETTER.search(w) or (latin and all(ord(c) in LOOKALIKES for c in w)):
            return w.translate(LOOKALIKES)
        return w

    return _ANY_WORD.sub(word, text)
_LATIN_WORD = re.compile(r"[a-z]")
_MIXED = re.compile(r"\b(?=\w*[a-z])(?=\w*[\u0370-\u03ff\u0400-\u04ff])\w+\b")
_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s", "$": "s",
                       "7": "t", "8": "b", "9": "g", "|": "l"})
_LEET_WORD = re.compile(r"(?=[a-z0-9@$!|]*[a-z])(?=[a-z0-9@$!|]*[0-9@$!|])[a-z0-9@$!|]{3,}")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}[ :]?){12,}(?![0-9a-fA-F])")
_PUNCT = ".,;:?\"'()[]"
_UPPER = re.compile(r"[A-Z]")
_LOWER_OR_DIGIT = re.compile(r"[a-z0-9]")
_HEX_SEP = re.compile(r"[ :]")
_SPACE_SEP = re.compile(r"[ .\-_*]")
_SPACED = re.compile(r"(?<!\S)(?:[a-z][ .\-_*]){4,}[a-z](?!\S)")
_WORDS = re.compile(r"[^\W_]+")
# Frequent English words: rot13 text has few of them, its decoding many.
_COMMON = frozenset("the be to of and a in that have i it for not on with he as you do at this but his by from "
                    "they we say her she or an will my one all would there their what so up out if about who "
                    "get which go me when make can like time no just him know take people into year your good "
                    "some could them see other than then now look only come its over think also back after use "
                    "two how our work first well way even new want because any these give day most us is are "
                    "was were been tell ignore instructions previous write say print".split())

MAX_DECODED = 8          # decoded payloads kept per text
MAX_DECODED_CHARS = 4000  # characters kept per decoded payload

SIGNALS = ("invisible", "tag_chars", "mixed_script", "base64", "hex", "rot13", "leet", "spaced", "nonascii")


class Folded(str):
    """A folded text (a ``str``) that remembers what folding found (counts by kind)."""

    counts: dict[str, int]


def fold(text: str) -> Folded:
    """NFKC, invisible characters dropped, look-alike letters mapped to Latin, lower case."""
    counts = {"invisible": 0, "tag_chars": 0, "mixed_script": 0, "nonascii": 0}
    if not text.isascii():
        tags = _TAGS.findall(text)
        if tags:
            counts["tag_chars"] = sum(len(t) for t in tags)
        stripped, n = _INVISIBLE.subn("", text)
        counts["invisible"] = n
        low = unicodedata.normalize("NFKC", stripped).lower()
        counts["mixed_script"] = len(_MIXED.findall(low))
        low = low.translate(_CONFUSABLE)
        counts["nonascii"] = sum(1 for ch in low if ord(ch) > 127)
    else:
        low = text.lower()
    out = Folded(low)
    out.counts = counts
    return out


def _printable(data: bytes) -> str | None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded:
        return None
    good = sum(1 for ch in decoded if ch.isprintable() or ch in "\n\t\r")
    letters = sum(1 for ch in decoded if ch.isalpha() or ch == " ")
    if good < 0.95 * len(decoded) or letters < 0.6 * len(decoded):
        return None
    return decoded


def _common_share(words: list[str]) -> float:
    if not words:
        return 0.0
    return sum(map(_COMMON.__contains__, words)) / len(words)


_ROT13 = str.maketrans("abcdefghijklmnopqrstuvwxyz", "nopqrstuvwxyzabcdefghijklm")


def decodings(raw: str, folded: str, words: list[str] | None = None) -> list[tuple[str, str]]:
    """Hidden payloads found in ``raw`` (original) / ``folded`` (its :func:`fold`): (kind, decoded text).

    Cheap gates on whitespace-separated tokens decide which decoders run at all.
    """
    found: list[tuple[str, str]] = []
    if not raw.isascii():
        for run in _TAGS.findall(raw):
            if len(run) >= 4:
                found.append(("tag_chars", "".join(chr(ord(c) - 0xE0000) for c in run).lower()))
    tokens = raw.split()
    lengths = list(map(len, tokens))
    longest = max(lengths, default=0)
    if longest >= 16:
        for m in _BASE64.finditer(raw):
            if len(found) >= MAX_DECODED:
                break
            token = m.group(0)
            if not (_UPPER.search(token) and _LOWER_OR_DIGIT.search(token)):
                continue  # an identifier or a word, not base64
            body = token.rstrip("=").replace("-", "+").replace("_", "/")
            try:
                data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
            except (binascii.Error, ValueError):
                continue
            decoded = _printable(data[:MAX_DECODED_CHARS])
            if decoded:
                found.append(("base64", decoded.lower()))
    if longest >= 24 or lengths.count(2) >= 12:
        for m in _HEX.finditer(raw):
            if len(found) >= MAX_DECODED:
                break
            digits = _HEX_SEP.sub("", m.group(0))
            try:
                decoded = _printable(bytes.fromhex(digits[: 2 * MAX_DECODED_CHARS - (len(digits) % 2)]))
            except ValueError:
                decoded = None
            if decoded:
                found.append(("hex", decoded.lower()))
    low_tokens = folded.split()
    if len(low_tokens) >= 4 and _common_share(low_tokens[:3000]) < 0.2:
        rotated = folded.translate(_ROT13)
        if _common_share(rotated.split()[:3000]) >= 0.3:
            found.append(("rot13", rotated[:MAX_DECODED_CHARS]))
    leet = [t for t in filterfalse(str.isalpha, low_tokens) if len(t) >= 3 and _LEET_WORD.fullmatch(t.strip(_PUNCT))]
    if len(leet) >= 2:
        found.append(("leet", _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), folded)[:MAX_DECODED_CHARS]))
    if list(map(len, low_tokens)).count(1) >= 5:
        spaced = _SPACED.findall(folded)
        if spaced:
            found.append(("spaced", " ".join(_SPACE_SEP.sub("", s) for s in spaced[:MAX_DECODED])))
    return found[:MAX_DECODED]


def signals(folded: Folded, found: list[tuple[str, str]]) -> np.ndarray:
    """Dense features: log counts of what folding and decoding found, in :data:`SIGNALS` order."""
    counts = dict(folded.counts)
    for kind, _ in found:
        counts[kind] = counts.get(kind, 0) + 1
    if counts.get("nonascii"):
        counts["nonascii"] = counts["nonascii"] / max(1, len(folded)) * 10
    return np.log1p(np.array([float(counts.get(k, 0)) for k in SIGNALS], dtype=np.float32))


_P = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(29)


def hashed(text: str, bits: int, max_chars: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character 3/4/5-grams and word 1/2-grams of ``text``: (bucket indices, weights).

    A bucket may repeat (its weights add up); every occurrence weighs ``1/sqrt(n)`` for ``n``
    occurrences in all, so a text's feature vector has about unit length whatever its size.
    Only the first ``max_chars`` characters are read; callers split longer texts.
    """
    text = text[:max_chars]
    mask = np.uint64((1 << bits) - 1)
    parts: list[np.ndarray] = []
    padded = " " + text + " "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = codes.copy()
        for n in range(2, 6):
            if len(codes) < n:
                break
            h = h[:-1] * _P + codes[n - 1:]
            if n >= 3:
                mixed = (h + np.uint64(n)) * _MIX
                parts.append((mixed ^ (mixed >> _SHIFT)) & mask)
        words = _WORDS.findall(text)
        if words:
            ids = np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint64)
            uni = (ids * _MIX + np.uint64(7)) * _MIX
            parts.append((uni ^ (uni >> _SHIFT)) & mask)
            if len(ids) > 1:
                bi = ((ids[:-1] * _P + ids[1:]) + np.uint64(11)) * _MIX
                parts.append((bi ^ (bi >> _SHIFT)) & mask)
    if not parts:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
    idx = np.concatenate(parts).astype(np.intp)
    return idx, np.full(len(idx), 1.0 / np.sqrt(len(idx)), dtype=np.float32)
