"""Runs the recognizers for the selected entity types and turns their candidates into spans.

Overlaps are settled here: candidates of one type that overlap merge into one span; candidates
of different types over exactly the same characters keep the stronger one (a checksum beats a
context cue, which beats a bare phone shape); a value inside a longer value of another type (the
digits of an IBAN, an IP address in a URL) is reported as the longer one only, unless its own
action is ``block`` and the longer one's is not; other overlaps are kept, and the runtime merges
them when it masks.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from railguard.text.normalize import normalize

from . import patterns
from .context import CONTEXT_WORDS, MAX_RIGHT_WINDOW, build_automata
from .contextual import CONTEXT_LED, ContextualRecognizer
from .numeric import NUMERIC_TYPES, NumericRecognizer
from .scan import Scan

__all__ = ["Detector", "normalise"]

_SEPARATORS = {ord(c): None for c in " \t\n\r-./()\u00a0"}
_EXPIRY_AFTER_CARD = 32


def normalise(value: str) -> str:
    """How ``allow`` compares values: case-folded, without spaces and ``- . / ( )``."""
    return value.casefold().translate(_SEPARATORS)


def _by_start(c: tuple) -> tuple[int, int]:
    return (c[0], -c[1])


def _priority(score: float, entity: str) -> tuple[float, str]:
    return (score, entity)


class Detector:
    """Detection for one spec entry: the selected types, the allow list and the name engine."""

    def __init__(self, entities: Sequence[str], *, allow: Iterable[str] = (), phone_regions: Sequence[str] = (),
                 names=None, blocking: Iterable[str] = ()) -> None:
        from .phones import DEFAULT_REGIONS, PhoneChecker

        self.entities = frozenset(entities)
        wanted = self.entities
        phones = PhoneChecker(phone_regions or DEFAULT_REGIONS) if (
            "PHONE" in wanted or "UK_NATIONAL_HEALTH_SERVICE_NUMBER" in wanted) else None
        steps = []
        numeric = NumericRecognizer(wanted & NUMERIC_TYPES, phones)
        if numeric.active:
            steps.append(numeric)
        steps.extend(fn for t, fn in patterns.RECOGNIZERS.items() if t in wanted)
        if "IP_ADDRESS" in wanted:
            steps.append(patterns.ipv6)
        contextual = ContextualRecognizer(wanted & set(CONTEXT_LED))
        if contextual.rules:
            steps.append(contextual)
        if names is not None:
            steps.append(names)
        self.steps = tuple(steps)
        # Types found from their cues share one pass over the text; types whose cue is checked only
        # next to a candidate value each get their own, run only when such a value turns up.
        led = [t for t, _ in contextual.rules]
        alone = [[t] for t in wanted if t in CONTEXT_WORDS and t not in led]
        self.automata = build_automata([led, *alone]) if (led or alone) else None
        self.expiry_after_card = ("CREDIT_DEBIT_CARD_EXPIRY" in wanted and "CREDIT_DEBIT_CARD_NUMBER" in wanted)
        self.allow_exact = frozenset(allow)
        self.allow_normal = frozenset(normalise(a) for a in allow)
        self.blocking = frozenset(blocking)

    def candidates(self, text: str, deadline: float | None = None) -> list[tuple[int, int, str, float, str]]:
        scan = Scan(text, self.automata, deadline)
        for step in self.steps:
            step(scan)
        if self.expiry_after_card:
            self._expiry_after_cards(scan)
        return scan.out

    def _expiry_after_cards(self, scan: Scan) -> None:
        rule = CONTEXT_LED["CREDIT_DEBIT_CARD_EXPIRY"]
        for s, e, t, _, _ in list(scan.out):
            if t == "CREDIT_DEBIT_CARD_NUMBER":
                m = rule.value.search(scan.text, e, min(scan.n, e + _EXPIRY_AFTER_CARD))
                if m is not None:
                    m = rule.value.match(scan.text, m.start())  # read whole, not cut by the window
                if m is not None:
                    scan.add(m.start(), m.end(), "CREDIT_DEBIT_CARD_EXPIRY", 0.8, "after-card")

    def detect(self, text: str, deadline: float | None = None) -> list[tuple[int, int, str, float, str]]:
        """Resolved spans, sorted by start: ``(start, end, type, score, why)``.

        Detection reads the text as a person sees it (:func:`railguard.text.normalize.normalize`:
        invisible characters dropped, NFKC, separators, dashes and digits of every script unified);
        spans are offsets into ``text``, covering the original characters of each value.
        Past ``deadline`` (``time.monotonic()``) the scan stops with ``ScanBudgetExceeded``."""
        norm = normalize(text)
        found = self.candidates(norm.text, deadline)
        if not found:
            return []
        if not norm.identity:
            span = norm.span
            found = [(*span(c[0], c[1]), *c[2:]) for c in found]
        if self.allow_exact:
            found = [c for c in found if not self._allowed(text[c[0]:c[1]])]
        return resolve(found, self.blocking)

    def _allowed(self, value: str) -> bool:
        return value in self.allow_exact or normalise(value) in self.allow_normal


def resolve(found: list[tuple[int, int, str, float, str]],
            blocking: frozenset[str] = frozenset()) -> list[tuple[int, int, str, float, str]]:
    """Settle overlaps (see the module docstring); ``blocking`` are the types whose action is block."""
    found = sorted(found, key=_by_start)
    end = -1
    for c in found:
        if c[0] < end:
            break
        end = c[1]
    else:
        return found  # nothing overlaps
    # Same extent, different types: the strongest claim wins.
    best: dict[tuple[int, int], tuple[int, int, str, float, str]] = {}
    for c in found:
        key = (c[0], c[1])
        old = best.get(key)
        if old is None or _priority(c[3], c[2]) > _priority(old[3], old[2]):
            best[key] = c
    ordered = sorted(best.values(), key=_by_start)
    # Inside a longer value of another type: reported as that value.
    kept: list[tuple[int, int, str, float, str]] = []
    reach: tuple[int, int, str, float, str] | None = None  # the candidate reaching furthest right so far
    for c in ordered:
        if reach is not None and c[1] <= reach[1] and c[2] != reach[2] and not (
                c[2] in blocking and reach[2] not in blocking):
            continue
        kept.append(c)
        if reach is None or c[1] > reach[1]:
            reach = c
    # Same type, overlapping: one span over both.
    out: list[tuple[int, int, str, float, str]] = []
    open_by_type: dict[str, int] = {}
    for c in kept:
        i = open_by_type.get(c[2])
        if i is not None and c[0] < out[i][1]:
            prev = out[i]
            out[i] = (prev[0], max(prev[1], c[1]), prev[2], max(prev[3], c[3]), prev[4])
            continue
        open_by_type[c[2]] = len(out)
        out.append(c)
    return out


LOOKAHEAD_CUE = max(len(w) for words in CONTEXT_WORDS.values() for w in words)
RIGHT_CONTEXT = MAX_RIGHT_WINDOW
