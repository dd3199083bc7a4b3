"""Generated test sets for benchmarks/pii.py: an evasion matrix and ordinary identifiers.

- :func:`evasion_cases`: values of all 31 entity types x transforms real-world text applies
  (invisible characters, unusual separators and dashes, digits of other scripts, line breaks)
  x wrappers (the sentence around the value, always with a cue for the value's type). A case
  leaks when a letter or digit of the value is left unmasked.
- :func:`ordinary_sentences`: sentences with identifiers that are not personal data (section
  numbers, ISBNs, order and tracking numbers, timestamps, UUIDs, digests, versions, prices, ...)
  in many categories; a sentence counts as a false positive when anything in it is flagged.

Both are seeded; the figures in a report come from a seed never used while tuning the detector.
"""

from __future__ import annotations

import random
import string
import uuid
import hashlib
from typing import Callable

__all__ = ["VALUES", "TRANSFORMS", "WRAPPERS", "HELD_OUT_VALUES", "HELD_OUT_WRAPPERS",
           "FRESH_VALUES", "FRESH_WRAPPERS", "THIRD_VALUES", "THIRD_WRAPPERS", "evasion_cases", "CATEGORIES", "ordinary_sentences"]

# (entity type, value, cue phrase): 44 values of the 31 types.
VALUES: tuple[tuple[str, str, str], ...] = (
    ("EMAIL", "jane.roe@example.com", "e-mail"),
    ("EMAIL", "jos\u00e9@example.com", "e-mail"),
    ("EMAIL", "\u043c\u0430\u0440\u0438\u044f@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "e-mail"),
    ("PHONE", "(415) 555-0132", "phone"),
    ("PHONE", "+44 20 7946 0958", "phone"),
    ("PHONE", "212-555-0199", "phone"),
    ("PHONE", "+49 30 901820", "phone"),
    ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234", "SSN"),
    ("US_SOCIAL_SECURITY_NUMBER", "123-45-6789", "SSN"),
    ("US_SOCIAL_SECURITY_NUMBER", "078-05-1120", "social security number"),
    ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111", "card number"),
    ("CREDIT_DEBIT_CARD_NUMBER", "5500-0000-0000-0004", "credit card"),
    ("CREDIT_DEBIT_CARD_NUMBER", "3782 822463 10005", "card"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "GB82 WEST 1234 5698 7654 32", "IBAN"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "DE89 3704 0044 0532 0130 00", "IBAN"),
    ("IP_ADDRESS", "192.168.1.20", "IP address"),
    ("IP_ADDRESS", "2001:db8::8a2e:370:7334", "IP address"),
    ("URL", "https://example.com/account/42", "link"),
    ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE", "access key id"),
    ("AWS_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key"),
    ("MAC_ADDRESS", "00:1A:2B:3C:4D:5E", "MAC"),
    ("UK_NATIONAL_INSURANCE_NUMBER", "AB 12 34 56 C", "NI number"),
    ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "943 476 5919", "NHS number"),
    ("CA_SOCIAL_INSURANCE_NUMBER", "046 454 286", "SIN"),
    ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "912-70-1234", "ITIN"),
    ("US_BANK_ROUTING_NUMBER", "021000021", "routing number"),
    ("US_BANK_ACCOUNT_NUMBER", "000123456789", "account number"),
    ("US_PASSPORT_NUMBER", "C03005988", "passport number"),
    ("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "12345 67890", "UTR"),
    ("SWIFT_CODE", "DEUTDEFF500", "SWIFT code"),
    ("VEHICLE_IDENTIFICATION_NUMBER", "1HGCM82633A004352", "VIN"),
    ("CA_HEALTH_NUMBER", "1234-567-890", "health card number"),
    ("DRIVER_ID", "D1234567", "driver's license"),
    ("LICENSE_PLATE", "7ABC123", "license plate"),
    ("PIN", "4821", "PIN"),
    ("CREDIT_DEBIT_CARD_CVV", "737", "CVV"),
    ("CREDIT_DEBIT_CARD_EXPIRY", "12/27", "expiry"),
    ("AGE", "45", "age"),
    ("PASSWORD", "hunter2!Xy", "password"),
    ("USERNAME", "jroe_1984", "username"),
    ("NAME", "Jane Roe", "my name is"),
    ("ADDRESS", "1600 Pennsylvania Ave NW, Washington, DC 20500", "address"),
    ("US_SOCIAL_SECURITY_NUMBER", "219-09-9999", "SSN"),
    ("PHONE", "0412 345 678", "mobile"),
)

# Held out: values and wrappers never looked at while tuning the detector (a second matrix).
HELD_OUT_VALUES: tuple[tuple[str, str, str], ...] = (
    ("EMAIL", "li.wei+news@mail.example.org", "email"),
    ("EMAIL", "m\u00fcller@b\u00fcro.example.de", "mail"),
    ("PHONE", "(646) 555-0178", "cell"),
    ("PHONE", "+33 1 42 68 53 00", "telephone"),
    ("PHONE", "020 7946 0321", "phone number"),
    ("US_SOCIAL_SECURITY_NUMBER", "287-65-4321", "social security no."),
    ("US_SOCIAL_SECURITY_NUMBER", "001-01-0001", "SSN#"),
    ("CREDIT_DEBIT_CARD_NUMBER", "6011 0009 9013 9424", "debit card"),
    ("CREDIT_DEBIT_CARD_NUMBER", "3530-1113-3330-0000", "visa"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "FR14 2004 1010 0505 0001 3M02 606", "IBAN"),
    ("IP_ADDRESS", "10.20.30.40", "server IP"),
    ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "401 023 2137", "NHS no"),
    ("CA_SOCIAL_INSURANCE_NUMBER", "130 692 544", "social insurance number"),
    ("US_BANK_ROUTING_NUMBER", "011000015", "ABA"),
    ("US_BANK_ACCOUNT_NUMBER", "4400 1234 5678", "acct"),
    ("MAC_ADDRESS", "3C-22-FB-12-34-56", "MAC address"),
    ("VEHICLE_IDENTIFICATION_NUMBER", "1M8GDM9AXKP042788", "VIN"),
    ("PIN", "9034", "PIN code"),
    ("PASSWORD", "Tr0ub4dor&3", "pwd"),
    ("NAME", "Maria Garcia", "my name is"),
)
HELD_OUT_WRAPPERS: tuple[str, ...] = (
    "FYI {cue} = {v}",
    "Could you update my {cue}? It is {v}",
    "[{cue}] {v} (please keep private)",
    "{cue}:\n{v}\n",
    "* {cue} -> {v};",
    "Per our call, {cue} {v}. Cheers",
    "'{cue}': '{v}'",
    "Re: {cue} - {v}",
    "{cue} is {v}!!",
    "Note that the {cue} {v} is new.",
)

# A second held-out matrix, written after the first one had been used to find (and fix) bugs. Its
# first measurement (4.98% of cases leaked) was taken before it, too, was used to find bugs; a new
# matrix is needed for a fresh held-out figure.
FRESH_VALUES: tuple[tuple[str, str, str], ...] = (
    ("EMAIL", "o.brien@example.ie", "contact email"),
    ("PHONE", "+1 (312) 555-0147", "call"),
    ("PHONE", "07700 900461", "mobile number"),
    ("US_SOCIAL_SECURITY_NUMBER", "452-81-9023", "SSN"),
    ("CREDIT_DEBIT_CARD_NUMBER", "5105 1051 0510 5100", "mastercard"),
    ("CREDIT_DEBIT_CARD_NUMBER", "371449635398431", "amex"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "NL91 ABNA 0417 1643 00", "IBAN"),
    ("IP_ADDRESS", "172.16.254.3", "IP"),
    ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "923-88-4567", "ITIN"),
    ("UK_NATIONAL_INSURANCE_NUMBER", "CE 48 27 91 B", "national insurance number"),
    ("US_PASSPORT_NUMBER", "483920175", "passport no"),
    ("CREDIT_DEBIT_CARD_CVV", "4321", "security code"),
    ("CREDIT_DEBIT_CARD_EXPIRY", "03/2029", "expires"),
    ("USERNAME", "k.tanaka77", "login"),
    ("AWS_ACCESS_KEY", "ASIAY34FZKBOKMUTVV7A", "key"),
)
FRESH_WRAPPERS: tuple[str, ...] = (
    "ok so my {cue} is {v} lol",
    "{cue} -- {v}",
    "Hello team, {cue}: {v}. Best, J",
    "<p>{cue}: <b>{v}</b></p>",
    "Your {cue} ({v}) was saved.",
    "new {cue}={v}&next=1",
    "> {cue} {v}",
    "I think the {cue} is {v}, right?",
    "{cue}\t{v}",
    "Please use this {cue}: {v}",
)

# A third held-out matrix, written after the second had been used to find bugs. First measurement:
# 172 of 2,330 cases leaked (7.38%), every one a DRIVER_ID after a connector the rules did not know;
# the other ten types leaked nothing. It was then used to fix those connectors.
THIRD_VALUES: tuple[tuple[str, str, str], ...] = (
    ("EMAIL", "sam_lee@sub.example.co.uk", "email address"),
    ("PHONE", "(718) 555-0163", "number"),
    ("PHONE", "+61 2 9876 5432", "landline"),
    ("US_SOCIAL_SECURITY_NUMBER", "372-54-8810", "social security"),
    ("CREDIT_DEBIT_CARD_NUMBER", "4012 8888 8888 1881", "credit card number"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "ES91 2100 0418 4502 0005 1332", "iban"),
    ("IP_ADDRESS", "203.0.113.77", "ip address"),
    ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "485 777 3456", "NHS number"),
    ("US_BANK_ROUTING_NUMBER", "026009593", "routing no."),
    ("DRIVER_ID", "S530-4127-9310", "DL#"),
    ("AGE", "67", "aged"),
    ("URL", "http://www.example.org/profile?id=991", "profile link"),
)
THIRD_WRAPPERS: tuple[str, ...] = (
    "Hey! {cue}: {v} :)",
    "(for the record, {cue} {v})",
    "Subject: {cue}\n\n{v}",
    "The {cue}, {v}, is on the form.",
    "| {cue} | {v} |",
    "{cue}... {v}",
    "Dear support, my {cue} is {v}. Thanks.",
    "`{cue}`: `{v}`",
    "{cue} => {v}",
    "Confirm {cue} {v}?",
)

_SEPS = " -"


def _inside(ch: str) -> Callable[[str], str | None]:
    """``ch`` inserted at a third and at two thirds of the value."""
    def f(v: str) -> str | None:
        a, b = len(v) // 3, 2 * len(v) // 3
        return v[:a] + ch + v[a:b] + ch + v[b:]
    return f


def _seps(new: str, which: str = _SEPS) -> Callable[[str], str | None]:
    """Every separator of ``which`` between two digits written as ``new``; n/a without one."""
    def f(v: str) -> str | None:
        out = [new if c in which and 0 < i < len(v) - 1 and v[i - 1].isalnum() and v[i + 1].isalnum()
               and (v[i - 1].isdigit() or v[i + 1].isdigit()) else c for i, c in enumerate(v)]
        got = "".join(out)
        return got if got != v else None
    return f


def _digits(zero: int) -> Callable[[str], str | None]:
    def f(v: str) -> str | None:
        if not any(c.isdigit() for c in v):
            return None
        return "".join(chr(zero + int(c)) if c.isdigit() else c for c in v)
    return f


def _fullwidth(v: str) -> str | None:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in v)


def _split_lines(v: str) -> str | None:
    """The value broken over two lines at a separator near its middle."""
    idx = [i for i, c in enumerate(v) if c in _SEPS and 0 < i < len(v) - 1]
    if not idx:
        return None
    i = min(idx, key=lambda j: abs(j - len(v) // 2))
    return v[:i + (1 if v[i] == "-" else 0)] + "\n" + v[i + 1:]


TRANSFORMS: dict[str, Callable[[str], str | None]] = {
    "as is": lambda v: v,
    "zero-width space": _inside("\u200b"),
    "ZWJ": _inside("\u200d"),
    "ZWNJ": _inside("\u200c"),
    "word joiner": _inside("\u2060"),
    "soft hyphen": _inside("\u00ad"),
    "BOM": _inside("\ufeff"),
    "NBSP": _seps("\u00a0", " "),
    "narrow NBSP": _seps("\u202f", " "),
    "thin space": _seps("\u2009", " "),
    "ideographic space": _seps("\u3000", " "),
    "figure space": _seps("\u2007", " "),
    "en dash": _seps("\u2013", "-"),
    "non-breaking hyphen": _seps("\u2011", "-"),
    "minus sign": _seps("\u2212", "-"),
    "tab": _seps("\t"),
    "newline": _seps("\n"),
    "CRLF": _seps("\r\n"),
    "underscore": _seps("_"),
    "double spaces": _seps("  "),
    "dots": _seps("."),
    "double dots": _seps(".."),
    "spaced dash": _seps(" - "),
    "full-width": _fullwidth,
    "Arabic-Indic digits": _digits(0x0660),
    "Devanagari digits": _digits(0x0966),
    "mathematical digits": _digits(0x1D7CE),
    "split over lines": _split_lines,
    "ZWSP and NBSP": lambda v: _inside("\u200b")(_seps("\u00a0", " ")(v) or v),
}

WRAPPERS: tuple[str, ...] = (
    "My {cue} is {v}.",
    "{cue}: {v}",
    "Please note my {cue} {v}, thanks!",
    "Here you go ({cue} {v}) - let me know.",
    "The {cue} on file is \"{v}\".",
    "<td>{cue}</td><td>{v}</td>",
    "- {cue}: {v}\n- next item",
    '{"note": "{cue} {v}"}',
    "Hi,\n\nmy {cue} is {v}\n\nRegards",
    "Update the {cue} to {v} today please.",
)


def evasion_cases(values=VALUES, wrappers=WRAPPERS) -> list[tuple[str, str, str, str, int, int]]:
    """(type, transform name, wrapper index, text, value start, value end) for every applicable case."""
    out = []
    for entity, value, cue in values:
        for name, transform in TRANSFORMS.items():
            v = transform(value)
            if v is None:
                continue
            for w, wrapper in enumerate(wrappers):
                head, tail = wrapper.replace("{cue}", cue).split("{v}")
                out.append((entity, name, str(w), head + v + tail, len(head), len(head) + len(v)))
    return out


# -- ordinary identifiers ----------------------------------------------------------------------------

def _d(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _grouped(digits: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(digits[i:i + size] for i in range(0, len(digits), size))


CATEGORIES: dict[str, Callable[[random.Random], str]] = {
    "section number": lambda r: f"See section {r.randint(1, 30)}.{r.randint(1, 30)}.{r.randint(1, 20)}.{r.randint(1, 20)} "
                                f"of the handbook.",
    "clause number": lambda r: f"Clause {r.randint(1, 20)}.{r.randint(1, 9)}.{r.randint(1, 9)}.{r.randint(1, 9)} applies here.",
    "score triple": lambda r: f"The judges scored it {r.randint(100, 899)}-{r.randint(10, 99)}-{r.randint(1000, 9999)} "
                              f"in the final round.",
    "spaced scores": lambda r: f"Scores this week: {r.randint(100, 899)} {r.randint(10, 99)} {r.randint(1000, 9999)} points.",
    "invoice number": lambda r: f"Invoice {r.randint(2018, 2026)}-{_d(r, 6)} is due on Friday.",
    "invoice code": lambda r: f"Please pay INV-{r.randint(2018, 2026)}-{_d(r, 5)} by the end of the month.",
    "ISBN-13": lambda r: f"The book's ISBN is 978-{r.randint(0, 1)}-{_d(r, 3)}-{_d(r, 5)}-{r.randint(0, 9)}.",
    "10-digit count": lambda r: f"The crawler processed {_d(r, 10)} pages last year.",
    "order number": lambda r: f"Your order {_d(r, 3)}-{_d(r, 7)}-{_d(r, 7)} has shipped.",
    "USPS tracking": lambda r: f"USPS tracking number: 94{_d(r, 20)}.",
    "USPS tracking grouped": lambda r: f"Track it with {_grouped('94' + _d(r, 20))} online.",
    "tracking 20 digits": lambda r: f"Parcel {_grouped(_d(r, 20))} left the depot.",
    "Unix timestamp": lambda r: f"The event happened at {r.randint(1_000_000_000, 1_800_000_000)} (Unix time).",
    "millisecond timestamp": lambda r: f"ts={r.randint(1_500_000_000_000, 1_800_000_000_000)} in the log.",
    "UUID": lambda r: f"Request id {uuid.UUID(int=r.getrandbits(128))} failed.",
    "git SHA": lambda r: f"Fixed in commit {_hex(r, 40)} yesterday.",
    "short SHA": lambda r: f"Reverted {_hex(r, 7)} and {_hex(r, 12)}.",
    "sha256": lambda r: f"sha256:{hashlib.sha256(str(r.random()).encode()).hexdigest()} matches.",
    "8-digit order": lambda r: f"Order number {r.choice('0123456789')}{_d(r, 7)} is ready for pickup.",
    "price": lambda r: f"It costs ${r.randint(1, 99999):,}.{r.randint(0, 99):02d} including tax.",
    "date": lambda r: f"The meeting moved to {r.randint(2015, 2030)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}.",
    "date and time": lambda r: f"Logged at {r.randint(2015, 2030)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
                               f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} UTC.",
    "time": lambda r: f"The train leaves at {r.randint(1, 12)}:{r.randint(0, 59):02d} pm from platform {r.randint(1, 12)}.",
    "version": lambda r: f"Upgrade to version {r.randint(1, 20)}.{r.randint(0, 30)}.{r.randint(0, 99)}.{r.randint(0, 999)}.",
    "semver": lambda r: f"Pinned v{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 30)} in the lockfile.",
    "percentage": lambda r: f"Conversion rose {r.randint(1, 99)}.{r.randint(0, 9)}% to {r.randint(100, 999)}.{r.randint(0, 99)}.",
    "coordinates": lambda r: f"Meet at {r.uniform(-80, 80):.4f}, {r.uniform(-170, 170):.4f}.",
    "large amount": lambda r: f"Revenue reached {r.randint(1, 999)},{r.randint(0, 999):03d},{r.randint(0, 999):03d} dollars.",
    "page range": lambda r: f"Read pages {r.randint(1, 400)}-{r.randint(401, 900)} before class.",
    "year range": lambda r: f"He served from {r.randint(1950, 1999)} to {r.randint(2000, 2024)} in {r.randint(3, 40)} roles.",
    "room and floor": lambda r: f"Room {r.randint(100, 999)} on floor {r.randint(1, 40)}, building {r.randint(1, 12)}.",
    "flight": lambda r: f"Flight {r.choice(['UA', 'BA', 'LH'])}{r.randint(100, 9999)} departs gate {r.randint(1, 60)}.",
    "SKU": lambda r: f"SKU {_d(r, 4)}-{_d(r, 4)}-{_d(r, 2)} is out of stock.",
    "port": lambda r: f"The service listens on localhost:{r.randint(1024, 65535)} and {r.randint(1024, 65535)}.",
    "lottery numbers": lambda r: "Winning numbers: " + " ".join(f"{r.randint(1, 69):02d}" for _ in range(6)) + ".",
    "measurements": lambda r: f"The box is {r.randint(10, 99)} x {r.randint(10, 99)} x {r.randint(10, 99)} cm "
                              f"and weighs {r.randint(1, 50)}.{r.randint(0, 9)} kg.",
    "file size": lambda r: f"The archive is {r.randint(1, 999_999_999):,} bytes ({r.randint(1, 999)} MB).",
    "serial number": lambda r: f"Serial SN{_d(r, 10)} was registered.",
    "statistics row": lambda r: "Totals: " + " ".join(str(r.randint(10, 9999)) for _ in range(r.randint(4, 9))) + ".",
}


def ordinary_sentences(n_per_category: int, seed: int) -> list[tuple[str, str]]:
    """(category, sentence) pairs, ``n_per_category`` per category."""
    rng = random.Random(seed)
    return [(cat, make(rng)) for cat, make in CATEGORIES.items() for _ in range(n_per_category)]
