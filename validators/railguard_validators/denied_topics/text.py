"""Text handling for topic matching: how a text reads, sentences, terms (stop words out, light stemming)."""

from __future__ import annotations

import re

from railguard.text.features import latin_lookalikes
from railguard.text.normalize import clean

# Function words and conversational filler: they say nothing about a topic.
STOP_WORDS = frozenset("""
a about above after again against all almost also although am among an and another any anyone anything are
around as at be because been before being below between both but by can cannot could did do does doing done
down during each either else enough even ever every few for from further get gets getting give go goes going
gone got had has have having he her here hers herself him himself his how however i if in into is it its itself
just know let like likely ll make many may me might mine more most much must my myself need needs neither nor
not now of off often on once one only or other others our ours ourselves out over own please quite rather re
really said same say says see seem she should since so some something sometimes still such sure take tell than
that the their theirs them themselves then there these they thing things think this those though
through to too toward under until up upon us use used using ve very want wants was way we well were what whatever
when where whether which while who whom whose why will with within without would yet you your yours
yourself yourselves im dont doesnt cant wont isnt arent didnt whats hows lets ill id
""".split())

_TOKEN = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])[\"')\]]*\s+|\n+")
_VOWEL = re.compile(r"[aeiouy]")


def stem(word: str) -> str:
    """A light, consistent suffix stripper (English): 'payments' and 'paying' -> 'pay',
    'changed', 'changing' and 'change' -> 'chang'. Not linguistics: both sides get the same."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ments", "ment", "ness", "ings", "ing", "edly", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and _VOWEL.search(word[:-len(suffix)]):
            word = word[:-len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz" and word[-1] not in "aeiou":
                word = word[:-1]  # stopped -> stop
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The informative terms of a text: case-folded words without stop words or numbers, stemmed."""
    out = []
    for tok in _TOKEN.findall(text.casefold()):
        if len(tok) < 2 or tok in STOP_WORDS or tok.isdigit():
            continue
        out.append(stem(tok))
    return out


def reading(text: str) -> str:
    """A text as a person reads it, case kept: per character NFKC (full-width and mathematical letters and
    digits are letters and digits), invisible and format characters dropped (zero-width space, soft hyphen,
    bidi controls), every space separator a space, and Cyrillic and Greek look-alikes as Latin letters where
    they disguise Latin text (``latin_lookalikes``: Russian or Greek text stays itself). Linear; an ASCII text
    is returned as it is."""
    if text.isascii():
        return text
    return latin_lookalikes(clean(text)[0])


WHOLE_TEXT_CHARS = 1000  # a text up to this long is also read as a whole, beside its sentences


def segments(text: str) -> list[str]:
    """What an embedding engine reads of a text: the whole text (when it is short enough to be read as
    one) and each of its sentences; a one-sentence text is read once. Shared by the validator and by
    the calibration background (scripts/build_background.py), so both read texts the same way."""
    parts = sentences(text)
    if len(parts) <= 1:
        return [text]
    return ([text] if len(text) <= WHOLE_TEXT_CHARS else []) + parts


def sentences(text: str, min_chars: int = 20) -> list[str]:
    """Sentences of a text, short fragments joined to their neighbour."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        if out and len(out[-1]) < min_chars:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out
