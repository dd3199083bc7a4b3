"""The rules engine for NAME (and, through :mod:`.addresses`, ADDRESS).

A name is found from a cue or from the name lists:

- after a title (``Mr``, ``Dr``, ``Prof.`` ...) or a strong cue (``my name is``, ``name:``,
  ``named``, ``called``, ``Dear``): the capitalised words that follow (up to four, initials
  allowed);
- after a weak cue (``Hi``, ``I'm``, ``thanks``, ``said``): the same, if the first word is a
  known first name;
- anywhere: a known first name followed by capitalised words ("Lauren Shishani"), or a known
  first name alone when it is not also a common English word.

The name lists are the 1990 US Census first-name and surname files (public domain; see
``data/SOURCES.md``); names that are also English words ("Will", "Rose") count only with a
cue or a following surname.
"""

from __future__ import annotations

import gzip
import re
from bisect import bisect_right
import threading
from importlib import resources
from typing import Iterable

from .scan import Scan

__all__ = ["RuleNames", "name_lists", "MAX_LEN"]

MAX_LEN = 80  # up to four words; a longer "name" is not one (and this bounds the streaming look-ahead)

_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "madam", "madame", "mister",
           "lady", "lord", "rev", "reverend", "fr", "father", "sr", "sister", "brother", "capt", "captain", "sgt",
           "sergeant", "lt", "col", "gen", "judge", "officer", "det", "detective", "mme", "mlle", "herr", "frau",
           "señor", "señora", "sra", "senor", "senora", "don", "doña", "dona", "signor", "signora", "hon", "president",
           "senator", "rep", "gov", "governor", "mayor", "coach", "uncle", "aunt", "auntie", "grandma", "grandpa")
_STRONG = ("my name is", "my name's", "name is", "name was", "named", "called", "call me", "dear", "name:",
           "name?", "your name?", "last name?", "first name?",
           "full name:", "first name:", "last name:", "surname:", "maiden name is", "last name is", "first name is",
           "signed", "sincerely,", "regards,", "cheers,", "is called", "was called", "whose name is",
           "patient:", "customer:", "client:", "employee:", "contact:", "attn:", "attention:", "from:", "to:", "cc:")
_WEAK = ("hi", "hello", "hey", "i'm", "i am", "this is", "thanks", "thank you", "said", "says", "asked", "told",
         "met", "speak to", "talk to", "contact", "according to")
_NOT_NAMES = frozenset("""
January February March April May June July August September October November December Monday Tuesday Wednesday
Thursday Friday Saturday Sunday I I'm I've I'll I'd The A An This That These Those It Its We You He She They My Your
Our His Her Their Hi Hello Hey Dear Thanks Thank Please Yes No Ok Okay Sorry God Lord Christmas Easter English French
German Spanish Italian American British European Internet Google Amazon Apple Microsoft Street Avenue Road North South
East West Bank Card Account Phone Email Address Name Mr Mrs Ms Dr Prof Sir Madam Miss What When Where Why How Who Which
If And Or But So Then Also Just Can Could Would Should Will Shall May Might Must Do Does Did Is Are Was Were Be Been
Have Has Had Not All Any Some Each Every Both New Old Good Great Best Happy Dear Ltd Inc Corp Company University College
School Hospital Center Centre Department Team Group Club Hotel Airport Station Park Lake River Mount Saint St
""".split())
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*\.?")
_INITIAL = re.compile(r"[A-Z]\.")
_FOLLOWED_BY_VERB = re.compile(r"(?:['’]s\b|,|[ ](?:is|was|has|had|will|would|can|could|said|says|spent|began|"
                               r"went|called|told|asked|wrote|lives|lived|works|worked|and|from)\b)")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:['’\-][A-Za-zß-öø-ÿ]+)?")  # where a listed name can start

_lists_lock = threading.Lock()
_lists: tuple[dict[str, bool], dict[str, bool]] | None = None


_COMMON_SURNAMES = 1000  # the most frequent surnames count even when they are also words ("Smith", "Young")


def _load(name: str, common: int = 0) -> dict[str, bool]:
    """Name -> 'is also an English word' (False for the ``common`` most frequent names)."""
    data = resources.files(__package__).joinpath("data", name).read_bytes()
    out: dict[str, bool] = {}
    for rank, line in enumerate(gzip.decompress(data).decode("utf-8").splitlines()):
        word, _, flag = line.partition("\t")
        out[word] = flag == "1" and rank >= common
    return out


def name_lists() -> tuple[dict[str, bool], dict[str, bool]]:
    """(first names, surnames), each mapping a title-case name to 'is also an English word'."""
    global _lists
    if _lists is None:
        with _lists_lock:
            if _lists is None:
                _lists = (_load("first_names.txt.gz"), _load("surnames.txt.gz", _COMMON_SURNAMES))
    return _lists


def _capitalised(word: str) -> bool:
    core = word.rstrip(".")
    return len(core) >= 2 and core[0].isupper() and not core.isupper() and core not in _NOT_NAMES


class RuleNames:
    """NAME and/or ADDRESS by rules; a recognizer step for the detector."""

    engine = "rules"

    def __init__(self, types: Iterable[str]) -> None:
        types = set(types)
        self.names = "NAME" in types
        self.addresses = None
        if "ADDRESS" in types:
            from .addresses import AddressRules

            self.addresses = AddressRules()
        if self.names:
            import ahocorasick

            self.first, self.last = name_lists()
            cues = ahocorasick.Automaton()
            for kind, words in (("weak", _WEAK), ("strong", _STRONG), ("title", _TITLES)):
                for w in words:
                    cues.add_word(w, (len(w), kind, w))
                    if kind == "title":
                        cues.add_word(w + ".", (len(w) + 1, kind, w))
            cues.make_automaton()
            self.cues = cues

    def __call__(self, scan: Scan) -> None:
        if self.addresses is not None:
            self.addresses(scan)
        if self.names:
            self._names(scan)

    # -- names ------------------------------------------------------------------------------
    def _words_after(self, text: str, pos: int, limit: int = 4) -> list[tuple[int, int]]:
        """Capitalised words (and initials) starting at ``pos``, separated by single spaces."""
        out: list[tuple[int, int]] = []
        while len(out) < limit:
            m = _WORD.match(text, pos)
            if m is None:
                break
            word = m.group()
            if _INITIAL.fullmatch(word) and out:
                out.append(m.span())
            elif _capitalised(word):
                end = m.end() - (1 if word.endswith(".") and len(word) > 2 else 0)
                out.append((m.start(), end))
            else:
                break
            pos = out[-1][1]
            if pos < len(text) and text[pos] == " " and pos + 1 < len(text) and not text[pos + 1].isspace():
                pos += 1
            else:
                break
        while out and _INITIAL.fullmatch(text[out[-1][0]:out[-1][1]]):
            out.pop()  # a name does not end on an initial
        return out

    def _cue_hits(self, scan: Scan):
        """(end of the cue and the spaces after it, kind, cue) for each cue at word boundaries, in order."""
        text, n = scan.text, scan.n
        best: dict[int, tuple[int, str, str]] = {}
        for last, (length, kind, cue) in self.cues.iter(scan.lower):
            start, end = last + 1 - length, last + 1
            if (start > 0 and text[start - 1].isalnum()) or end >= n or text[end] not in " \t\n,":
                continue
            old = best.get(start)
            if old is None or end > old[0]:  # the longest cue starting here ("my name is" over "my")
                best[start] = (end, kind, cue)
        for start in sorted(best):
            end, kind, cue = best[start]
            while end < n and text[end] in " \t\n,":
                end += 1
            yield end, kind, cue

    def _names(self, scan: Scan) -> None:
        text = scan.text
        first, last = self.first, self.last
        claimed: list[tuple[int, int]] = []
        for pos, kind, cue in self._cue_hits(scan):
            words = self._words_after(text, pos, 4 if kind == "title" else 3)
            if not words:
                if kind == "strong" and cue in ("my name is", "name:", "named", "called"):
                    w = _WORD.match(text, pos)
                    if w is not None and w.group().title() in first:
                        words = [w.span()]  # a lower-case name after an explicit cue
                if not words:
                    continue
            head = text[words[0][0]:words[0][1]]
            if kind == "weak" and not (head in first and not first[head]) and not (
                    len(words) > 1 and head in first and text[words[-1][0]:words[-1][1]] in last):
                continue
            s, e = words[0][0], words[-1][1]
            if (claimed and s < claimed[-1][1]) or e - s > MAX_LEN:
                continue
            claimed.append((s, e))
            scan.add(s, e, "NAME", 0.85, "name-cue")
        starts = [c[0] for c in claimed]  # claimed spans are disjoint and in order
        done = 0  # the end of the last name found by this pass
        for m in _CAPITAL.finditer(text):
            word = m.group()
            flag = first.get(word)
            if flag is None:
                continue
            s = m.start()
            if s < done or (s > 0 and text[s - 1].isalpha()) or not _capitalised(word):
                continue
            i = bisect_right(starts, s) - 1
            if i >= 0 and s < claimed[i][1]:
                continue
            words = self._words_after(text, s, 3)
            if not words:
                continue
            e = words[-1][1]
            if e - s > MAX_LEN:
                continue
            if len(words) > 1:
                lastname = text[words[-1][0]:e]
                if flag and not (lastname in last and not last[lastname]):
                    continue  # "Will Power", "Rose Garden": an ambiguous first name needs a real surname
                scan.add(s, e, "NAME", 0.8, "name-list")
                done = e
            elif not flag and (not self._sentence_start(text, s) or _FOLLOWED_BY_VERB.match(text, words[0][1])):
                # "Matthew is very reliable": a listed first name alone, also opening a sentence
                scan.add(s, words[0][1], "NAME", 0.6, "first-name-list")

    @staticmethod
    def _sentence_start(text: str, s: int) -> bool:
        i = s - 1
        while i >= 0 and text[i] in " \t\"'“(":
            i -= 1
        return i < 0 or text[i] in ".!?\n:"
