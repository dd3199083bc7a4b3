"""Context words: the cues that must appear near a value whose shape alone proves nothing.

A nine-digit number is an SSN only near "SSN" or "social security"; "1234" is a PIN only
near "PIN". Cues are found in one pass over the text (Aho-Corasick on the lower-cased text,
kept only at word boundaries); a candidate then asks whether a cue of its type lies within
its window (characters before the value's start, after its end).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Mapping

__all__ = ["CONTEXT_WORDS", "WINDOWS", "ContextIndex", "build_automata"]

# Cue phrases per entity type, lower case. A phrase matches at word boundaries.
CONTEXT_WORDS: Mapping[str, tuple[str, ...]] = {
    "AGE": ("age", "aged", "ages", "years old", "year old", "yrs old", "yr old", "y/o", "years of age",
            "turned", "turning", "turn"),
    "AWS_SECRET_KEY": ("aws_secret_access_key", "secret_access_key", "secret access key", "aws secret",
                       "secret key", "secretkey", "secret_key", "aws_secret"),
    "CA_HEALTH_NUMBER": ("health card", "health number", "health insurance number", "ohip", "ramq", "msp",
                         "care card", "health card number", "phn", "personal health number", "carte soleil"),
    "CA_SOCIAL_INSURANCE_NUMBER": ("sin", "social insurance", "social insurance number", "numéro d'assurance sociale",
                                   "nas"),
    "CREDIT_DEBIT_CARD_NUMBER": ("card", "card number", "card no", "card #", "credit card", "debit card", "cc",
                                 "cc#", "visa", "mastercard", "amex", "american express", "discover", "pan",
                                 "card ending", "charge it to"),
    "CREDIT_DEBIT_CARD_CVV": ("cvv", "cvv2", "cvc", "cvc2", "cid", "csc", "security code", "card verification",
                              "verification code", "card security"),
    "CREDIT_DEBIT_CARD_EXPIRY": ("exp", "expiry", "expires", "expiration", "expiration date", "exp date",
                                 "valid thru", "valid through", "good thru", "valid until", "expiring", "mm/yy"),
    "DRIVER_ID": ("driver's license", "drivers license", "driver license", "driver's licence", "drivers licence",
                  "driving licence", "driving license", "driver licence", "dl", "dl#", "license number",
                  "licence number", "license no", "licence no", "driver id", "driver's id"),
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": ("iban",),
    "LICENSE_PLATE": ("license plate", "licence plate", "plate number", "number plate", "plate", "plates",
                      "registration number", "reg number", "vehicle registration", "tag number", "reg plate"),
    "PASSWORD": ("password", "passwd", "pwd", "passphrase", "pass phrase", "passcode", "pass code", "pw"),
    "PHONE": ("phone", "telephone", "tel", "mobile", "cell", "cellphone", "call", "text me", "fax", "whatsapp",
              "contact number", "phone number", "phone no", "reach me", "ring", "landline", "sms"),
    "PIN": ("pin", "pin code", "pin number", "pin no", "pincode"),
    "SWIFT_CODE": ("swift", "bic", "swift code", "bic code", "swift/bic", "bank identifier code",
                   "bank identification code"),
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": ("nhs", "nhs number", "nhs no", "national health service",
                                          "health service number"),
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": ("utr", "unique taxpayer reference", "taxpayer reference",
                                            "self assessment", "self-assessment", "tax reference", "hmrc"),
    "US_BANK_ACCOUNT_NUMBER": ("account number", "account no", "account #", "acct", "acct no", "acct #",
                               "bank account", "checking account", "savings account", "checking", "savings",
                               "account", "a/c"),
    "US_BANK_ROUTING_NUMBER": ("routing", "routing number", "aba", "aba number", "rtn", "routing transit",
                               "transit number", "abartn"),
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": ("itin", "individual taxpayer", "taxpayer identification",
                                                "tax id", "tin", "tax identification"),
    "US_PASSPORT_NUMBER": ("passport", "passport number", "passport no", "passport #", "passport id"),
    "US_SOCIAL_SECURITY_NUMBER": ("ssn", "ssn#", "social security", "social security number", "social sec",
                                  "ss#", "ss number"),
    "USERNAME": ("username", "user name", "user id", "userid", "user-id", "login", "login id", "log in",
                 "handle", "screen name", "account name"),
    "VEHICLE_IDENTIFICATION_NUMBER": ("vin", "vehicle identification", "vehicle identification number",
                                      "chassis number", "vin number"),
}

# (characters before the value's start, characters after its end) searched for a cue.
DEFAULT_WINDOW = (48, 24)
WINDOWS: Mapping[str, tuple[int, int]] = {
    "AGE": (16, 16),
    "CREDIT_DEBIT_CARD_CVV": (32, 16),
    "CREDIT_DEBIT_CARD_EXPIRY": (32, 12),
    "PIN": (32, 16),
    "PHONE": (24, 8),
}
MAX_RIGHT_WINDOW = max([DEFAULT_WINDOW[1], *(w[1] for w in WINDOWS.values())])


def build_automata(groups: Iterable[Iterable[str]]) -> dict[str, tuple[object, tuple[str, ...]]]:
    """Aho-Corasick automata over cue words: the types of one group share one automaton (one pass
    finds the cues of all of them); a word's value is (its length, the types it is a cue for).
    Returns entity -> (automaton, the types of its group)."""
    import ahocorasick

    out: dict[str, tuple[object, tuple[str, ...]]] = {}
    for group in groups:
        members = tuple(sorted(t for t in set(group) if CONTEXT_WORDS.get(t)))
        if not members:
            continue
        table: dict[str, set[str]] = {}
        for t in members:
            for word in CONTEXT_WORDS[t]:
                table.setdefault(word, set()).add(t)
        auto = ahocorasick.Automaton()
        for word, owners in table.items():
            auto.add_word(word, (len(word), tuple(sorted(owners))))
        auto.make_automaton()
        for t in members:
            out[t] = (auto, members)
    return out


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class ContextIndex:
    """Where the cue words of one text are, per type: sorted (start, end) positions, each type's
    cues looked for only when first asked about."""

    __slots__ = ("_text", "_lower", "_automata", "_by_type")

    def __init__(self, text: str, lower: str, automata: Mapping[str, tuple[object, tuple[str, ...]]]) -> None:
        self._text = text
        self._lower = lower
        self._automata = automata
        self._by_type: dict[str, list[tuple[int, int]]] = {}

    def hits(self, entity: str) -> list[tuple[int, int]]:
        found = self._by_type.get(entity)
        if found is not None:
            return found
        got = self._automata.get(entity)
        if got is None:
            self._by_type[entity] = []
            return []
        auto, members = got
        by_type = {t: [] for t in members}
        text, n = self._text, len(self._text)
        for last, (length, owners) in auto.iter(self._lower):
            start, end = last + 1 - length, last + 1
            if start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
                continue
            if end < n and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
                continue
            for t in owners:
                by_type[t].append((start, end))
        for t, positions in by_type.items():
            positions.sort()
            self._by_type[t] = positions
        return self._by_type[entity]

    def near(self, entity: str, start: int, end: int) -> bool:
        """Is a cue of ``entity`` within its window around ``text[start:end]`` (not inside it)?"""
        hits = self.hits(entity)
        if not hits:
            return False
        before, after = WINDOWS.get(entity, DEFAULT_WINDOW)
        i = bisect_left(hits, (start - before - _LONGEST, 0))
        for hs, he in hits[i:]:
            if hs > end + after:
                return False
            if he <= start and he >= start - before:
                return True
            if hs >= end:
                return True
        return False


_LONGEST = max(len(w) for words in CONTEXT_WORDS.values() for w in words)
# Left context a decision can need: the widest before-window, the longest cue, a boundary character.
LEFT_CONTEXT = max([DEFAULT_WINDOW[0], *(w[0] for w in WINDOWS.values())]) + _LONGEST + 1
