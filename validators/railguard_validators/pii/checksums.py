"""Validity checks for identifiers that carry one: check digits, issuer ranges, numbering rules.

Every function takes the value's digits (or characters) with separators already removed
and returns a bool. None of them looks at surrounding text.
"""

from __future__ import annotations

__all__ = [
    "luhn", "card_issuer", "ssn_valid", "itin_valid", "aba_valid", "iban_valid", "IBAN_LENGTHS",
    "nhs_valid", "sin_valid", "vin_valid", "nino_valid", "swift_valid", "ISO_COUNTRIES",
]


_DOUBLED = str.maketrans("0123456789", "0246813579")  # 2*d with its digits summed: 7 -> 14 -> 5


def luhn(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards and Canadian SINs."""
    total = sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2].translate(_DOUBLED)))
    return total % 10 == 0


# Issuer identification ranges: (low prefix, high prefix, allowed lengths, brand). A number
# must fall in one range and have one of its lengths. Sources: the card networks' published
# BIN ranges (ISO/IEC 7812 issuer identification numbers).
_CARD_RANGES: tuple[tuple[int, int, tuple[int, ...], str], ...] = (
    (4, 4, (13, 16, 19), "visa"),
    (51, 55, (16,), "mastercard"),
    (2221, 2720, (16,), "mastercard"),
    (34, 34, (15,), "amex"),
    (37, 37, (15,), "amex"),
    (6011, 6011, (16, 17, 18, 19), "discover"),
    (644, 649, (16, 17, 18, 19), "discover"),
    (65, 65, (16, 17, 18, 19), "discover"),
    (622126, 622925, (16, 17, 18, 19), "discover"),
    (62, 62, (16, 17, 18, 19), "unionpay"),
    (81, 81, (16, 17, 18, 19), "unionpay"),
    (300, 305, (14, 15, 16, 17, 18, 19), "diners"),
    (3095, 3095, (14, 15, 16, 17, 18, 19), "diners"),
    (36, 36, (14, 15, 16, 17, 18, 19), "diners"),
    (38, 39, (14, 15, 16, 17, 18, 19), "diners"),
    (35, 35, (16, 17, 18, 19), "jcb"),
    (1800, 1800, (15,), "jcb"),
    (2131, 2131, (15,), "jcb"),
    (2200, 2204, (16, 17, 18, 19), "mir"),
    (50, 50, (12, 13, 14, 15, 16, 17, 18, 19), "maestro"),
    (56, 69, (12, 13, 14, 15, 16, 17, 18, 19), "maestro"),
    (60, 60, (16,), "rupay"),
    (1, 1, (15,), "uatp"),
)


def _issuer_table() -> dict[str, tuple[tuple[int, ...], str]]:
    table: dict[str, tuple[tuple[int, ...], str]] = {}
    for lo, hi, lengths, brand in _CARD_RANGES:
        width = len(str(lo))
        for prefix in range(lo, hi + 1):
            table.setdefault(str(prefix).zfill(width), (lengths, brand))
    return table


_ISSUERS = _issuer_table()
_PREFIX_WIDTHS = tuple(sorted({len(k) for k in _ISSUERS}, reverse=True))


def card_issuer(digits: str) -> str | None:
    """The card brand whose issuer range and length fit ``digits``, or None (longest prefix first)."""
    n = len(digits)
    for width in _PREFIX_WIDTHS:
        hit = _ISSUERS.get(digits[:width])
        if hit is not None and n in hit[0]:
            return hit[1]
    return None


# Publicity numbers that were printed on sample cards and in advertisements; never issued.
_SSN_BLOCKED = frozenset({"078051120", "219099999", "123456789"})


def ssn_valid(d: str) -> bool:
    """US SSN numbering rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    if len(d) != 9 or d in _SSN_BLOCKED:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    return area != "000" and area != "666" and area[0] != "9" and group != "00" and serial != "0000"


def itin_valid(d: str) -> bool:
    """US ITIN: 9XX-GG-XXXX with the group in 50-65, 70-88, 90-92 or 94-99."""
    if len(d) != 9 or d[0] != "9":
        return False
    g = int(d[3:5])
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


def aba_valid(d: str) -> bool:
    """ABA routing number: a valid Federal Reserve prefix and the 3-7-1 weighted checksum."""
    if len(d) != 9:
        return False
    prefix = int(d[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    n = [ord(c) - 48 for c in d]
    total = 3 * (n[0] + n[3] + n[6]) + 7 * (n[1] + n[4] + n[7]) + (n[2] + n[5] + n[8])
    return total % 10 == 0 and d != "000000000"


# IBAN lengths per country (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


_IBAN_DIGITS = {ord(c): str(int(c, 36)) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def iban_valid(s: str) -> bool:
    """IBAN: a known country, that country's length, and the ISO 7064 mod-97 check equal to 1."""
    s = s.upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit() or not s.isascii() or not s.isalnum():
        return False
    return int((s[4:] + s[:4]).translate(_IBAN_DIGITS)) % 97 == 1


def nhs_valid(d: str) -> bool:
    """UK NHS number: 10 digits whose tenth is the mod-11 check of the first nine (weights 10..2)."""
    if len(d) != 10:
        return False
    total = sum((10 - i) * (ord(d[i]) - 48) for i in range(9))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == ord(d[9]) - 48


def sin_valid(d: str) -> bool:
    """Canadian SIN: 9 digits, Luhn-valid, not starting with 0 or 8 (never assigned)."""
    return len(d) == 9 and d[0] not in "08" and luhn(d)


_VIN_VALUES = {**{str(i): i for i in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_valid(s: str) -> bool:
    """VIN (ISO 3779, North American check digit): 17 characters without I, O, Q; position 9 is
    the weighted mod-11 check ('X' for 10)."""
    s = s.upper()
    if len(s) != 17:
        return False
    try:
        total = sum(_VIN_VALUES[c] * w for c, w in zip(s, _VIN_WEIGHTS))
    except KeyError:
        return False
    check = total % 11
    return s[8] == ("X" if check == 10 else str(check))


_NINO_BAD_FIRST = set("DFIQUV")
_NINO_BAD_SECOND = set("DFIOQUV")
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino_valid(s: str) -> bool:
    """UK National Insurance number: two prefix letters (HMRC's excluded letters and prefixes
    refused), six digits, suffix A-D."""
    s = s.upper()
    if len(s) != 9 or not (s[:2].isalpha() and s[2:8].isdigit() and s[8] in "ABCD"):
        return False
    return s[0] not in _NINO_BAD_FIRST and s[1] not in _NINO_BAD_SECOND and s[:2] not in _NINO_BAD_PREFIX


# ISO 3166-1 alpha-2 country codes (SWIFT/BIC positions 5-6; XK is used for Kosovo).
ISO_COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
""".split())


def swift_valid(s: str) -> bool:
    """SWIFT/BIC (ISO 9362): 4 letters (institution), an ISO 3166 country, 2 letters or digits
    (location), optionally 3 more (branch)."""
    s = s.upper()
    return (len(s) in (8, 11) and s[:4].isalpha() and s[4:6] in ISO_COUNTRIES and s[6:].isalnum()
            and s.isascii())
