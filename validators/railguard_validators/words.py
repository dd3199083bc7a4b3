"""``words``: custom words and phrases, and managed word lists, matched as whole words.

Matching is case-insensitive (``str.casefold``), whole-word by Unicode letters,
digits and marks, and done by one Aho-Corasick automaton over every entry, so
10,000 entries cost about as much as 10. Word boundaries are built into the keys:
the text is normalised so that every run of non-word characters is one space, and
each entry is stored as `` entry `` between two spaces. Entries with symbols that
carry meaning (``c++``, ``a$$``) are matched literally by a second automaton.

The text is always read as a person sees it first (:func:`railguard.text.normalize.clean`:
invisible characters dropped, NFKC, dashes and spaces unified; then Cyrillic and Greek
look-alike letters as Latin where they disguise Latin text, ``latin_lookalikes``). Optional normalisations of
common obfuscations (``leet``, ``repeats``,
``separators``, ``accents``) rewrite both the text and the entries. Every rewrite
records an offset map, so spans are always offsets into the original text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Mapping, Sequence

from railguard import Context, Outcome, ParamIssue, Span, Validator, hookimpl
from railguard.text.features import latin_lookalikes
from railguard.text.normalize import CharMap, Layer, back, clean, is_mark, is_word, rewrite, uneven

MAX_WORDS = 10_000  # Bedrock's GuardrailWordsConfig limit
MAX_WORD_CHARS = 100  # Bedrock's GuardrailWordConfig.text limit
TRANSFORMS = ("accents", "leet", "separators", "repeats")  # applied in this order
MANAGED_FILES = {"PROFANITY": "profanity_en.txt"}
CUSTOM = "CUSTOM_WORD"

_ASCII_SPACES = bytes(c if chr(c).isalnum() else 0x20 for c in range(128)) + bytes(128)
_SPACE_RUN = re.compile(r" {2,}")
# Symbols that join the parts of an entry and separate words in the text alike.
_JOINERS = frozenset(" \t\n\r\f\v-_.'\u2019")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "+": "t"}
_LEET_CHAR = re.compile(r"[0-9$@!+]")
# A token with a letter and a leet character. Tried only where a token starts (the lookbehind)
# and each lookahead stops inside the token, so the scan is linear in the text.
_LEET_TOKEN = re.compile(r"(?<![\w$@!+])(?=[\w$@!+]*?[^\W\d_])(?=[\w$@!+]*?[0-9$@!+])[\w$@!+]+")
_LEET_TABLE = str.maketrans(_LEET)
_SPACED_LETTERS = re.compile(r"(?<![^\W_])[^\W\d_](?:[ .\-_*~|/+:\u00b7][^\W\d_]){2,}(?![^\W_])")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")


_is_mark = is_mark
_is_word = is_word


def _unspaced(ch: str) -> bool:
    """Scripts written without spaces between words: no boundary is required around their entries."""
    cp = ord(ch)
    return (0x0E00 <= cp <= 0x0EFF or 0x1000 <= cp <= 0x109F or 0x1780 <= cp <= 0x17FF or 0x3040 <= cp <= 0x30FF
            or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3134F)


# -- the rewrites -----------------------------------------------------------------------------
def _strip_marks(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not _is_mark(c))


_FOLD = CharMap(str.casefold)
_STRIP = CharMap(_strip_marks)
_SPACE = CharMap(lambda ch: ch if _is_word(ch) else " ")


def _casefold(text: str) -> tuple[str, list]:
    folded = text.casefold()
    if len(folded) == len(text):  # casefold never shortens a character, so this is 1:1
        return folded, []
    return folded, uneven(text, _FOLD)


def _accents(text: str) -> tuple[str, list]:
    if text.isascii():
        return text, []
    return text.translate(_STRIP), uneven(text, _STRIP)


def _leet(text: str) -> str:
    """Digits and $@!+ to letters inside tokens that also have a letter ('sh1t', 'a$$'), never in
    numbers; a trailing '!' stays punctuation."""
    if _LEET_CHAR.search(text) is None:
        return text

    def token(m: re.Match[str]) -> str:
        tok = m.group()
        body = tok.rstrip("!")
        return body.translate(_LEET_TABLE) + tok[len(body):]

    return _LEET_TOKEN.sub(token, text)


def _separators(text: str) -> tuple[str, list]:
    out: list[str] = []
    edits: list[tuple[int, int, int]] = []
    pos = 0
    for m in _SPACED_LETTERS.finditer(text):
        out.append(text[pos:m.start()])
        out.append(m.group()[::2])
        edits.extend((i, i + 1, 0) for i in range(m.start() + 1, m.end(), 2))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), edits


def _spaces(text: str) -> tuple[str, list]:
    """Every non-word character to a space (1:1), then each run of spaces to one."""
    if text.isascii():
        spaced = text.encode("ascii").translate(_ASCII_SPACES).decode("ascii")
    else:  # combining marks stay: they belong to their word
        spaced = text.translate(_SPACE)
    return rewrite(spaced, _SPACE_RUN, lambda m: " ")


def _repeats(text: str) -> tuple[str, list]:
    return rewrite(text, _REPEATED_LETTER, lambda m: m.group(1))


class Normaliser:
    """The text rewrites, in two steps: ``literal`` (case, accents, leet; where entries with
    symbols are matched) and ``words`` (separators, spaces, repeats; where words are matched)."""

    def __init__(self, transforms: Iterable[str] = ()):
        self.transforms = frozenset(transforms)

    def literal(self, text: str) -> tuple[str, list[Layer]]:
        # Always: what a reader sees (invisible characters dropped, NFKC, dashes and spaces unified).
        text, edits = clean(text)
        layers = [Layer(edits)] if edits else []
        text, edits = _casefold(text)
        if edits:
            layers.append(Layer(edits))
        text = latin_lookalikes(text)  # one character for one: no offset layer
        if "accents" in self.transforms:
            text, edits = _accents(text)
            if edits:
                layers.append(Layer(edits))
        if "leet" in self.transforms:
            text = _leet(text)
        return text, layers

    def words(self, text: str) -> tuple[str, list[Layer], Layer | None]:
        layers: list[Layer] = []
        if "separators" in self.transforms:
            text, edits = _separators(text)
            layers.append(Layer(edits))
        text, edits = _spaces(text)
        layers.append(Layer(edits))
        runs = None
        if "repeats" in self.transforms:
            text, edits = _repeats(text)
            runs = Layer(edits)
            layers.append(runs)
        return text, layers, runs


_back = back


def _run_lengths(collapsed: str, runs: Layer | None) -> tuple[int, ...]:
    if runs is None:
        return ()
    lengths = tuple(runs.back(i + 1, True) - runs.back(i, False) for i in range(len(collapsed)))
    return lengths if any(n > 1 for n in lengths) else ()  # () needs nothing of the text


# -- entries ----------------------------------------------------------------------------------
def _problem(word: str) -> str | None:
    if len(word) > MAX_WORD_CHARS:
        return f"{word[:40]!r}... has {len(word)} characters; an entry has at most {MAX_WORD_CHARS} (Bedrock's limit)"
    if not any(_is_word(c) for c in word):
        return f"{word!r} has no letter or digit, so it cannot be matched as a word"
    return None


def load_managed(name: str) -> list[str]:
    from importlib.resources import files

    data = files("railguard_validators").joinpath("data").joinpath(MANAGED_FILES[name]).read_text(encoding="utf-8")
    return [w.strip() for w in data.splitlines() if w.strip()]


class Matcher:
    """Every entry in two Aho-Corasick automata (whole words; literal entries with symbols)."""

    def __init__(self, entries: Iterable[tuple[str, str, str | None, str]], normaliser: Normaliser):
        import ahocorasick

        self.normaliser = normaliser
        self.keys: list[str] = []
        self.info: list[list[tuple[str, str | None, str, tuple[int, ...]]]] = []
        self.literal: list[bool] = []
        index: dict[tuple[str, bool], int] = {}
        self.longest = 1
        for text, span_type, action, label in entries:
            lit, _ = normaliser.literal(text.strip())
            literal = any(not _is_word(c) and c not in _JOINERS for c in lit)
            runs: tuple[int, ...] = ()
            if literal:
                key = lit
            else:
                collapsed, _, run_layer = normaliser.words(lit)
                collapsed = collapsed.strip(" ")
                if not collapsed:
                    continue  # nothing left to match (only marks, with accents stripped)
                runs = _run_lengths(collapsed, run_layer)
                key = ("" if _unspaced(collapsed[0]) else " ") + collapsed + ("" if _unspaced(collapsed[-1]) else " ")
            slot = index.setdefault((key, literal), len(self.keys))
            if slot == len(self.keys):
                self.keys.append(key)
                self.info.append([])
                self.literal.append(literal)
            if (span_type, action, runs) not in {(t, a, r) for t, a, _, r in self.info[slot]}:
                self.info[slot].append((span_type, action, label, runs))
            self.longest = max(self.longest, len(text))
        self.words = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self.symbols = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for slot, key in enumerate(self.keys):
            (self.symbols if self.literal[slot] else self.words).add_word(key, slot)
        for automaton in (self.words, self.symbols):
            if len(automaton):
                automaton.make_automaton()

    def find(self, text: str) -> list[Span]:
        lit, lit_layers = self.normaliser.literal(text)
        found: set[tuple[int, int, int, int]] = set()
        if len(self.words):
            norm, word_layers, runs = self.normaliser.words(lit)
            layers = lit_layers + word_layers
            # Collapsed position -> length of the run of letters it stands for (absent: 1).
            run_at = {} if runs is None else dict(zip(runs.starts, (e - s for s, e, _ in runs.edits)))
            for end, slot in self.words.iter(" " + norm + " "):
                key = self.keys[slot]
                start = end - len(key) + (1 if key[0] == " " else 0)  # in norm: padded index - 1
                stop = end - (1 if key[-1] == " " else 0)
                for n, (_, _, _, need) in enumerate(self.info[slot]):
                    # An entry's double letter needs at least as many in the text ("ass" is not "as").
                    if all(want == 1 or run_at.get(start + i, 1) >= want for i, want in enumerate(need)):
                        found.add((_back(start, False, layers), _back(stop, True, layers), slot, n))
        if len(self.symbols):
            for end, slot in self.symbols.iter(lit):
                key = self.keys[slot]
                start, stop = end - len(key) + 1, end + 1
                if (_is_word(key[0]) and start > 0 and _is_word(lit[start - 1])) or (
                        _is_word(key[-1]) and stop < len(lit) and _is_word(lit[stop])):
                    continue
                for n in range(len(self.info[slot])):
                    found.add((_back(start, False, lit_layers), _back(stop, True, lit_layers), slot, n))
        spans: dict[tuple[int, int, str, str | None], Span] = {}
        for start, stop, slot, n in sorted(found):
            span_type, action, label, _ = self.info[slot][n]
            spans.setdefault((start, stop, span_type, action),
                             Span(start, stop, span_type, action=action, explanation=label))
        return list(spans.values())


# -- the validator ------------------------------------------------------------------------------
class Words(Validator):
    name = "words"
    description = ("Denied words and phrases, custom or from managed lists (PROFANITY), matched whole-word and "
                   "case-insensitively; optional normalisation of leet, repeated letters, separators, accents.")
    params_schema = {
        "type": "object",
        "properties": {
            "words": {
                "type": "array",
                "description": f"At most {MAX_WORDS:,} words or phrases of at most {MAX_WORD_CHARS} characters "
                               f"(Bedrock's limits).",
                "items": {
                    "anyOf": [
                        {"type": "string", "minLength": 1},
                        {"type": "object", "required": ["text"], "additionalProperties": False,
                         "x-rail-text": "text",
                         "properties": {"text": {"type": "string", "minLength": 1},
                                        "action": {"enum": ["mask", "block"]}}},
                    ],
                },
            },
            "managed": {"type": "array", "minItems": 1, "uniqueItems": True,
                        "items": {"enum": sorted(MANAGED_FILES)}},
            "normalize": {
                # One schema with two types (not anyOf), so that a wrong name is reported as such.
                "type": ["boolean", "array"], "minItems": 1, "uniqueItems": True,
                "items": {"enum": ["all", *TRANSFORMS]},
                "description": "true (or [all]) for every transform, or a list of: " + ", ".join(TRANSFORMS),
                # RAIL's normalize="all" (or "true") is YAML's normalize: true, so the twins load equal.
                "x-rail-values": {"all": True, "true": True, "false": False},
            },
        },
        "anyOf": [{"required": ["words"]}, {"required": ["managed"]}],
    }
    default_on_fail = "block"
    can_mask = True
    inline = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        norm = self.params.get("normalize", False)
        if norm is True or (isinstance(norm, (list, tuple)) and "all" in norm):
            self.transforms: tuple[str, ...] = TRANSFORMS
        else:
            self.transforms = tuple(t for t in TRANSFORMS if norm and t in norm)
        self.matcher: Matcher | None = None

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        words = params.get("words")
        if not isinstance(words, list):
            return
        if len(words) > MAX_WORDS:
            yield ParamIssue(("words",), f"{len(words):,} words and phrases; a words validator takes at most "
                             f"{MAX_WORDS:,} (Bedrock's limit): split the list over several words entries")
        for i, w in enumerate(words):
            text = w.get("text") if isinstance(w, Mapping) else w
            if isinstance(text, str):
                problem = _problem(text)
                if problem:
                    yield ParamIssue(("words", i) + (("text",) if isinstance(w, Mapping) else ()), problem)

    def _entries(self) -> Iterable[tuple[str, str, str | None, str]]:
        for i, w in enumerate(self.params.get("words", ())):
            if isinstance(w, Mapping):
                yield w["text"], CUSTOM, w.get("action"), f"words[{i}]"
            else:
                yield w, CUSTOM, None, f"words[{i}]"
        for name in self.params.get("managed", ()):
            for w in load_managed(name):
                yield w, name, None, f"managed list {name}"

    def setup(self) -> None:
        if self.matcher is None:
            self.matcher = Matcher(self._entries(), Normaliser(self.transforms))

    def validate(self, text: str, context: Context) -> Outcome:
        if self.matcher is None:
            self.setup()
        assert self.matcher is not None
        spans = self.matcher.find(text)
        if not spans:
            return Outcome.ok()
        counts: dict[str, int] = {}
        for s in spans:
            counts[s.type] = counts.get(s.type, 0) + 1
        what = ", ".join(f"{t} x{c}" if c > 1 else t for t, c in sorted(counts.items()))
        return Outcome.fail(f"contains denied words: {what}", spans=spans, details={"counts": counts})

    def lookahead(self) -> int | None:
        if self.matcher is None:
            self.setup()
        assert self.matcher is not None
        # Separators and space runs can stretch an entry to about twice its length, repeated letters further.
        stretch = 4 if "repeats" in self.transforms else 2
        return stretch * self.matcher.longest + 1


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [Words]
