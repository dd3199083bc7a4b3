"""Values with a shape of their own: e-mail, URL, AWS access key, IPv6, MAC, UK NINO, SWIFT/BIC, VIN.

Each scan is anchored on something rare in prose (``@``, ``://``, ``www.``, a colon before a
hex digit) or starts with a character class, so the regex engine skips ordinary text without
trying a match at every position; each candidate then passes a validity check.
"""

from __future__ import annotations

import re

from .checksums import nino_valid, swift_valid, vin_valid
from .scan import Scan

__all__ = ["RECOGNIZERS", "MAX_LEN"]


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _bounded(text: str, s: int, e: int) -> bool:
    """No letter or digit glued to either side of ``text[s:e]``."""
    return (s == 0 or not text[s - 1].isalnum()) and (e >= len(text) or not text[e].isalnum())


# -- e-mail: found at its '@', the local part read leftwards on the reversed text -------------
# Letters and digits of any script (IDN addresses: "josé@example.com", "мария@пример.рф"),
# combining marks included; a top-level domain is letters of any script or an "xn--" label.
_AL = r"[^\W_]|[\u0300-\u036f]"
_LABEL = r"(?:" + _AL + r")(?:(?:" + _AL + r"|-){0,61}(?:" + _AL + r"))?"
_TLD = r"(?:[^\W\d_]|[\u0300-\u036f]){2,24}|xn--[A-Za-z0-9\-]{2,59}"
_EMAIL_DOMAIN = re.compile(r"@(" + _LABEL + r"(?:\." + _LABEL + r"){0,8}\.(?:" + _TLD + r"))(?![\w\-]|[\u0300-\u036f])")
# '/', '?', '=' and '&' are legal in a local part but in practice mean a URL around the address
# ("...reset?email=john.doe@example.com&x=1"): the local part is read back only to them.
_LOCAL_REV = re.compile(r"(?:[\w!#$%'*+^`{|}~.\-]|[\u0300-\u036f]){1,65}")


def emails(scan: Scan) -> None:
    text = scan.text
    if "@" not in text:
        return
    rev, n = scan.rev, scan.n
    tick = scan.tick
    for m in _EMAIL_DOMAIN.finditer(text):
        at = m.start()
        tick(at)
        lm = _LOCAL_REV.match(rev, n - at)
        if lm is None or len(lm.group()) > 64 or m.end() - at > 254:
            continue  # longer than RFC 5321 allows: not an address
        start = at - len(lm.group())
        while start < at and text[start] in ".'":  # a local part neither starts with a dot nor a quote
            start += 1
        if start == at or text[at - 1] == "." or ".." in text[start:at]:
            continue
        scan.add(start, m.end(), "EMAIL", 1.0, "email")


# -- URL: found at its "://" or "www.", the scheme read leftwards ----------------------------
_URL_BODY = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]{1,2000}")
_URL_HOST = re.compile(r"(?:[A-Za-z0-9\-._~%!$&'()*+,;=:]+@)?(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#:@]+)")
_SCHEMES = ("https", "http", "ftps", "ftp")
_TRAIL = ".,;:!?'\"*"
URL_MAX = 2000 + 8


def _url_starts(scan: Scan):
    """(start of the URL, start of its host) for each "scheme://" and "www." in the text."""
    text = scan.text
    i = text.find("://")
    while i >= 0:
        head = text[max(0, i - 5):i].lower()
        for scheme in _SCHEMES:
            if head.endswith(scheme):
                yield i - len(scheme), i + 3
                break
        i = text.find("://", i + 3)
    if "ww." in text or "WW." in text:
        low = scan.lower
        i = low.find("www.")
        while i >= 0:
            if not low.startswith("//", i - 2):
                yield i, i
            i = low.find("www.", i + 4)


def urls(scan: Scan) -> None:
    text = scan.text
    for s, host_at in _url_starts(scan):
        if s > 0 and _word(text[s - 1]):
            continue
        m = _URL_BODY.match(text, host_at)
        if m is None:
            continue
        e = m.end()
        # Trim what prose puts after a link: sentence punctuation, an unbalanced bracket.
        while e > host_at:
            ch = text[e - 1]
            if ch in _TRAIL:
                e -= 1
            elif ch == ")" and text.count("(", s, e) < text.count(")", s, e):
                e -= 1
            elif ch == "]" and text.count("[", s, e) < text.count("]", s, e):
                e -= 1
            else:
                break
        hm = _URL_HOST.match(text, host_at, e)
        host = hm.group() if hm else ""
        if ("." not in host and not host.startswith("[") and host.lower() != "localhost") \
                or host.endswith(".") or host.startswith("."):
            continue
        scan.add(s, e, "URL", 1.0, "url")


# -- AWS access key id: AKIA (long-term), ASIA (temporary), ABIA, ACCA; base32 body ----------
_AWS_KEY = re.compile(r"A(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16}")


def aws_access_keys(scan: Scan) -> None:
    text = scan.text
    for m in _AWS_KEY.finditer(text):
        if _bounded(text, *m.span()):
            scan.add(m.start(), m.end(), "AWS_ACCESS_KEY", 1.0, "aws-key-id")


# -- IPv6 and MAC ----------------------------------------------------------------------------
_HEX_COLON = re.compile(r":(?=[0-9A-Fa-f:])")
_HEXCOLON_REV = re.compile(r"[0-9A-Fa-f:]{0,39}")
_HEXCOLON_FWD = re.compile(r"[0-9A-Fa-f:.]{0,45}")
# Anchored on the first separator (rarer than hex digits), the digits before it checked behind.
_MAC = re.compile(r":(?<=[0-9A-Fa-f]{2}:)[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){4}"
                  r"|-(?<=[0-9A-Fa-f]{2}-)[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){4}"
                  r"|\.(?<=[0-9A-Fa-f]{4}\.)[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
                  # pairs apart by spaces or dots (text that hides the usual separators): needs a hex letter
                  r"|([ .])(?<=[^0-9A-Za-z][0-9A-Fa-f]{2}[ .])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}")


def _hex_token(text: str, rev: str, n: int, colon: int) -> tuple[int, int]:
    left = _HEXCOLON_REV.match(rev, n - colon)
    right = _HEXCOLON_FWD.match(text, colon)
    return colon - len(left.group()), right.end()


def ipv6(scan: Scan) -> None:
    text = scan.text
    if ":" not in text:
        return
    from ipaddress import IPv6Address

    rev, n = scan.rev, scan.n
    done = -1
    for m in _HEX_COLON.finditer(text):
        if m.start() < done:
            continue
        s, e = _hex_token(text, rev, n, m.start())
        done = e
        while e > s and text[e - 1] in ".:" and text[e - 2:e] != "::":
            e -= 1
        token = text[s:e]
        if token.count(":") < 2 or (s > 0 and (text[s - 1].isalnum() or text[s - 1] in "._")) \
                or (e < n and (text[e].isalnum() or text[e] == "_")):
            continue
        try:
            IPv6Address(token)
        except ValueError:
            continue
        scan.add(s, e, "IP_ADDRESS", 1.0, "ipv6")


_PAIR = re.compile(r"[0-9A-Fa-f]{2}(?![0-9A-Za-z])")


def macs(scan: Scan) -> None:
    text = scan.text
    n = scan.n
    for m in _MAC.finditer(text):
        e = m.end()
        s = m.start() - (4 if m.group()[0] == "." and not m.group(1) else 2)
        if (s > 0 and (text[s - 1].isalnum() or text[s - 1] in ":-.")) or \
                (e < n and (text[e].isalnum() or (text[e] in ":-." and e + 1 < n and text[e + 1].isalnum()))):
            continue
        if m.group(1) and e + 1 < n and text[e] == m.group(1) and _PAIR.match(text, e + 1):
            continue  # a seventh pair: a longer list, not an address
        compact = re.sub(r"[:\-. ]", "", text[s:e])
        if m.group(1) and compact.isdigit():
            continue  # "12 34 56 78 90 12" is a list of numbers
        if compact.strip("0") == "" or compact.upper().strip("F") == "":
            continue  # the all-zero and broadcast addresses identify no device
        scan.add(s, e, "MAC_ADDRESS", 1.0, "mac")


# -- UK National Insurance number ----------------------------------------------------------
# "(?<![A-Za-z0-9].)" right after the first character: only where a token starts is a match tried.
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z](?<![A-Za-z0-9].)[A-CEGHJ-NPR-TW-Z][ \-._]?[0-9]{2}[ \-._]?[0-9]{2}[ \-._]?[0-9]{2}[ \-._]?[A-D]")


def ninos(scan: Scan) -> None:
    text = scan.text
    for m in _NINO.finditer(text):
        if _bounded(text, *m.span()) and nino_valid(re.sub(r"[ \-._]", "", m.group())):
            scan.add(m.start(), m.end(), "UK_NATIONAL_INSURANCE_NUMBER", 1.0, "nino-rules")


# -- SWIFT / BIC ---------------------------------------------------------------------------
_SWIFT = re.compile(r"[A-Z](?<![A-Za-z0-9].)[A-Z]{5}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def swifts(scan: Scan) -> None:
    text = scan.text
    for m in _SWIFT.finditer(text):
        s, e = m.span()
        code = m.group()
        if not _bounded(text, s, e) or not swift_valid(code):
            continue
        # An all-letter code is also an upper-case word ("BUSINESS"): it needs a cue.
        if code.isalpha() and not scan.near("SWIFT_CODE", s, e):
            continue
        scan.add(s, e, "SWIFT_CODE", 1.0 if not code.isalpha() else 0.8, "swift-format")


# -- VIN -------------------------------------------------------------------------------------
_VIN = re.compile(r"[A-HJ-NPR-Z0-9](?<![A-Za-z0-9].)[A-HJ-NPR-Z0-9]{16}")


def vins(scan: Scan) -> None:
    text = scan.text
    for m in _VIN.finditer(text):
        s, e = m.span()
        vin = m.group()
        if not _bounded(text, s, e) or vin.isdigit() or vin.isalpha():
            continue
        if vin_valid(vin):
            scan.add(s, e, "VEHICLE_IDENTIFICATION_NUMBER", 1.0, "vin-check-digit")
        elif scan.near("VEHICLE_IDENTIFICATION_NUMBER", s, e):
            # Outside North America the ninth character need not be a check digit.
            scan.add(s, e, "VEHICLE_IDENTIFICATION_NUMBER", 0.7, "vin-format+context")


RECOGNIZERS = {
    "EMAIL": emails,
    "URL": urls,
    "AWS_ACCESS_KEY": aws_access_keys,
    "MAC_ADDRESS": macs,
    "UK_NATIONAL_INSURANCE_NUMBER": ninos,
    "SWIFT_CODE": swifts,
    "VEHICLE_IDENTIFICATION_NUMBER": vins,
}
# IBAN and IPv4 are found by the numeric recognizer; IPv6 is added by the detector for IP_ADDRESS.
MAX_LEN = {"EMAIL": 64 + 1 + 253, "URL": URL_MAX, "AWS_ACCESS_KEY": 20, "INTERNATIONAL_BANK_ACCOUNT_NUMBER": 34 * 2,  # with separators
           "MAC_ADDRESS": 17, "UK_NATIONAL_INSURANCE_NUMBER": 13, "SWIFT_CODE": 11,
           "VEHICLE_IDENTIFICATION_NUMBER": 17, "IP_ADDRESS": 45}
