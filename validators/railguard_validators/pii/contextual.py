"""Values that prove nothing alone: found from their cue words outward.

For each cue of a selected type (``ContextIndex``), the value is looked for just after the cue
("my PIN is 4821", "password: hunter2") and, for numeric types, just before it ("45 years old").
Token-like values (passwords, user names, licence numbers, plates) must follow the cue through
a short connector (``:``, ``=``, ``is``, ``number``); numeric values may sit anywhere within
the type's window but must stand alone (no digit or letter glued to them) and pass their
validity check where one exists (ABA checksum, SSN rules, SIN Luhn, ITIN groups).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .checksums import aba_valid, itin_valid, sin_valid, ssn_valid
from .context import DEFAULT_WINDOW, WINDOWS
from .scan import Scan

__all__ = ["ContextualRecognizer", "CONTEXT_LED", "VALUE_LED", "MAX_LEN", "value_ok"]

_CONNECTOR = re.compile(r"(?:(?:[ \t]*\n){0,2}[ \t]*(?:->|=>|[:=#\](,|]|-{1,2}(?=\s)|\.{2,3}|[`'\"](?=[ \t]*[:=])"
                        r"|is\b|was\b|number\b|num\b|no\b\.?|id\b|code\b"
                        r"|to\b|\?[ \t]*(?:[Ii]t|[Tt]hat|[Mm]ine)\b(?=[ \t]*(?:is\b|was\b))"
                        r"|(?:on file|we have)\b(?=[ \t]*(?:is\b|was\b|:))|</?[A-Za-z][A-Za-z0-9]{0,5}>))*"
                        r"(?:[ \t]*\n){0,2}[ \t]*")
_EXPLICIT = re.compile(r"[:=]|\bis\b|\bwas\b")
_QUOTES = "\"'“”‘’`"
_TRAIL = ".,;:!?)]}>" + _QUOTES
_STOP = frozenset("""
a an the is was are be been not no none too very so and or but for to of in on at by with from my your our his
her their its this that these those it here there below above again please same different wrong incorrect correct
invalid valid required missing expired reset changed change changing strong weak long short secure field manager
policy protected strength hint recovery forgotten forgot case sensitive set new old one different updated blank
empty same still just also only now then when if what which who whom how why where i me you we they he she him
them us do does did done have has had will would should could can may might must shall into about after before
""".split())


def _digits_only(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


@dataclass(frozen=True)
class Rule:
    value: re.Pattern[str]
    after_only: bool = False  # token-like values: only right after the cue, through a connector
    check: Callable[[str], bool] | None = None
    max_len: int = 20


def _ok_token(value: str, explicit: bool) -> bool:
    if value.lower() in _STOP:
        return False
    return explicit or not value.isalpha()


def _n(pattern: str) -> re.Pattern[str]:
    """A value that stands alone: no digit (or letter) glued to it."""
    return re.compile(r"(?<![A-Za-z0-9])(?:" + pattern + r")(?![A-Za-z0-9])")


CONTEXT_LED: dict[str, Rule] = {
    "PASSWORD": Rule(re.compile(r"[^\s\"'“”‘’<>]{4,128}"), after_only=True, max_len=128),
    "USERNAME": Rule(re.compile(r"@?[A-Za-z0-9][A-Za-z0-9._\-]{2,63}"), after_only=True, max_len=65),
    "DRIVER_ID": Rule(re.compile(r"(?=[A-Za-z0-9\- ]*[0-9])[A-Za-z0-9](?:[A-Za-z0-9\-]| (?=[0-9])){3,18}[A-Za-z0-9]"),
                      after_only=True, max_len=20),
    "LICENSE_PLATE": Rule(re.compile(r"(?=[A-Z0-9 \-]*[0-9])(?=[A-Z0-9 \-]*[A-Z])[A-Z0-9]{1,4}(?:[ \-]?[A-Z0-9]{1,4}){0,2}"),
                          after_only=True, max_len=14),
    "PIN": Rule(_n(r"[0-9]{4,8}"), max_len=8),
    "CREDIT_DEBIT_CARD_CVV": Rule(_n(r"[0-9]{3,4}"), max_len=4),
    "AGE": Rule(re.compile(r"(?<![A-Za-z0-9/.,:\-])(?:1[01][0-9]|120|[1-9]?[0-9])(?![A-Za-z0-9/:%]|[.,\-][0-9])"),
                max_len=3),
    "CREDIT_DEBIT_CARD_EXPIRY": Rule(_n(r"(?:0?[1-9]|1[0-2]) ?[/\-] ?(?:20)?[0-9]{2}"), max_len=9),
    "AWS_SECRET_KEY": Rule(re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
                           check=lambda v: sum((any(c.isupper() for c in v), any(c.islower() for c in v),
                                                any(c.isdigit() for c in v))) >= 2, max_len=40),
    "US_BANK_ACCOUNT_NUMBER": Rule(_n(r"[0-9](?:[0-9]|[- ](?=[0-9])){7,19}"),
                                   check=lambda d: 8 <= len(d) <= 17, max_len=22),
    "US_BANK_ROUTING_NUMBER": Rule(_n(r"[0-9]{9}"), check=aba_valid, max_len=9),
    "US_SOCIAL_SECURITY_NUMBER": Rule(_n(r"[0-9]{9}"), check=ssn_valid, max_len=9),
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": Rule(_n(r"9[0-9]{8}"), check=itin_valid, max_len=9),
    "CA_SOCIAL_INSURANCE_NUMBER": Rule(_n(r"[0-9]{9}"), check=sin_valid, max_len=9),
    "US_PASSPORT_NUMBER": Rule(_n(r"[A-Z][0-9]{8}|[0-9]{9}"), max_len=9),
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": Rule(_n(r"[0-9]{5}[ \-.]?[0-9]{5}K?"), max_len=12),
    "CA_HEALTH_NUMBER": Rule(_n(r"[0-9]{4}[ \-.]?[0-9]{3}[ \-.]?[0-9]{3}(?:[ \-]?[A-Z]{2})?"
                                r"|[A-Z]{4} ?[0-9]{4} ?[0-9]{4}"), max_len=15),
}
MAX_LEN = {t: r.max_len for t, r in CONTEXT_LED.items()}
# Long numbers are found value-first by the numeric recognizer (their digits are among the runs it
# already visits) and kept when a cue is near; the cue pass is then only run where such a number is.
VALUE_LED = frozenset({"US_SOCIAL_SECURITY_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
                       "CA_SOCIAL_INSURANCE_NUMBER", "US_BANK_ROUTING_NUMBER", "US_BANK_ACCOUNT_NUMBER",
                       "US_PASSPORT_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER"})
_CHECKS = {  # digits-only validity for the numeric rules
    "US_BANK_ROUTING_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "CA_SOCIAL_INSURANCE_NUMBER", "US_BANK_ACCOUNT_NUMBER",
}


def value_ok(entity: str, rule: Rule, value: str) -> bool:
    if rule.check is None:
        return True
    return rule.check(_digits_only(value) if entity in _CHECKS else value)


class ContextualRecognizer:
    """Finds the selected context-led types from their cues."""

    def __init__(self, types: Iterable[str]) -> None:
        self.rules = tuple((t, CONTEXT_LED[t]) for t in sorted(set(types)) if t in CONTEXT_LED and t not in VALUE_LED)

    def __call__(self, scan: Scan) -> None:
        if not self.rules:
            return
        ctx = scan.ctx
        if ctx is None:
            return
        for entity, rule in self.rules:
            hits = ctx.hits(entity)
            if not hits:
                continue
            gap_after, gap_before = WINDOWS.get(entity, DEFAULT_WINDOW)
            for hs, he in hits:
                found = self._after(scan, entity, rule, he, gap_after)
                if found is None and not rule.after_only:
                    found = self._before(scan, entity, rule, hs, gap_before)
                if found is not None:
                    scan.add(found[0], found[1], entity, 0.95, "context")

    @staticmethod
    def _value_ok(entity: str, rule: Rule, value: str) -> bool:
        return value_ok(entity, rule, value)

    def _after(self, scan: Scan, entity: str, rule: Rule, he: int, gap: int) -> tuple[int, int] | None:
        text = scan.text
        if rule.after_only:
            c = _CONNECTOR.match(text, he)
            pos = c.end()
            quoted = pos < scan.n and text[pos] in _QUOTES
            if quoted:
                pos += 1
            m = rule.value.match(text, pos)
            if m is None:
                return None
            s, e = m.span()
            while e > s and text[e - 1] in _TRAIL:
                e -= 1
            value = text[s:e]
            if e - s < 2 or (e < scan.n and (text[e].isalnum() and not quoted)):
                return None
            if entity in ("PASSWORD", "USERNAME") and not _ok_token(value, quoted or bool(_EXPLICIT.search(c.group()))):
                return None
            return (s, e) if self._value_ok(entity, rule, value) else None
        end = min(scan.n, he + gap + rule.max_len + 1)
        for m in rule.value.finditer(text, he, end):
            if m.start() - he > gap:
                return None
            if m.end() == end and end < scan.n:  # cut by the window: read the value whole
                m = rule.value.match(text, m.start())
                if m is None:
                    continue
            if self._value_ok(entity, rule, m.group()):
                return m.span()
        return None

    def _before(self, scan: Scan, entity: str, rule: Rule, hs: int, gap: int) -> tuple[int, int] | None:
        """The last value ending within ``gap`` characters before the cue."""
        last = None
        for m in rule.value.finditer(scan.text, max(0, hs - gap - rule.max_len), hs):
            if m.end() >= hs - gap and self._value_ok(entity, rule, m.group()):
                last = m
        return None if last is None else last.span()
