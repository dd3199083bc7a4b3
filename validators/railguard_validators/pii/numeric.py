"""Numbers that prove themselves: cards, IBANs, formatted SSNs/ITINs/SINs, NHS numbers, IPv4, phones.

One regex pass finds the places worth a look: runs of at least seven digits and separators,
and two digits right after two letters (an IBAN's check digits). Its pattern starts with a
character class, so the regex engine skips prose at C speed. Only those places are matched
against each type's format, and a format match counts only if its validity check passes
(Luhn and issuer range, mod 97, SSN rules, ITIN groups, NHS mod 11, SIN Luhn, octet ranges,
libphonenumber metadata). Within a run the first type to claim a stretch keeps it, in the
order of :data:`ORDER`.
"""

from __future__ import annotations

import re
from typing import Iterable

from .checksums import IBAN_LENGTHS, card_issuer, iban_valid, itin_valid, luhn, nhs_valid, sin_valid, ssn_valid
from .contextual import CONTEXT_LED, VALUE_LED, value_ok
from .scan import Scan

__all__ = ["NumericRecognizer", "NUMERIC_TYPES", "MAX_LEN"]

# A place worth a look: an IBAN's check digits (two digits after two letters), or a run of
# 7+ characters of digits and separators that starts with a digit, '+' or '(' and ends on a digit.
_PLACES = re.compile(r"[0-9+(](?:(?<=[A-Za-z]{2}[0-9])[0-9]|[0-9 \-./()]{5,}[0-9])")
_DROP = {ord(c): None for c in " -./()+"}

_B = r"(?<![0-9])(?<![0-9][\-./])"  # not the tail of a longer number
_E = r"(?![0-9])(?![\-./][0-9])"  # not the head of a longer number

_CARD = re.compile(_B + r"(?:[0-9]{4}(?P<s>[ \-]?)[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{4}(?:(?P=s)[0-9]{3})?"
                   r"|[0-9]{4}[ \-][0-9]{6}[ \-][0-9]{4,5}|[0-9]{12,19})" + _E)
_SSN = re.compile(_B + r"[0-9]{3}(?P<s>[\- ])[0-9]{2}(?P=s)[0-9]{4}" + _E)
_SIN = re.compile(_B + r"[0-9]{3}(?P<s>[\- ])[0-9]{3}(?P=s)[0-9]{3}" + _E)
_NHS = re.compile(_B + r"[0-9]{3}(?P<s>[\- ]?)[0-9]{3}(?P=s)[0-9]{4}" + _E)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(r"(?<![0-9.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?![0-9])(?!\.[0-9])")
_PHONE = re.compile(r"(?<![0-9])(?:\+[0-9]{1,3}(?:[ .\-]?\(0\))?[ .\-]?|\(\+?[0-9]{1,3}\)[ .\-]?)?"
                    r"(?:\([0-9]{1,5}\)[ .\-]?)?[0-9]{1,15}(?:[ .\-][0-9]{1,8}){0,7}(?![0-9])")
# Shapes that are never taken for a phone number: an SSN, a date, a decimal number.
_NOT_PHONE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}|(?:19|20)[0-9]{2}([\-./])[01]?[0-9]\1[0-3]?[0-9]"
                        r"|[0-3]?[0-9]([\-./])[01]?[0-9]\2(?:19|20)[0-9]{2}|[0-9]+\.[0-9]{1,2}")
_DATE = re.compile(r"(?<![0-9])(?:(?:19|20)[0-9]{2}([\-./])[01]?[0-9]\1[0-3]?[0-9]"
                   r"|[0-3]?[0-9]([\-./])[01]?[0-9]\2(?:19|20)[0-9]{2})(?![0-9])")
_GROUP_START = re.compile(r"(?<=[ .\-])[0-9(]")
_iban_bodies: dict[int, re.Pattern[str]] = {}

# Runs written the way phone numbers are (and nothing else is): tried as a whole number first.
_PHONE_SHAPES = frozenset({"(999) 999-9999", "(999)999-9999", "(999) 999 9999", "999.999.9999", "9-999-999-9999",
                           "9 999 999 9999", "9.999.999.9999", "9 (999) 999-9999"})

# The shape of a run (each digit written as 9) names the types it can be as a whole. A run with
# a known shape is settled by that shape's checks alone; other runs are searched for values
# inside them ("born 1990 415-555-0132").
_SHAPE = str.maketrans("0123456789", "9999999999")
_CARDS_, _SSN_, _SIN_, _NHS_ = "CREDIT_DEBIT_CARD_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER", \
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER"
_SHAPES: dict[str, tuple[str, ...]] = {
    **{"9" * n: (_CARDS_,) for n in range(12, 20)},
    "9" * 10: (_NHS_,),
    **{sep.join(g): (_CARDS_,) for sep in " -" for g in (("9999",) * 4, ("9999", "999999", "99999"),
                                                          ("9999", "999999", "9999"))},
    **{sep.join(("999", "99", "9999")): (_SSN_,) for sep in " -"},
    **{sep.join(("999", "999", "999")): (_SIN_,) for sep in " -"},
    **{sep.join(("999", "999", "9999")): (_NHS_,) for sep in " -"},
}

# Claim order within a run; the long numbers that need a cue (contextual.VALUE_LED) come after IP_ADDRESS.
ORDER = ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "CREDIT_DEBIT_CARD_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
         "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER", "IP_ADDRESS",
         "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "PHONE")
NUMERIC_TYPES = frozenset(ORDER) | VALUE_LED
MAX_LEN = 40  # longest value here: a phone with country code and separators (IBANs: patterns.MAX_LEN)


def _iban_body(length: int) -> re.Pattern[str]:
    """The rest of an IBAN of ``length`` characters after its first four, spaces or dashes allowed."""
    pattern = _iban_bodies.get(length)
    if pattern is None:
        pattern = re.compile(r"(?:[ \-]?[A-Za-z0-9]){%d}(?![A-Za-z0-9])" % (length - 4))
        _iban_bodies[length] = pattern
    return pattern


def _free(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    for ts, te in taken:
        if s < te and ts < e:
            return False
    return True


class NumericRecognizer:
    """Finds the selected numeric types in one pass over the places worth a look."""

    def __init__(self, types: Iterable[str], phones=None) -> None:
        wanted = set(types)
        self.types = tuple(t for t in ORDER if t in wanted)
        self.phones = phones
        self.iban = "INTERNATIONAL_BANK_ACCOUNT_NUMBER" in wanted
        self.card = "CREDIT_DEBIT_CARD_NUMBER" in wanted
        self.ssn = "US_SOCIAL_SECURITY_NUMBER" in wanted
        self.itin = "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER" in wanted
        self.sin = "CA_SOCIAL_INSURANCE_NUMBER" in wanted
        self.ipv4 = "IP_ADDRESS" in wanted
        self.nhs = "UK_NATIONAL_HEALTH_SERVICE_NUMBER" in wanted
        self.phone = "PHONE" in wanted and phones is not None
        self.cued = tuple((t, CONTEXT_LED[t]) for t in sorted(wanted & VALUE_LED))
        self.runs = any((self.card, self.ssn, self.itin, self.sin, self.ipv4, self.nhs, self.phone, self.cued))
        self.active = self.runs or self.iban

    def __call__(self, scan: Scan) -> None:
        if not self.active:
            return
        text = scan.text
        skip = 0  # the end of the last IBAN: its digits are not looked at again
        phone_first = self.phone
        region_of = self.phones.region_of if self.phone else None
        for m in _PLACES.finditer(text):
            s, e = m.span()
            if s < skip:
                continue
            if e - s == 2:  # an IBAN's check digits
                if self.iban:
                    end = self._iban(scan, s - 2, e)
                    if end:
                        skip = end
                continue
            if not self.runs:
                continue
            raw = text[s:e]
            shape = raw.translate(_SHAPE)
            nd = shape.count("9")
            if nd < 7 and (nd < 4 or raw.count(".") != 3):
                continue  # too short for anything but an IPv4 address, and not dotted like one
            if self.ipv4 and nd <= 12 and _IPV4.fullmatch(raw):
                scan.add(s, e, "IP_ADDRESS", 1.0, "ipv4")
                continue
            known = _SHAPES.get(shape)
            if known is not None:
                self._whole(scan, s, e, raw, known)
                continue
            if phone_first and (shape[0] in "+(" or shape in _PHONE_SHAPES) and nd <= 17 \
                    and region_of(raw) is not None:
                scan.add(s, e, "PHONE", 0.9, "phonenumbers")
                continue
            if "-" in raw or "/" in raw or "." in raw:
                date = _DATE.search(text, s, e)
                if date is not None:  # "call 0412 348 535 2019-09-26": the date is not part of a number
                    for part_s, part_e in ((s, date.start()), (date.end(), e)):
                        part = text[part_s:part_e].strip(" -./()")
                        if len(part) >= 7:
                            part_s = text.index(part, part_s)
                            self._run(scan, part_s, part_s + len(part), part, part.translate(_SHAPE))
                    continue
            self._run(scan, s, e, raw, shape)

    def _run(self, scan: Scan, s: int, e: int, raw: str, shape: str) -> None:
        """A run of an unknown shape: each type's format searched inside it."""
        nd = shape.count("9")
        known = _SHAPES.get(shape)
        if known is not None:
            self._whole(scan, s, e, raw, known)
            return
        taken: list[tuple[int, int]] = []
        if self.card and nd >= 12:
            self._cards(scan, s, e, taken)
        if nd >= 9 and (self.ssn or self.itin) and ("-" in raw or " " in raw):
            self._ssn_itin(scan, s, e, taken)
        if self.sin and nd >= 9 and ("-" in raw or " " in raw):
            self._sin(scan, s, e, taken)
        if self.ipv4 and "." in raw:
            self._ipv4(scan, s, e, taken)
        if len(taken) == 1 and taken[0] == (s, e):
            return
        if self.cued and nd >= 8:
            self._cued(scan, s, e, taken)
        if self.nhs and nd >= 10:
            self._nhs(scan, s, e, taken)
        if self.phone and nd >= 7:
            self._phones(scan, s, e, taken)

    def _whole(self, scan: Scan, s: int, e: int, raw: str, shape: tuple[str, ...]) -> None:
        """A run whose shape is a known format: the first of its types whose check passes, else a phone."""
        d = raw.translate(_DROP)
        kind = shape[0]
        if kind == _CARDS_:
            if self.card and luhn(d) and card_issuer(d) is not None:
                scan.add(s, e, _CARDS_, 1.0, "luhn+issuer")
                return
        elif kind == _SSN_:
            if self.ssn and ssn_valid(d):
                scan.add(s, e, _SSN_, 1.0, "ssn-rules")
                return
            if self.itin and itin_valid(d):
                scan.add(s, e, "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", 1.0, "itin-ranges")
                return
            return  # an SSN-shaped number is never taken for a phone
        elif kind == _SIN_:
            if self.sin and sin_valid(d):
                scan.add(s, e, _SIN_, 1.0, "sin-luhn")
                return
        if self.cued:
            taken: list[tuple[int, int]] = []
            self._cued(scan, s, e, taken)
            if taken:
                return
        if kind == _NHS_:
            if self.nhs and nhs_valid(d) and (
                    self.phones is None or scan.near(_NHS_, s, e) or self.phones.region_of(raw) is None):
                scan.add(s, e, _NHS_, 1.0, "nhs-mod11")
                return
        if self.phone:
            self._phones(scan, s, e, [])

    def _cued(self, scan: Scan, s: int, e: int, taken: list) -> None:
        """Numbers that count only next to a cue ("SSN 078051121", "routing 021000021")."""
        text = scan.text
        for entity, rule in self.cued:
            for m in rule.value.finditer(text, max(0, s - 1), e):  # a passport may start with a letter
                ms, me = m.span()
                if _free(taken, ms, me) and value_ok(entity, rule, m.group()) and scan.near(entity, ms, me):
                    taken.append((ms, me))
                    scan.add(ms, me, entity, 0.95, "context")

    # -- claims ---------------------------------------------------------------------
    def _iban(self, scan: Scan, s: int, anchor_end: int) -> int:
        text = scan.text
        if s > 0 and text[s - 1].isalnum():
            return 0
        length = IBAN_LENGTHS.get(text[s:s + 2].upper())
        if length is None:
            return 0
        body = _iban_body(length).match(text, anchor_end)
        if body is None:
            return 0
        e = body.end()
        if iban_valid(text[s:e].translate(_DROP)):
            scan.add(s, e, "INTERNATIONAL_BANK_ACCOUNT_NUMBER", 1.0, "iban-mod97")
            return e
        return 0

    def _cards(self, scan: Scan, s: int, e: int, taken: list) -> None:
        for m in _CARD.finditer(scan.text, s, e):
            ms, me = m.span()
            d = m.group().translate(_DROP)
            if not (luhn(d) and card_issuer(d) is not None):
                if len(d) != 19 or not m.group("s"):
                    continue
                # "4408 9029 6410 0702 328 GB": a 16-digit card followed by another number
                me -= 4
                d = d[:16]
                if not (luhn(d) and card_issuer(d) is not None):
                    continue
            taken.append((ms, me))
            scan.add(ms, me, "CREDIT_DEBIT_CARD_NUMBER", 1.0, "luhn+issuer")

    def _ssn_itin(self, scan: Scan, s: int, e: int, taken: list) -> None:
        for m in _SSN.finditer(scan.text, s, e):
            if not _free(taken, *m.span()):
                continue
            d = m.group().translate(_DROP)
            if self.ssn and ssn_valid(d):
                taken.append(m.span())
                scan.add(m.start(), m.end(), "US_SOCIAL_SECURITY_NUMBER", 1.0, "ssn-rules")
            elif self.itin and itin_valid(d):
                taken.append(m.span())
                scan.add(m.start(), m.end(), "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", 1.0, "itin-ranges")

    def _sin(self, scan: Scan, s: int, e: int, taken: list) -> None:
        for m in _SIN.finditer(scan.text, s, e):
            if _free(taken, *m.span()) and sin_valid(m.group().translate(_DROP)):
                taken.append(m.span())
                scan.add(m.start(), m.end(), "CA_SOCIAL_INSURANCE_NUMBER", 1.0, "sin-luhn")

    def _ipv4(self, scan: Scan, s: int, e: int, taken: list) -> None:
        for m in _IPV4.finditer(scan.text, s, e):
            if _free(taken, *m.span()):
                taken.append(m.span())
                scan.add(m.start(), m.end(), "IP_ADDRESS", 1.0, "ipv4")

    def _nhs(self, scan: Scan, s: int, e: int, taken: list) -> None:
        for m in _NHS.finditer(scan.text, s, e):
            ms, me = m.span()
            if not _free(taken, ms, me) or not nhs_valid(m.group().translate(_DROP)):
                continue
            # Ten digits in 3-3-4 is also the shape of a NANP phone number: the context decides,
            # and without an NHS cue a valid phone number stays a phone number.
            if (self.phones is not None and not scan.near("UK_NATIONAL_HEALTH_SERVICE_NUMBER", ms, me)
                    and self.phones.region_of(m.group()) is not None):
                continue
            taken.append((ms, me))
            scan.add(ms, me, "UK_NATIONAL_HEALTH_SERVICE_NUMBER", 1.0, "nhs-mod11")

    def _phones(self, scan: Scan, s: int, e: int, taken: list) -> None:
        text = scan.text
        region_of = self.phones.region_of
        for m in _PHONE.finditer(text, s, e):
            ms, me = m.span()
            raw = m.group()
            nd = len(raw.translate(_DROP))
            if nd < 7 or not _free(taken, ms, me) or _NOT_PHONE.fullmatch(raw):
                continue
            if nd <= 17 and region_of(raw) is not None:
                taken.append((ms, me))
                scan.add(ms, me, "PHONE", 0.9, "phonenumbers")
                continue
            best = self._sub_phone(text, ms, me, taken)
            if best is not None:
                taken.append(best)
                scan.add(best[0], best[1], "PHONE", 0.9, "phonenumbers")
            elif nd <= 15 and scan.near("PHONE", ms, me):
                taken.append((ms, me))
                scan.add(ms, me, "PHONE", 0.6, "phone-shape+context")

    def _sub_phone(self, text: str, ms: int, me: int, taken: list) -> tuple[int, int] | None:
        """The longest valid number that starts or ends on a group boundary inside ``text[ms:me]``
        ("born 1990 415-555-0132" holds a phone after its first group)."""
        starts = [ms] + [g.start() for g in _GROUP_START.finditer(text, ms, me)]
        if len(starts) < 2:
            return None
        ends = [me] + [st - 1 for st in reversed(starts[1:])]
        best = None
        for a in starts:
            for b in ends:
                while b > a and not text[b - 1].isdigit():
                    b -= 1
                if b - a < 7 or (best is not None and b - a <= best[1] - best[0]) or (a == ms and b == me):
                    continue
                raw = text[a:b]
                nd = len(raw.translate(_DROP))
                if 7 <= nd <= 17 and _free(taken, a, b) and self.phones.region_of(raw) is not None:
                    best = (a, b)
        return best
