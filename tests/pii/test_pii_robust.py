"""Offsets in Unicode text, huge and binary input, masks that leave nothing, merged overlaps, streaming."""

from __future__ import annotations

import random
import re

from railguard import Context, Guard
from railguard_validators.pii import ENTITY_TYPES, Pii
from railguard_validators.pii.detector import resolve
from railguard_validators.pii.phones import PhoneChecker

ALL = list(ENTITY_TYPES)
BENCH_TYPES = ["EMAIL", "PHONE", "US_SOCIAL_SECURITY_NUMBER", "CREDIT_DEBIT_CARD_NUMBER",
               "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "URL", "AWS_ACCESS_KEY"]


def _validator(entities):
    v = Pii({"entities": entities}, stage="input")
    v.setup()
    return v


def test_offsets_are_character_offsets_in_unicode_text(pii_detect):
    text = ("😀👨‍👩‍👧 邮件 jane.roe@example.com、电话 +44 20 7946 0958。"
            "Ünïcödé e\u0301\u0301 SSN 536-22-1234 🎉 카드 4111 1111 1111 1111 ✅")
    assert pii_detect(text, BENCH_TYPES) == [
        ("EMAIL", "jane.roe@example.com"), ("PHONE", "+44 20 7946 0958"),
        ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234"), ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111")]


def test_lower_casing_that_changes_length_does_not_shift_cue_offsets(pii_detect):
    # 'İ'.lower() is two characters; cue positions must still line up with the text.
    text = "İİİİ İstanbul: my PIN is 4821 and İİ SSN 536221234"
    assert pii_detect(text, ["PIN", "US_SOCIAL_SECURITY_NUMBER"]) == [
        ("PIN", "4821"), ("US_SOCIAL_SECURITY_NUMBER", "536221234")]


def test_masks_leave_no_fragment_of_any_value():
    guard = Guard.from_text("railguard: 1\nname: p\ninput:\n  - pii:\n      entities: [" + ", ".join(ALL) + "]\n")
    values = ["(415) 555-0132", "+44 (0)20 7946 0958", "4111-1111-1111-1111", "536 22 1234",
              "GB82 WEST 1234 5698 7654 32", "jane.o'roe@mail.example.com", "https://example.com/x?y=(1)",
              "AKIAIOSFODNN7EXAMPLE", "00:1A:2B:3C:4D:5E", "2001:db8::8a2e:370:7334"]
    text = " | ".join(f"value {v} here" for v in values)
    out = guard.validate(text).output
    for v in values:
        for piece in re.findall(r"[A-Za-z0-9]{3,}", v):
            if piece.lower() not in ("com", "https", "example", "mail", "west", "value", "here"):
                assert piece not in out, (v, piece, out)
    assert out.count("{") == len(values)


def test_overlapping_spans_of_one_type_merge_and_contained_ones_fold():
    found = [(0, 10, "PHONE", 0.9, "a"), (5, 15, "PHONE", 0.6, "b"), (20, 40, "URL", 1.0, "u"),
             (27, 35, "IP_ADDRESS", 1.0, "i"), (50, 60, "EMAIL", 1.0, "e"), (50, 60, "USERNAME", 0.95, "x")]
    assert resolve(found) == [(0, 15, "PHONE", 0.9, "a"), (20, 40, "URL", 1.0, "u"), (50, 60, "EMAIL", 1.0, "e")]
    # A contained value whose action is block is kept, so that the block still happens.
    assert (27, 35, "IP_ADDRESS", 1.0, "i") in resolve(found, frozenset({"IP_ADDRESS"}))


def test_ten_megabytes_complete_and_stay_correct():
    rng = random.Random(3)
    unit = "Some ordinary words, 12 numbers 3.5 and - dashes / slashes (parens) 2024-01-02 : colons. "
    parts = []
    size = 0
    expected = 0
    while size < 10_000_000:
        if rng.random() < 0.01:
            chunk = f"mail u{expected}@example.com "
            expected += 1
        else:
            chunk = unit
        parts.append(chunk)
        size += len(chunk)
    text = "".join(parts)
    v = _validator(ALL)
    out = v.validate(text, Context("input", "pii"))
    emails = [s for s in out.spans if s.type == "EMAIL"]
    assert len(emails) == expected
    assert all(text[s.start:s.end].startswith("u") and text[s.start:s.end].endswith("@example.com") for s in emails)


def test_adversarial_long_runs_stay_linear():
    v = _validator(ALL)
    ctx = Context("input", "pii")
    for text in ("1 " * 300_000, "@a." * 200_000, "a" * 500_000 + "@example.com", ":1" * 300_000,
                 "AKIA" * 200_000, "password: " * 100_000, "Mr " * 200_000):
        out = v.validate(text, ctx)
        for s in out.spans:
            assert 0 <= s.start < s.end <= len(text)


def test_binary_input_decoded_with_replacement():
    rng = random.Random(5)
    data = bytes(rng.getrandbits(8) for _ in range(200_000))
    text = data.decode("utf-8", errors="replace") + " SSN 536-22-1234"
    v = _validator(ALL)
    out = v.validate(text, Context("input", "pii"))
    assert ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234") in [(s.type, text[s.start:s.end]) for s in out.spans]
    for s in out.spans:
        assert 0 <= s.start < s.end <= len(text)


def test_lookahead_covers_the_longest_value_and_its_right_context():
    # A number's decision reaches over its segment and the next token (numeric.REACH = 84).
    assert Pii({"entities": ["US_SOCIAL_SECURITY_NUMBER"]}).lookahead() == 84 + 24 + 29
    assert Pii({"entities": ["EMAIL", "PIN"]}).lookahead() == 318 + 24 + 29
    assert Pii({"entities": ["URL"]}).lookahead() == 2008 + 24 + 29
    assert Pii({"entities": ["NAME"], "engine": "spacy"}).lookahead() is None


def test_fast_phone_check_agrees_with_phonenumbers():
    import phonenumbers as pn

    checker = PhoneChecker(("US", "GB", "DE", "FR", "IN"))
    rng = random.Random(11)
    for _ in range(1500):
        region = rng.choice(("US", "GB", "DE", "FR", "IN"))
        cc = pn.country_code_for_region(region)
        national = str(rng.randint(10 ** 8, 10 ** 11))
        expected = pn.is_valid_number(pn.PhoneNumber(country_code=cc, national_number=int(national)))
        got = checker.region_of(f"+{cc} {national}")
        assert (got is not None) == expected, (region, national)
