"""``regex``: named patterns that mask or block what they match.

Patterns run on RE2 (``google-re2``), whose matching time is linear in the text
whatever the pattern: a pattern RE2 cannot take (backreferences, lookaround,
atomic groups...) is refused when the spec is loaded, never run on a backtracking
engine. The text is encoded to UTF-8 once per call and every pattern scans the
bytes; match offsets are mapped back to character offsets in one pass.

Patterns match the text as a reader sees it (``normalize``, on by default): per character,
invisible and format characters are dropped, every space separator is a space, every dash a
``-``, digits of any script and full-width or mathematical letters their ASCII forms
(:func:`railguard.text.normalize.clean`), so one zero-width space or a full-width digit does not
carry an identifier past its pattern. Spans are mapped back to, and masks cover, the original
characters. ``normalize: false`` matches the text exactly as given.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from railguard import Context, Outcome, ParamIssue, Span, Validator, hookimpl
from railguard.text.normalize import Layer, Normalized, clean

MAX_PATTERNS = 30  # Bedrock's limit of regexes per guardrail
DEFAULT_MAX_MATCH = 256
# Bytes that continue a UTF-8 sequence: deleting them leaves one byte per character.
_CONTINUATION = bytes(range(0x80, 0xC0))

# RE2's complaint (the part after the colon) -> what is not supported. Features that need
# backtracking get the reason appended; the others are plain syntax differences.
_BACKTRACKING = (
    (("(?=", "(?!"), "lookahead assertions (?=...) and (?!...)"),
    (("(?<=", "(?<!"), "lookbehind assertions (?<=...) and (?<!...)"),
    (("(?P=", "(?P>", "(?&", "(?R", "(?1", "(?2", "(?3"), "backreferences and recursion"),
    (("(?>",), "atomic groups (?>...)"),
    (("(?(",), "conditionals (?(...)...)"),
    (("*+", "++", "?+", "}+"), "possessive quantifiers (*+, ++, ?+)"),
)
_SYNTAX = (
    (("(?#",), "inline comments (?#...) are not supported"),
    (("(?x",), "the x (verbose) flag is not supported; write the pattern without layout whitespace"),
)
_ESCAPES = {
    "Z": "\\Z is not supported; write \\z for the end of the text",
    "k": None,
    "g": None,
    "u": "\\uXXXX escapes are not supported; write \\x{XXXX}",
    "U": "\\UXXXXXXXX escapes are not supported; write \\x{XXXXXX}",
    "N": "\\N{...} named characters are not supported; write \\x{XXXX}",
}
_WHY = ("are not supported: patterns run on RE2, which matches in time linear in the text whatever the "
        "pattern and so has no backtracking features")


def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    options.never_capture = True  # groups are never read: matching only needs the overall span
    return options


def compile_pattern(pattern: str) -> Any:
    """The RE2 program for ``pattern`` (matching UTF-8 bytes). Raises ValueError saying why not."""
    import re2

    if "\\C" in pattern.replace("\\\\", ""):
        raise ValueError("\\C (any single byte) is not supported; write . for any character")
    try:
        return re2.compile(pattern.encode("utf-8", "surrogatepass"), _options())
    except re2.error as exc:
        raise ValueError(_explain(exc, pattern)) from None


def _explain(exc: Exception, pattern: str) -> str:
    raw = exc.args[0] if exc.args else str(exc)
    detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    kind, _, arg = detail.partition(": ")
    if kind == "invalid escape sequence" and len(arg) >= 2:
        if arg[1].isdigit() or arg[1] in "kg":
            return f"backreferences ({arg}...) {_WHY}"
        if arg[1] in _ESCAPES:
            return str(_ESCAPES[arg[1]])
    # RE2 quotes only the start of a bad group, e.g. "(?P": look at each such place in the pattern.
    places = [pattern[i:i + 4] for i in range(len(pattern)) if pattern.startswith(arg, i)] or [arg]
    for prefixes, what in _BACKTRACKING:
        if any(place.startswith(p) for p in prefixes for place in places):
            return f"{what} {_WHY}"
    for prefixes, why in _SYNTAX:
        if any(arg.startswith(p) for p in prefixes):
            return why
    if kind == "invalid repetition size":
        return f"{detail} (RE2 allows counted repetition up to 1000)"
    if "pattern too large" in detail:
        return "the pattern compiles to a program too large for RE2's memory budget; simplify it"
    return f"not a valid RE2 regular expression: {detail}"


# -- longest match, for streaming ---------------------------------------------------------
_ZERO_ESCAPES = frozenset("bBAz")


def match_width(pattern: str) -> tuple[int, int | None]:
    """(min, max) characters one match of an RE2 pattern spans; max is None when unbounded.

    Works on RE2 syntax (the pattern has compiled already): groups, alternation,
    classes (``[[:alpha:]]`` included), ``\\Q...\\E``, ``\\p{..}``, ``\\x{..}``, counted
    repetition. Assertions (``^ $ \\b \\B \\A \\z``) and flag groups have width 0.
    """
    lo, hi, _ = _alternation(pattern, 0)
    return lo, hi


def _alternation(p: str, i: int) -> tuple[int, int | None, int]:
    lo, hi, i = _sequence(p, i)
    while i < len(p) and p[i] == "|":
        lo2, hi2, i = _sequence(p, i + 1)
        lo = min(lo, lo2)
        hi = None if hi is None or hi2 is None else max(hi, hi2)
    return lo, hi, i


def _sequence(p: str, i: int) -> tuple[int, int | None, int]:
    lo, hi = 0, 0
    while i < len(p) and p[i] not in "|)":
        alo, ahi, i = _atom(p, i)
        alo, ahi, i = _quantified(p, i, alo, ahi)
        lo += alo
        hi = None if hi is None or ahi is None else hi + ahi
    return lo, hi, i


def _atom(p: str, i: int) -> tuple[int, int | None, int]:
    c = p[i]
    if c == "(":
        i += 1
        if p.startswith("?", i):
            j = i + 1
            if p.startswith("P<", j) or p.startswith("<", j):
                i = p.index(">", j) + 1
            else:
                while j < len(p) and p[j] not in ":)":
                    j += 1
                if j < len(p) and p[j] == ")":
                    return 0, 0, j + 1  # a flag group such as (?i)
                i = j + 1
        lo, hi, i = _alternation(p, i)
        return lo, hi, i + 1  # past ")"
    if c == "[":
        return 1, 1, _class_end(p, i)
    if c == "\\":
        return _escape(p, i)
    if c in "^$":
        return 0, 0, i + 1
    return 1, 1, i + 1


def _class_end(p: str, i: int) -> int:
    i += 1
    if p.startswith("^", i):
        i += 1
    if p.startswith("]", i):
        i += 1
    while i < len(p) and p[i] != "]":
        if p[i] == "\\":
            i = _escape(p, i)[2]
        elif p.startswith("[:", i) and ":]" in p[i + 2:]:
            i = p.index(":]", i + 2) + 2
        else:
            i += 1
    return i + 1


def _escape(p: str, i: int) -> tuple[int, int | None, int]:
    c = p[i + 1] if i + 1 < len(p) else ""
    if c == "Q":
        end = p.find("\\E", i + 2)
        stop = len(p) if end < 0 else end
        return stop - (i + 2), stop - (i + 2), stop if end < 0 else end + 2
    if c in _ZERO_ESCAPES:
        return 0, 0, i + 2
    if c in "pPx" and p.startswith("{", i + 2):
        return 1, 1, p.index("}", i + 2) + 1
    if c == "x":
        return 1, 1, i + 4
    if c in "pP":
        return 1, 1, i + 3
    if c == "0":
        j = i + 2
        while j < len(p) and j < i + 4 and p[j] in "01234567":
            j += 1
        return 1, 1, j
    return 1, 1, i + 2


def _quantified(p: str, i: int, lo: int, hi: int | None) -> tuple[int, int | None, int]:
    while i < len(p):
        c = p[i]
        if c == "*":
            lo, hi, i = 0, (0 if hi == 0 else None), i + 1
        elif c == "+":
            hi, i = (0 if hi == 0 else None), i + 1
        elif c == "?":
            lo, i = 0, i + 1
        elif c == "{":
            counted = _counted(p, i)
            if counted is None:
                return lo, hi, i  # a literal "{", read as the next atom
            n, m, i = counted
            lo = lo * n
            hi = None if hi is None or (m is None and hi > 0) else hi * (m if m is not None else 0)
        else:
            return lo, hi, i
        if i < len(p) and p[i] == "?":  # non-greedy
            i += 1
    return lo, hi, i


def _counted(p: str, i: int) -> tuple[int, int | None, int] | None:
    end = p.find("}", i)
    if end < 0:
        return None
    body = p[i + 1:end]
    lo_s, comma, hi_s = body.partition(",")
    if not lo_s.isdigit() or (hi_s and not hi_s.isdigit()):
        return None
    return int(lo_s), (int(hi_s) if hi_s else (None if comma else int(lo_s))), end + 1


# -- the validator ------------------------------------------------------------------------
class Regex(Validator):
    name = "regex"
    description = "Named RE2 regular expressions; each match is masked as {name} or blocks, per pattern."
    params_schema = {
        "type": "object",
        "required": ["patterns"],
        "properties": {
            "patterns": {
                "type": "array",
                "minItems": 1,
                "description": f"At most {MAX_PATTERNS} patterns (Bedrock's limit per guardrail).",
                "items": {
                    "type": "object",
                    "required": ["name", "pattern"],
                    "additionalProperties": False,
                    "x-rail-text": "pattern",
                    "properties": {
                        "name": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,100}$"},
                        "pattern": {"type": "string", "minLength": 1, "maxLength": 500,
                                    "description": "RE2 syntax: no backreferences or lookaround."},
                        "action": {"enum": ["mask", "block"]},
                        "description": {"type": "string", "maxLength": 1000},
                    },
                },
            },
            "normalize": {
                "type": "boolean", "default": True,
                "description": "Match the text as a reader sees it (invisible characters dropped, full-width "
                               "and other-script digits and full-width letters as ASCII, any space a space, any "
                               "dash '-'), with spans on the original characters; false: exactly as given.",
            },
            "max_match": {
                "type": "integer", "minimum": 1, "maximum": 100_000, "default": DEFAULT_MAX_MATCH,
                "description": "Streaming only: the look-ahead (characters) held back for patterns whose "
                               "matches have no fixed upper length, such as \\s+.",
            },
        },
    }
    default_on_fail = "block"
    can_mask = True
    inline = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        self.max_match = int(self.params.get("max_match", DEFAULT_MAX_MATCH))
        self.normalize = bool(self.params.get("normalize", True))
        self.patterns = [(p["name"], compile_pattern(p["pattern"]), p.get("action"))
                         for p in self.params["patterns"]]
        widths = [match_width(p["pattern"])[1] for p in self.params["patterns"]]
        longest = max((self.max_match if w is None else w) for w in widths)
        # One more character: a trailing \b or a greedy repetition is decided by the next character.
        self._lookahead = min(longest, self.max_match) + 1

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        patterns = params.get("patterns")
        if not isinstance(patterns, list):
            return
        if len(patterns) > MAX_PATTERNS:
            yield ParamIssue(("patterns",), f"{len(patterns)} patterns; a regex validator takes at most "
                             f"{MAX_PATTERNS} (Bedrock's limit): split them over several regex entries")
        seen: dict[str, int] = {}
        for i, p in enumerate(patterns):
            if not isinstance(p, Mapping):
                continue
            name, pattern = p.get("name"), p.get("pattern")
            if isinstance(name, str):
                if name in seen:
                    yield ParamIssue(("patterns", i, "name"), f"{name!r} is already the name of patterns[{seen[name]}]")
                seen.setdefault(name, i)
            if not isinstance(pattern, str) or not pattern:
                continue
            try:
                compiled = compile_pattern(pattern)
            except ValueError as exc:
                yield ParamIssue(("patterns", i, "pattern"), f"{pattern!r}: {exc}")
                continue
            if compiled.fullmatch(b"") is not None:
                yield ParamIssue(("patterns", i, "pattern"), f"{pattern!r} matches the empty string, so it would "
                                 f"match everywhere; make it require at least one character")

    def validate(self, text: str, context: Context) -> Outcome:
        reading: Normalized | None = None
        if self.normalize and not text.isascii():
            cleaned, edits = clean(text)
            if cleaned != text:
                reading = Normalized(text, cleaned, [Layer(edits)] if edits else [])
                text = cleaned
        data = text.encode("utf-8", "surrogatepass")
        found: list[tuple[int, int, int]] = []
        for n, (_, program, _) in enumerate(self.patterns):
            for m in program.finditer(data):
                start, end = m.span()
                if end > start:
                    found.append((start, end, n))
        if not found:
            return Outcome.ok()
        if len(data) != len(text):
            found = _to_chars(data, found)
        if reading is not None:  # offsets of the reading -> the original characters
            found = [(*reading.span(s, e), n) for s, e, n in found]
        spans = []
        for s, e, n in found:
            name, _, action = self.patterns[n]
            spans.append(Span(s, e, name, action=action, explanation=f"pattern {name}"))
        counts: dict[str, int] = {}
        for s in spans:
            counts[s.type] = counts.get(s.type, 0) + 1
        what = ", ".join(f"{n} x{c}" if c > 1 else n for n, c in counts.items())
        return Outcome.fail(f"matched pattern(s): {what}", spans=spans)

    def lookahead(self) -> int | None:
        return self._lookahead


def _to_chars(data: bytes, found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Byte offsets to character offsets, walking the text once over the sorted offsets."""
    offsets = sorted({o for s, e, _ in found for o in (s, e)})
    chars: dict[int, int] = {}
    last_byte = last_char = 0
    for off in offsets:
        last_char += len(data[last_byte:off].translate(None, _CONTINUATION))
        chars[off] = last_char
        last_byte = off
    return [(chars[s], chars[e], n) for s, e, n in found]


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [Regex]
