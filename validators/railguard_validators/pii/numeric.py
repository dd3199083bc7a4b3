"""Numbers that prove themselves: cards, IBANs, SSNs/ITINs/SINs, NHS numbers, IPv4, phones.

One regex pass finds the places worth a look: runs of at least seven digits and separators,
and two digits right after two letters (an IBAN's check digits). Its pattern starts with a
character class, so the regex engine skips prose at C speed.

A run is cut into **segments**, the stretches that can hold one value or a few written side by
side. Tokens are the run's space-separated pieces. A space between two tokens joins them
(``4111 1111 1111 1111``, ``+44 20 7946 0958``) unless the two are clearly separate: the next
token starts a new number (``+``, or ``(`` after anything but a country code or trunk digit),
or one of them has its own inner punctuation (``2024-07-12 (415) 555-0132``,
``1990 415-555-0132``, ``415-555-0132 212-555-0199``). A run glued to a letter (a hex digest,
a UUID, ``INV-2024``) holds no value; a segment longer than :data:`MAX_SEGMENT` characters or
:data:`MAX_TOKENS` tokens is one long identifier (a tracking number, a table row) and holds none
either. Every decision therefore depends on a bounded stretch of text (:data:`REACH`), which
keeps the scan linear and the streaming look-ahead finite.

A segment is first judged whole, by its shape and the validity rules (Luhn and issuer range,
SSN rules, ITIN groups, SIN Luhn, NHS mod 11, octet ranges, libphonenumber metadata). If it is
not a value as a whole, it is read as leading label numbers followed by values that fill the
rest exactly (``Order 1129 4111 1111 1111 1111``, ``In 2024 4111 1111 1111 1111``, two phones
side by side); a value is never carved out of the middle of a number, nor from its first digits.

An explicit cue for a type ("SSN", "card number", "NHS", "IBAN", "routing") makes a well-formed
value of that type count even when its validity rule fails: people type test values
(123-45-6789) and mistype digits. Where no cue speaks, the validity rules decide.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from .checksums import IBAN_LENGTHS, card_issuer, iban_valid, itin_valid, luhn, nhs_valid, sin_valid, ssn_valid
from .contextual import CONTEXT_LED, VALUE_LED
from .scan import Scan

__all__ = ["NumericRecognizer", "NUMERIC_TYPES", "MAX_LEN", "REACH", "MAX_SEGMENT", "MAX_TOKENS"]

# A place worth a look: an IBAN's check digits (two digits after two letters), or a run of
# 7+ characters of digits and separators that starts with a digit, '+' or '(' and ends on a digit.
_PLACES = re.compile(r"[0-9+(](?:(?<=[A-Za-z]{2}[0-9])[0-9]|[0-9 \-./()]{5,}[0-9])")
_DROP = {ord(c): None for c in " -./()+"}
_TOKEN = re.compile(r"[^ ]+")
_GROUPS = re.compile(r"[0-9]+")
_PLAIN_TAIL = re.compile(r"(?: [0-9]{1,40}(?![^ ]))*")  # following plain groups, each a whole token

MAX_SEGMENT = 40  # characters: longer is one identifier, never a value or a few values
MAX_TOKENS = 8
# How far a decision about a value can look: its segment, the space after it and the next token.
REACH = 2 * MAX_SEGMENT + 4
MAX_LEN = REACH

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(_OCTET + r"(?:\." + _OCTET + r"){3}(?:/(?:3[0-2]|[12]?[0-9]))?")  # CIDR suffix too
# Words that make a dotted number a section, version or standard rather than an address.
_NOT_IP = re.compile(r"(?:section|sections|sec|§|clause|chapter|ch|version|ver|release|rel|rule|article|art|"
                     r"paragraph|para|figure|fig|table|step|item|part|build|appendix|annex|standard|iso|rfc|"
                     r"page|pages|pp|no|number|heading|title|subsection|chapters|v|oid|isbn|lot|batch)"
                     r"\.?[ :#]*$")
_DATE = re.compile(r"(?:19|20)[0-9]{2}([\-./])[01]?[0-9]\1[0-3]?[0-9]|[0-3]?[0-9]([\-./])[01]?[0-9]\2(?:19|20)[0-9]{2}")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]{1,2}")
_PAREN_PREFIX = re.compile(r"\(\+?[0-9]{1,5}\)[0-9]*")
_COUNTRY = re.compile(r"\+[0-9]{1,3}")
_iban_bodies: dict[int, re.Pattern[str]] = {}

_CARD_, _SSN_, _ITIN_, _SIN_, _NHS_, _PHONE_ = (
    "CREDIT_DEBIT_CARD_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "CA_SOCIAL_INSURANCE_NUMBER", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "PHONE")

ORDER = ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", _CARD_, _SSN_, _ITIN_, _SIN_, "IP_ADDRESS", _NHS_, _PHONE_)
NUMERIC_TYPES = frozenset(ORDER) | VALUE_LED


def _iban_body(length: int) -> re.Pattern[str]:
    """The rest of an IBAN of ``length`` characters after its first four, spaces, dashes, dots or
    underscores between its characters allowed."""
    pattern = _iban_bodies.get(length)
    if pattern is None:
        pattern = re.compile(r"(?:[ \-._]?[A-Za-z0-9]){%d}(?![A-Za-z0-9])" % (length - 4))
        _iban_bodies[length] = pattern
    return pattern


def _glued(text: str, s: int, e: int) -> bool:
    """A letter (or '_') touches the run, directly or through one '-', '.' or '/': part of a word,
    a hex digest, a UUID or a code like INV-2024-0042, never a value of its own."""
    if s > 0:
        c = text[s - 1]
        if c.isalpha() or c == "_" or (c in "-./" and s > 1 and (text[s - 2].isalpha() or text[s - 2] == "_")):
            return True
    if e < len(text):
        c = text[e]
        if c.isalpha() or c == "_" or (c in "-./" and e + 1 < len(text) and text[e + 1].isalpha()):
            return True
    return False


def _punct(token: str) -> bool:
    return "-" in token or "." in token or "/" in token


def _prefix(token: str, first: bool) -> bool:
    """A token that leads into the next one: a country code, a bracketed area code, a trunk digit."""
    return (_COUNTRY.fullmatch(token) is not None or _PAREN_PREFIX.fullmatch(token) is not None
            or (first and token.isdigit() and len(token) <= 2))


def _joined(a: str, b: str, first: bool) -> bool:
    """Does a single space join token ``a`` to the next token ``b``?"""
    if len(a) > MAX_SEGMENT or len(b) > MAX_SEGMENT or b[0] == "+":
        return False
    if _prefix(a, first):
        return True
    return b[0] != "(" and not _punct(a) and not _punct(b)


def segments(text: str, s: int, e: int, tick=None) -> Iterator[list[tuple[int, int]] | None]:
    """The run ``text[s:e]`` cut into segments, each a list of token spans; None for a segment too
    long to hold a value (more than MAX_TOKENS tokens or MAX_SEGMENT characters). A token ending in
    '.', '-' or '/' ends a sentence or a clause there: the mark is not part of it and separates."""
    cur: list[tuple[int, int]] = []
    long = False
    prev = ""
    last_end = -2
    open_end = False  # the previous token ended in punctuation: nothing joins it
    pos = s
    while True:
        m = _TOKEN.search(text, pos, e)
        if m is None:
            break
        ts, te = m.span()
        pos = te
        if tick is not None:
            tick(ts)
        cut = te
        while cut > ts and text[cut - 1] in ".-/(":
            cut -= 1
        if text[ts] == "(" and not _PAREN_PREFIX.fullmatch(text, ts, cut):
            # Brackets around a value ("(452-81-9023)", "(5105 1051 ..."): not part of it.
            if text[cut - 1:cut] == ")" and text.count("(", ts, cut) == 1:
                cut -= 1
            if text.count(")", ts, cut) == 0:
                ts += 1
        elif text[cut - 1:cut] == ")" and text.count("(", ts, cut) == 0:
            cut -= 1
        if cut <= ts:
            if cur or long:
                yield None if long else cur
            cur, long, open_end = [], False, True
            continue
        tok = text[ts:cut]
        if (cur or long) and (open_end or not (ts == last_end + 1 and _joined(prev, tok, len(cur) == 1 and not long))):
            yield None if long else cur
            cur, long = [], False
        if not long:
            cur.append((ts, cut))
            if len(cur) > MAX_TOKENS or cut - cur[0][0] > MAX_SEGMENT:
                cur, long = [], True
        if long and cut == te and tok.isdigit():
            # Plain groups after plain groups always join: skip them at C speed.
            more = _PLAIN_TAIL.match(text, te, e)
            if more.end() > te:
                te = pos = more.end()
                tok = text[text.rfind(" ", ts, te) + 1:te]
        prev = tok
        last_end = te
        open_end = cut != te
    if cur or long:
        yield None if long else cur


_NO_DIGITS = {ord(c): None for c in "0123456789"}


@lru_cache(maxsize=4096)
def _groups(raw: str) -> tuple[int, ...]:
    """Sizes of the digit groups (cached: runs repeat their shapes)."""
    return tuple(len(g) for g in _GROUPS.findall(raw))


@lru_cache(maxsize=4096)
def _seps(raw: str) -> frozenset[str]:
    return frozenset(raw.translate(_NO_DIGITS))


_CARD_GROUPS = frozenset({(4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3)})
# Words before a long grouped number that make it one shipping reference, never a label plus a value.
_SHIPPING = re.compile(r"\b(?:tracking|track|parcel|package|shipment|shipping|waybill|consignment|usps|ups|fedex|"
                       r"dhl|courier|awb|delivery|depot|reference|ref)\b")
# Words that make an SSN-shaped number a score, a result or a count (when no SSN cue is near).
_SCORES = re.compile(r"\b(?:scor(?:e|es|ed|ing)|points?|pts|results?|tally|standings|won|lost|beat|rounds?|"
                     r"votes?|totals?|stats?|statistics)\b")
_NANP_GROUPS = frozenset({(3, 3, 4), (1, 3, 3, 4), (3, 4), (3, 7), (1, 3, 7)})


def _card_shape(raw: str, d: str) -> bool:
    """12-19 digits plain, or 13-19 grouped as cards are printed (fours, 4-6-5, 4-6-4, 4-4-4-4-3) with
    one kind of separator; fours run together (an invisible character between them) count."""
    seps = _seps(raw)
    if not seps:
        return 12 <= len(d) <= 19  # Maestro numbers can have 12 digits
    if not 13 <= len(d) <= 19:
        return False
    if len(seps) != 1 or not seps <= {" ", "-", "."}:
        return False
    sizes = _groups(raw)
    return all(n % 4 == 0 for n in sizes) or sizes in _CARD_GROUPS


def _three(raw: str, sizes: tuple[int, int, int]) -> bool:
    """Three groups of ``sizes`` with one separator (space, dash or dot), or those digits plain."""
    seps = _seps(raw)
    if not seps:
        return len(raw) == sum(sizes)
    return len(seps) == 1 and seps <= {" ", "-", "."} and _groups(raw) == sizes


def _phone_grouping(raw: str, d: str, whole: bool) -> bool:
    """Groups the way phone numbers are written: international (+, 00) any way; a national number
    with a trunk 0 in groups of up to 7 (only as a whole segment: inside a longer number such
    groups are anything); otherwise as NANP numbers are (3-3-4, 1-3-3-4, 3-4)."""
    if raw.startswith("+") or raw.startswith("(+") or d.startswith("00"):
        return True
    sizes = _groups(raw)
    if d.startswith("0") and whole:
        # Pairs only as French numbers are written (five of them); other lists of pairs are not phones.
        return max(sizes) <= 7 and (max(sizes) > 2 or len(sizes) == 5)
    return sizes in _NANP_GROUPS


def _nowhere(entity: str, start: int, end: int) -> bool:
    return False


class NumericRecognizer:
    """Finds the selected numeric types in one pass over the places worth a look."""

    def __init__(self, types: Iterable[str], phones=None) -> None:
        wanted = set(types)
        self.types = tuple(t for t in ORDER if t in wanted)
        self.phones = phones
        self.iban = "INTERNATIONAL_BANK_ACCOUNT_NUMBER" in wanted
        self.card = _CARD_ in wanted
        self.ssn = _SSN_ in wanted
        self.itin = _ITIN_ in wanted
        self.sin = _SIN_ in wanted
        self.ipv4 = "IP_ADDRESS" in wanted
        self.nhs = _NHS_ in wanted
        self.phone = _PHONE_ in wanted and phones is not None
        self.cued = tuple((t, CONTEXT_LED[t]) for t in sorted(wanted & VALUE_LED))
        self.runs = any((self.card, self.ssn, self.itin, self.sin, self.ipv4, self.nhs, self.phone, self.cued))
        self.active = self.runs or self.iban

    def __call__(self, scan: Scan) -> None:
        if not self.active:
            return
        text = scan.text
        skip = 0  # the end of the last IBAN: its digits are not looked at again
        tick = scan.tick
        for m in _PLACES.finditer(text):
            s, e = m.span()
            tick(s)
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
            # A number glued by ':' or ',' to the next one ("4861 6:37 am", "1,234"): another value.
            if e + 1 < len(text) and text[e] in ":," and text[e + 1].isdigit():
                space = text.rfind(" ", s, e)
                if space > s:  # else one token: an address and its port, kept whole
                    e = space
            if s > 1 and text[s - 1] in ":," and text[s - 2].isdigit():
                space = text.find(" ", s, e)
                if space > 0:
                    s = space + 1
            if _glued(text, s, e):
                if self.cued and s > 0 and text[s - 1].isupper():
                    self._cued(scan, s, e)  # a passport number may start with a letter: C03005988
                continue
            for seg in segments(text, s, e, tick):
                if seg is not None:
                    self._segment(scan, seg)

    # -- one segment ------------------------------------------------------------------
    def _segment(self, scan: Scan, seg: list[tuple[int, int]]) -> None:
        text = scan.text
        a, b = seg[0][0], seg[-1][1]
        raw = text[a:b]
        d = raw.translate(_DROP)
        if len(d) < 7:
            if len(d) >= 4 and self.ipv4 and len(seg) == 1:
                self._ipv4(scan, a, b, raw)
            return
        if len(seg) == 1 and "." in raw and self.ipv4 and self._ipv4(scan, a, b, raw):
            return
        if _DATE.fullmatch(raw) or _DECIMAL.fullmatch(raw):
            return
        if self.card and len(seg) == 5 and self._card_then_number(scan, seg, raw, d):
            return
        whole = self._value(scan, a, b, raw, d, True)
        if whole is not None:
            scan.add(a, b, *whole)
            return
        if len(seg) > 1:
            self._parts(scan, seg)
        elif self.cued:
            self._cued(scan, a, b)

    def _card_then_number(self, scan: Scan, seg: list[tuple[int, int]], raw: str, d: str) -> bool:
        """"4408 9029 6410 0702 328": not a 19-digit card, but a 16-digit one and another number."""
        if _groups(raw) != (4, 4, 4, 4, 3) or len(_seps(raw)) != 1 or (luhn(d) and card_issuer(d)):
            return False
        if luhn(d[:16]) and card_issuer(d[:16]) is not None:
            scan.add(seg[0][0], seg[3][1], _CARD_, 1.0, "luhn+issuer")
            return True
        return False

    def _parts(self, scan: Scan, seg: list[tuple[int, int]]) -> None:
        """Leading label numbers, then values that fill the rest of the segment exactly; values that
        pass their validity rules first, then values their cues vouch for."""
        for cues in (False, True):
            if self._fill(scan, seg, cues):
                return

    def _fill(self, scan: Scan, seg: list[tuple[int, int]], cues: bool) -> bool:
        text = scan.text
        n = len(seg)
        memo: dict[tuple[int, int], tuple | None] = {}

        def value(i: int, j: int):
            key = (i, j)
            if key not in memo:
                a, b = seg[i][0], seg[j - 1][1]
                raw = text[a:b]
                d = raw.translate(_DROP)
                memo[key] = self._value(scan, a, b, raw, d, False, cues) if len(d) >= 7 else None
            return memo[key]

        # fill[i]: the values that cover tokens i..n-1 exactly (longest first), or None.
        fill: list[list | None] = [None] * (n + 1)
        fill[n] = []
        for i in range(n - 1, -1, -1):
            for j in range(n, i, -1):
                if fill[j] is not None:
                    got = value(i, j)
                    if got is not None:
                        fill[i] = [(i, j, got), *fill[j]]
                        break
        # At most one label number before the values ("Order 1129 ..."), none in a shipping reference.
        labels = 1 if _SHIPPING.search(scan.lower, max(0, seg[0][0] - 40), seg[0][0]) is None else 0
        for k in range(0, labels + 1):
            if fill[k]:
                for i, j, got in fill[k]:
                    scan.add(seg[i][0], seg[j - 1][1], *got)
                return True
        # One number after a value its cue introduces ("card number 4111 1111 1111 1111 12 items").
        for j in range(n - 1, 0, -1):
            got = value(0, j)
            if got is not None:
                if scan.near(got[0], seg[0][0], seg[j - 1][1]):
                    scan.add(seg[0][0], seg[j - 1][1], *got)
                    return True
                break
        return False

    def _value(self, scan: Scan, a: int, b: int, raw: str, d: str, whole: bool,
               cues: bool = True) -> tuple[str, float, str] | None:
        """What ``text[a:b]`` is as a whole, if anything: (type, score, why). Without ``cues``, only
        values that pass their validity rules."""
        near = scan.near if cues else _nowhere
        if self.card and _card_shape(raw, d):
            if luhn(d) and card_issuer(d) is not None:
                return _CARD_, 1.0, "luhn+issuer"
            if 13 <= len(d) <= 19 and near(_CARD_, a, b):
                return _CARD_, 0.9, "card-format+context"
        if _three(raw, (3, 2, 4)):
            plain = raw.isdigit()
            if not plain or whole:
                valid = not plain and ssn_valid(d)
                scores = _SCORES.search(scan.lower, max(0, a - 32), min(scan.n, b + 12)) is not None
                cued = (scores or not valid) and near(_SSN_, a, b)
                if scores and not cued:
                    return None  # "scored it 310-36-2834", "429 43 5391 points"
                if self.ssn and (valid or cued):
                    return _SSN_, 1.0 if valid else 0.9, "ssn-rules" if valid else "ssn-format+context"
                if self.itin and d[0] == "9" and ((not plain and itin_valid(d)) or near(_ITIN_, a, b)):
                    return _ITIN_, 1.0, "itin-ranges"
            if not plain:
                return None  # an SSN-shaped number is never taken for a phone
        if self.sin and _three(raw, (3, 3, 3)):
            plain = raw.isdigit()
            if (not plain and sin_valid(d) and d[0] not in "08") or near(_SIN_, a, b):
                return _SIN_, 1.0, "sin-luhn"
        if self.cued and whole:
            found = self._cued(scan, a, b)
            if found:
                return None  # added by _cued
        if self.nhs and _three(raw, (3, 3, 4)):
            if near(_NHS_, a, b):
                return _NHS_, 1.0, "nhs-mod11" if nhs_valid(d) else "nhs-format+context"
            if not raw.isdigit() and nhs_valid(d) and (self.phones is None or self.phones.region_of(raw) is None):
                return _NHS_, 1.0, "nhs-mod11"
        if self.phone:
            return self._phone(scan, a, b, raw, d, whole, near)
        return None

    def _phone(self, scan: Scan, a: int, b: int, raw: str, d: str, whole: bool, near) -> tuple[str, float, str] | None:
        if len(d) > 17 or _DATE.fullmatch(raw):
            return None
        region_of = self.phones.region_of

        def cued() -> bool:
            return whole and len(d) <= 15 and near(_PHONE_, a, b)

        if raw.isdigit():  # bare digits are a count, an id or a timestamp unless a cue says phone
            if not cued():
                return None
            return (_PHONE_, 0.9, "phonenumbers+context") if region_of(raw) else (_PHONE_, 0.6, "phone-shape+context")
        if _phone_grouping(raw, d, whole):
            if region_of(raw) is not None:
                return _PHONE_, 0.9, "phonenumbers"
        elif whole and d[0] != "0" and max(_groups(raw)) <= 4 and region_of(raw) not in (None, "US", "CA"):
            # Regions without a trunk prefix write national numbers in threes ("612 345 678" in
            # Spain): accepted as a whole segment when valid for a configured region outside NANP.
            return _PHONE_, 0.9, "phonenumbers"
        if cued():
            return _PHONE_, 0.6, "phone-shape+context"
        return None

    def _cued(self, scan: Scan, s: int, e: int) -> bool:
        """Numbers that count only next to a cue ("SSN 078051121", "routing 021000021"). The cue
        makes a well-formed number count even if its checksum fails (see the module docstring)."""
        text = scan.text
        for entity, rule in self.cued:
            if not scan.near(entity, max(0, s - 1), e):  # no cue around the whole stretch: none inside
                continue
            for m in rule.value.finditer(text, max(0, s - 1), e):  # a passport may start with a letter
                ms, me = m.span()
                if ms < s - 1 or me > e or not scan.near(entity, ms, me):
                    continue
                if entity == "US_BANK_ACCOUNT_NUMBER" and not 8 <= sum(c.isdigit() for c in m.group()) <= 17:
                    continue
                if entity == _ITIN_ and not m.group().startswith("9"):
                    continue
                scan.add(ms, me, entity, 0.95, "context")
                return True
        return False

    # -- single-format claims ------------------------------------------------------------
    def _ipv4(self, scan: Scan, a: int, b: int, raw: str) -> bool:
        if _IPV4.fullmatch(raw) is None:
            return False
        before = scan.lower[max(0, a - 24):a]
        if _NOT_IP.search(before) is None:
            scan.add(a, b, "IP_ADDRESS", 1.0, "ipv4")
        return True

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
        if scan.near("INTERNATIONAL_BANK_ACCOUNT_NUMBER", s, e):
            scan.add(s, e, "INTERNATIONAL_BANK_ACCOUNT_NUMBER", 0.9, "iban-format+context")
            return e
        return 0
