"""Digit runs cut into values: number groups before a value, identifiers that are not PII, cues
that beat validity rules, and scans that stay linear."""

from __future__ import annotations

import pytest

from railguard import Context
from railguard_validators.pii import ENTITY_TYPES, Pii
from railguard_validators.pii.scan import ScanBudgetExceeded

ALL = list(ENTITY_TYPES)
EIGHT = ["EMAIL", "PHONE", "US_SOCIAL_SECURITY_NUMBER", "CREDIT_DEBIT_CARD_NUMBER",
         "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "URL", "AWS_ACCESS_KEY"]


@pytest.mark.parametrize("text,expected", [
    ("Order 1129 4111 1111 1111 1111", [("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111")]),
    ("In 2024 4111 1111 1111 1111 was used", [("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111")]),
    ("2024-07-12 (415) 555-0132", [("PHONE", "(415) 555-0132")]),
    ("call (415) 555-0132 (212) 555-0199", [("PHONE", "(415) 555-0132"), ("PHONE", "(212) 555-0199")]),
    ("call 415-555-0132 212-555-0199", [("PHONE", "415-555-0132"), ("PHONE", "212-555-0199")]),
    ("call +1 415 555 0132 +1 212 555 0199", [("PHONE", "+1 415 555 0132"), ("PHONE", "+1 212 555 0199")]),
    ("numbers 415 555 0132 212 555 0199", [("PHONE", "415 555 0132"), ("PHONE", "212 555 0199")]),
    ("born 1990 415-555-0132", [("PHONE", "415-555-0132")]),
    ("SSN 536-22-1234 4111 1111 1111 1111", [("US_SOCIAL_SECURITY_NUMBER", "536-22-1234"),
                                             ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111")]),
])
def test_a_value_after_separate_number_groups_is_found(pii_detect, text, expected):
    assert pii_detect(text, EIGHT) == expected


@pytest.mark.parametrize("text", [
    "See section 18.19.11.11 of the manual.",
    "Clause 4.2.10.1 applies; version 10.2.3.4 shipped.",
    "ISBN 978-3-16-148410-0 and 978-0-306-40615-7.",
    "Your order 254-7624039-1810111 has shipped.",
    "Tracking 9400 1118 9922 3397 8265 43 arrives Monday.",
    "Tracking 9400111899223397826543 arrives Monday.",
    "Tracking 92055901755477000271990 and 1Z999AA10123456784.",
    "We processed 4155550132 records and 1718000000 is the timestamp.",
    "Order number 30112345 was placed.",
    "id 123e4567-e89b-12d3-a456-426614174000",
    "commit 1b4155550132a467d07f4c5b0a2d1e9f8c7b6a54 merged",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Invoice INV-2024-004512 and invoice 2024-004512 are paid.",
    "FedEx 7489 2839 4910 delivered.",
    "Tracking number 2566 4111 1111 1111 1111 arrives Monday.",  # one reference, not a label and a card
])
def test_ordinary_identifiers_are_not_pii(pii_detect, text):
    assert pii_detect(text, ALL) == []


@pytest.mark.parametrize("text,entity,value", [
    ("My SSN is 123-45-6789.", "US_SOCIAL_SECURITY_NUMBER", "123-45-6789"),
    ("SSN: 078-05-1120", "US_SOCIAL_SECURITY_NUMBER", "078-05-1120"),
    ("social security 219-09-9999", "US_SOCIAL_SECURITY_NUMBER", "219-09-9999"),
    ("my social security number is 666-12-3456", "US_SOCIAL_SECURITY_NUMBER", "666-12-3456"),
    ("card number 4111 1111 1111 1112", "CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1112"),
    ("SIN 130692545", "CA_SOCIAL_INSURANCE_NUMBER", "130692545"),
    ("routing number 021000022", "US_BANK_ROUTING_NUMBER", "021000022"),
    ("IBAN GB82 WEST 1234 5698 7654 33", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "GB82 WEST 1234 5698 7654 33"),
])
def test_a_cue_beats_a_failed_validity_rule(pii_detect, text, entity, value):
    assert pii_detect(text, ALL) == [(entity, value)]


@pytest.mark.parametrize("text", [
    "the range 123-45-6789 is a placeholder",
    "4111 1111 1111 1112 is a failing number",
    "GB82 WEST 1234 5698 7654 33 is a typo",
])
def test_without_a_cue_validity_rules_decide(pii_detect, text):
    assert pii_detect(text, ["US_SOCIAL_SECURITY_NUMBER", "CREDIT_DEBIT_CARD_NUMBER",
                             "INTERNATIONAL_BANK_ACCOUNT_NUMBER"]) == []


def test_phone_matching_needs_a_letter_boundary(pii_detect):
    assert pii_detect("commit 1b4155550132a467d07", ["PHONE"]) == []
    assert pii_detect("call 415-555-0132.", ["PHONE"]) == [("PHONE", "415-555-0132")]


def test_bare_digits_are_a_phone_only_next_to_a_cue(pii_detect):
    assert pii_detect("processed 4155550132 rows", ["PHONE"]) == []
    assert pii_detect("call me at 4155550132", ["PHONE"]) == [("PHONE", "4155550132")]


def test_long_space_separated_numbers_hold_no_values(pii_detect):
    assert pii_detect("12 34 56 78 " * 500, EIGHT) == []
    assert pii_detect("4111 1111 1111 1111 " * 50, EIGHT) == []


def test_a_scan_past_its_budget_stops_and_fails_closed():
    from railguard_validators.pii.detector import Detector

    det = Detector(EIGHT)
    with pytest.raises(ScanBudgetExceeded, match="over its time budget"):
        det.detect("(415) 555-0132 " * 100_000, deadline=0.0)


def test_the_validator_takes_its_budget_from_its_timeout():
    from railguard import Guard

    guard = Guard.from_text("railguard: 1\nname: b\ninput:\n  - pii:\n      entities: [PHONE]\n"
                            "      timeout_s: 0.001\n")
    r = guard.validate("(415) 555-0132 " * 100_000)
    assert r.blocked
    (a,) = r.input.assessments
    assert "time budget" in (a.error or "")


def test_validate_reports_spans_in_the_original_text():
    v = Pii({"entities": ["CREDIT_DEBIT_CARD_NUMBER"]}, stage="input")
    v.setup()
    text = "Order 1129\u00a04111\u200b 1111 1111 1111"
    (span,) = v.validate(text, Context("input", "pii")).spans
    assert text[span.start:span.end] == "4111\u200b 1111 1111 1111"


@pytest.mark.parametrize("text,expected", [
    ("card number 4111 1111 1111 1111 12 items", [("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111")]),
    ("card 4111 1111 1111 1111\n1234 items", [("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111")]),
    ("Order 1129 4111 1111 1111 1112 on my card", [("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1112")]),
    ("Parcel 4111 1111 1111 1111 1234 left the depot", []),  # no cue: one 20-digit number
])
def test_a_number_after_a_value_counts_only_with_the_values_cue(pii_detect, text, expected):
    assert pii_detect(text, ["CREDIT_DEBIT_CARD_NUMBER", "PHONE"]) == expected


def test_names_and_addresses_wrapped_over_lines_are_read_whole(pii_detect):
    assert pii_detect("My name is Jane\nRoe.", ["NAME"]) == [("NAME", "Jane\nRoe")]
    text = "Lives at 1600 Pennsylvania Ave\nNW, Washington, DC 20500."
    assert pii_detect(text, ["ADDRESS"]) == [("ADDRESS", "1600 Pennsylvania Ave\nNW, Washington, DC 20500")]


def test_addresses_with_a_port_or_a_prefix_length_are_ip_addresses(pii_detect):
    assert pii_detect("connect to 10.0.0.12:8080 now", ["IP_ADDRESS"]) == [("IP_ADDRESS", "10.0.0.12")]
    assert pii_detect("net 192.168.1.20/24 ok", ["IP_ADDRESS"]) == [("IP_ADDRESS", "192.168.1.20/24")]
    assert pii_detect("SSN 536-22-1234 6:37 am", ["US_SOCIAL_SECURITY_NUMBER"]) == [
        ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234")]
