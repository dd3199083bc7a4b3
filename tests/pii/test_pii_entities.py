"""Every entity type: values it must find (exact text) and near misses it must not."""

from __future__ import annotations

import pytest

from railguard_validators.pii import ENTITY_TYPES

FOUND = [
    # (type, text, expected matched texts)
    ("ADDRESS", "Ship it to 1600 Pennsylvania Ave NW, Washington, DC 20500 today.",
     ["1600 Pennsylvania Ave NW, Washington, DC 20500"]),
    ("ADDRESS", "Wir wohnen in der Villacher Strasse 89 seit Mai.", ["Villacher Strasse 89"]),
    ("ADDRESS", "Send the forms to PO Box 4411 please", ["PO Box 4411"]),
    ("ADDRESS", "Il est au 12 rue de la Paix depuis hier", ["12 rue de la Paix"]),
    ("AGE", "My brother turned 45 last week.", ["45"]),
    ("AGE", "She is 32 years old.", ["32"]),
    ("AGE", "age: 71", ["71"]),
    ("AWS_ACCESS_KEY", "key AKIAIOSFODNN7EXAMPLE in the config", ["AKIAIOSFODNN7EXAMPLE"]),
    ("AWS_ACCESS_KEY", "temp creds ASIAY34FZKBOKMUTVV7A", ["ASIAY34FZKBOKMUTVV7A"]),
    ("AWS_SECRET_KEY", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
    ("CA_HEALTH_NUMBER", "my health card is 1234-567-890-AB", ["1234-567-890-AB"]),
    ("CA_SOCIAL_INSURANCE_NUMBER", "SIN 130 692 544 on file", ["130 692 544"]),
    ("CA_SOCIAL_INSURANCE_NUMBER", "my SIN is 130692544", ["130692544"]),
    ("CREDIT_DEBIT_CARD_CVV", "the CVV is 123", ["123"]),
    ("CREDIT_DEBIT_CARD_EXPIRY", "expires 09/27", ["09/27"]),
    ("CREDIT_DEBIT_CARD_NUMBER", "card 4111 1111 1111 1111 ok", ["4111 1111 1111 1111"]),
    ("CREDIT_DEBIT_CARD_NUMBER", "amex 3782-822463-10005, mc 5500000000000004",
     ["3782-822463-10005", "5500000000000004"]),
    ("DRIVER_ID", "my driver's license number is D1234567", ["D1234567"]),
    ("EMAIL", "write to john.doe+news@mail.example.co.uk.", ["john.doe+news@mail.example.co.uk"]),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IBAN GB82 WEST 1234 5698 7654 32, thanks",
     ["GB82 WEST 1234 5698 7654 32"]),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "to de89370400440532013000", ["de89370400440532013000"]),
    ("IP_ADDRESS", "from 192.168.1.20 and 2001:db8::1 and fe80::1ff:fe23:4567:890a.",
     ["192.168.1.20", "2001:db8::1", "fe80::1ff:fe23:4567:890a"]),
    ("LICENSE_PLATE", "license plate 7ABC123 was seen", ["7ABC123"]),
    ("MAC_ADDRESS", "nic 00:1A:2B:3C:4D:5E, 00-1a-2b-3c-4d-5f and 0011.2233.4455",
     ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5f", "0011.2233.4455"]),
    ("NAME", "Hello, my name is John Smith.", ["John Smith"]),
    ("NAME", "Please ask Dr. Gherardo Napolitani about it.", ["Gherardo Napolitani"]),
    ("PASSWORD", "my password is hunter2.", ["hunter2"]),
    ("PASSWORD", "pwd=Tr0ub4dor&3 then", ["Tr0ub4dor&3"]),
    ("PHONE", "call (415) 555-0132 or +44 20 7946 0958 or 020 7946 0958.",
     ["(415) 555-0132", "+44 20 7946 0958", "020 7946 0958"]),
    ("PHONE", "Phone: 467 3395", ["467 3395"]),
    ("PIN", "my PIN is 4821", ["4821"]),
    ("SWIFT_CODE", "BIC DEUTDEFF and NWBKGB2L", ["DEUTDEFF", "NWBKGB2L"]),
    ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "NHS number 943 476 5919", ["943 476 5919"]),
    ("UK_NATIONAL_INSURANCE_NUMBER", "NI number AB 12 34 56 C", ["AB 12 34 56 C"]),
    ("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "my UTR is 12345 67890", ["12345 67890"]),
    ("URL", "see https://example.com/a/b?q=1. Or (www.example.org/x).",
     ["https://example.com/a/b?q=1", "www.example.org/x"]),
    ("USERNAME", "username: jdoe_42", ["jdoe_42"]),
    ("US_BANK_ACCOUNT_NUMBER", "account number 000123456789", ["000123456789"]),
    ("US_BANK_ROUTING_NUMBER", "routing number 021000021", ["021000021"]),
    ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "ITIN 912-70-1234", ["912-70-1234"]),
    ("US_PASSPORT_NUMBER", "passport no. C03005988", ["C03005988"]),
    ("US_SOCIAL_SECURITY_NUMBER", "SSN 536-22-1234 and 536 22 1235", ["536-22-1234", "536 22 1235"]),
    ("US_SOCIAL_SECURITY_NUMBER", "my social security number is 536221234", ["536221234"]),
    ("VEHICLE_IDENTIFICATION_NUMBER", "vehicle 1HGCM82633A004352", ["1HGCM82633A004352"]),
]

MISSED = [
    # (type, text): ordinary text, invalid checksums, values without their cue
    ("ADDRESS", "I have 3 dogs and 2 cats at home."),
    ("AGE", "I have 45 apples and 3 pears."),
    ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPL AKIA1OSFODNN7EXAMPLE XAKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("CA_HEALTH_NUMBER", "call 1234-567-890"),
    ("CA_SOCIAL_INSURANCE_NUMBER", "130 692 545 failed its check digit"),
    ("CREDIT_DEBIT_CARD_CVV", "I bought 123 apples"),
    ("CREDIT_DEBIT_CARD_EXPIRY", "I ate 3/4 of it on 12/25"),
    ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1112, 9111111111111110, order 1234567890123"),
    ("DRIVER_ID", "my driver's license is valid"),
    ("EMAIL", "john@localhost, a@b.c, @example.com, user@@example.com"),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "GB82 WEST 1234 5698 7654 33 and XX82WEST12345698765432"),
    ("IP_ADDRESS", "256.1.1.1, 1.2.3.4.5, version 10:30:45, 2001:db8:::1"),
    ("LICENSE_PLATE", "the plate was broken"),
    ("MAC_ADDRESS", "00:00:00:00:00:00 and 00:1A:2B:3C:4D"),
    ("NAME", "Will you come to the Rose Garden on Monday?"),
    ("PASSWORD", "the password is incorrect. I forgot my password yesterday."),
    ("PHONE", "order 1234567 shipped 2024-07-12, total $1234.56, ref 123-45-6789"),
    ("PIN", "I have 4821 points"),
    ("SWIFT_CODE", "BUSINESS ABCDXX12"),
    ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "943 476 5918"),
    ("UK_NATIONAL_INSURANCE_NUMBER", "QQ 12 34 56 C and GB 12 34 56 A"),
    ("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "12345 67890"),
    ("URL", "https://nohost and www. and example.com"),
    ("USERNAME", "the login page is slow"),
    ("US_BANK_ACCOUNT_NUMBER", "000123456789"),
    ("US_BANK_ROUTING_NUMBER", "Far away, with no cue in sight at all: 021000021"),
    ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "912-69-1234 and 912701234"),
    ("US_PASSPORT_NUMBER", "C03005988"),
    ("US_SOCIAL_SECURITY_NUMBER", "000-22-1234, 666-22-1234, 536-00-1234, 536221234"),
    ("VEHICLE_IDENTIFICATION_NUMBER", "1HGCM82634A004352 and ABCDEFGHJKLMNPRST"),
]


def test_every_entity_type_is_covered():
    assert {t for t, _, _ in FOUND} == set(ENTITY_TYPES)
    assert {t for t, _ in MISSED} == set(ENTITY_TYPES)


@pytest.mark.parametrize("entity,text,expected", FOUND, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(FOUND)])
def test_finds(pii_detect, entity, text, expected):
    assert pii_detect(text, [entity]) == [(entity, v) for v in expected]


@pytest.mark.parametrize("entity,text", MISSED, ids=[f"{t}-{i}" for i, (t, _) in enumerate(MISSED)])
def test_near_misses(pii_detect, entity, text):
    assert pii_detect(text, [entity]) == []


def test_expiry_right_after_a_card_needs_no_cue(pii_detect):
    assert pii_detect("4111 1111 1111 1111 12/26", ["CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_EXPIRY"]) == [
        ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"), ("CREDIT_DEBIT_CARD_EXPIRY", "12/26")]


def test_a_valid_phone_stays_phone_unless_nhs_is_named(pii_detect):
    both = ["PHONE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER"]
    # 415 555 0105 passes the NHS mod-11 check and is a valid US number.
    assert pii_detect("call 415 555 0105", both) == [("PHONE", "415 555 0105")]
    assert pii_detect("my NHS number: 415 555 0105", both) == [("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "415 555 0105")]


def test_values_inside_a_longer_value_are_reported_as_the_longer_one(pii_detect):
    text = "IBAN DE89 3704 0044 0532 0130 00 and http://10.0.0.1/admin"
    assert pii_detect(text, ["INTERNATIONAL_BANK_ACCOUNT_NUMBER", "PHONE", "URL", "IP_ADDRESS"]) == [
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "DE89 3704 0044 0532 0130 00"), ("URL", "http://10.0.0.1/admin")]


def test_a_phone_after_another_number_in_the_same_run(pii_detect):
    assert pii_detect("born 1990 415-555-0132", ["PHONE"]) == [("PHONE", "415-555-0132")]
    assert pii_detect("call 0412 348 535 2019-09-26", ["PHONE"]) == [("PHONE", "0412 348 535")]


def test_a_card_followed_by_another_number(pii_detect):
    assert pii_detect("card 4408 9029 6410 0702 328 GB", ["CREDIT_DEBIT_CARD_NUMBER"]) == [
        ("CREDIT_DEBIT_CARD_NUMBER", "4408 9029 6410 0702")]


def test_a_value_at_the_edge_of_a_window_is_read_whole(pii_detect):
    # The expiry starts 28 characters after the card: the 32-character window ends inside "12/2025".
    text = "4111 1111 1111 1111 and then, a bit later on: 12/2025"
    assert text.index("12/2025") - 19 == 27
    assert pii_detect(text, ["CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_EXPIRY"]) == [
        ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"), ("CREDIT_DEBIT_CARD_EXPIRY", "12/2025")]


def test_phone_regions_decide_which_national_formats_count(pii_detect):
    text = "write to 612 345 678 today"  # a Spanish mobile number in national format
    assert pii_detect(text, ["PHONE"]) == []
    assert pii_detect(text, ["PHONE"], phone_regions=["ES"]) == [("PHONE", "612 345 678")]
    assert pii_detect("write to +34 612 345 678 today", ["PHONE"]) == [("PHONE", "+34 612 345 678")]
