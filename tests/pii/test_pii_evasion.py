"""PII written the way real text writes it: invisible characters, odd separators, other digits."""

from __future__ import annotations

import pytest

from railguard import Guard

TYPES = ["EMAIL", "PHONE", "US_SOCIAL_SECURITY_NUMBER", "CREDIT_DEBIT_CARD_NUMBER", "IP_ADDRESS"]


@pytest.mark.parametrize("raw,entity", [
    ("536-22\u200b-1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u200d-22-12\u200c34", "US_SOCIAL_SECURITY_NUMBER"),
    ("536-22-\u20601234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536-2\u00ad2-1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536-\ufeff22-1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u00a022\u00a01234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u202f22\u202f1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u200922\u20091234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u201322\u20131234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u201122\u20111234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\u221222\u22121234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536\t22\t1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536_22_1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("536  22  1234", "US_SOCIAL_SECURITY_NUMBER"),
    ("\uff15\uff13\uff16-\uff12\uff12-\uff11\uff12\uff13\uff14", "US_SOCIAL_SECURITY_NUMBER"),
    ("\u0665\u0663\u0666-\u0662\u0662-\u0661\u0662\u0663\u0664", "US_SOCIAL_SECURITY_NUMBER"),
    ("\u096b\u0969\u096c-\u0968\u0968-\u0967\u0968\u0969\u096a", "US_SOCIAL_SECURITY_NUMBER"),
    ("\U0001d7d3\U0001d7d1\U0001d7d4-\U0001d7d0\U0001d7d0-\U0001d7cf\U0001d7d0\U0001d7d1\U0001d7d2",
     "US_SOCIAL_SECURITY_NUMBER"),
    ("4111 1111\n1111 1111", "CREDIT_DEBIT_CARD_NUMBER"),
    ("4111\u200b1111\u200b1111\u200b1111", "CREDIT_DEBIT_CARD_NUMBER"),
    ("4111..1111..1111..1111", "CREDIT_DEBIT_CARD_NUMBER"),
    ("(415)\u00a0555\u20110132", "PHONE"),
    ("415-555-\n0132", "PHONE"),
    ("192.168.\u200b1.20", "IP_ADDRESS"),
    ("jane\u200b.roe@example.com", "EMAIL"),
    ("jane.roe\uff20example.com", "EMAIL"),
    ("jos\u00e9@example.com", "EMAIL"),
    ("\u043c\u0430\u0440\u0438\u044f@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "EMAIL"),
])
def test_values_survive_real_world_text_and_masks_cover_the_original(pii_detect, raw, entity):
    text = f"here: {raw} ok"
    got = pii_detect(text, TYPES)
    assert got == [(entity, raw)]


def test_the_mask_leaves_no_invisible_remnant():
    guard = Guard.from_text("railguard: 1\nname: p\ninput:\n  - pii:\n      entities: [US_SOCIAL_SECURITY_NUMBER]\n")
    assert guard.validate("SSN 536\u200b-22-1234.").output == "SSN {US_SOCIAL_SECURITY_NUMBER}."


def test_an_email_inside_a_url_query_is_masked_alone(pii_detect):
    text = "https://portal.example.com/reset?email=john.doe@example.com&x=1"
    assert pii_detect(text, ["EMAIL"]) == [("EMAIL", "john.doe@example.com")]


@pytest.mark.parametrize("text,entity,value", [
    ("Re: phone number - 020 7946 0321", "PHONE", "020 7946 0321"),  # a spaced dash after the cue
    ("Re: debit card - 6011 0009 9013 9424", "CREDIT_DEBIT_CARD_NUMBER", "6011 0009 9013 9424"),
    ("MAC address 3C 22 FB 12 34 56 here", "MAC_ADDRESS", "3C 22 FB 12 34 56"),
    ("MAC address 3C.22.FB.12.34.56 here", "MAC_ADDRESS", "3C.22.FB.12.34.56"),
    ("Could you update my pwd? It is Tr0ub4dor&3", "PASSWORD", "Tr0ub4dor&3"),
    ("pwd:\nTr0ub4dor&3\n", "PASSWORD", "Tr0ub4dor&3"),
    ("FYI acct = 4400 1234 5678", "US_BANK_ACCOUNT_NUMBER", "4400 1234 5678"),
    ("My IBAN is GB82_WEST_1234_5698_7654_32.", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "GB82_WEST_1234_5698_7654_32"),
])
def test_values_after_unusual_connectors_and_separators(pii_detect, text, entity, value):
    from railguard_validators.pii import ENTITY_TYPES

    assert pii_detect(text, list(ENTITY_TYPES)) == [(entity, value)]


def test_lists_of_number_pairs_are_not_mac_addresses(pii_detect):
    assert pii_detect("Winning numbers 12 34 56 78 90 12 today", ["MAC_ADDRESS"]) == []
    assert pii_detect("pairs 3C 22 FB 12 34 56 78", ["MAC_ADDRESS"]) == []


@pytest.mark.parametrize("text,entity,value", [
    ("Your SSN (452-81-9023) was saved.", "US_SOCIAL_SECURITY_NUMBER", "452-81-9023"),
    ("Your mastercard (5105 1051 0510 5100) was saved.", "CREDIT_DEBIT_CARD_NUMBER", "5105 1051 0510 5100"),
    ("Your mastercard 5105.1051.0510.5100 was saved.", "CREDIT_DEBIT_CARD_NUMBER", "5105.1051.0510.5100"),
    ("Your IP (172.16.254.3) was saved.", "IP_ADDRESS", "172.16.254.3"),
    ("Your ITIN (923-88-4567) was saved.", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "923-88-4567"),
    ("call (415) 555-0132 today", "PHONE", "(415) 555-0132"),
    ("login -- k.tanaka77", "USERNAME", "k.tanaka77"),
    ("<p>login: <b>k.tanaka77</b></p>", "USERNAME", "k.tanaka77"),
    ("Your login (k.tanaka77) was saved.", "USERNAME", "k.tanaka77"),
])
def test_values_in_brackets_and_markup(pii_detect, text, entity, value):
    from railguard_validators.pii import ENTITY_TYPES

    assert pii_detect(text, list(ENTITY_TYPES)) == [(entity, value)]


@pytest.mark.parametrize("text", [
    "The DL#, S530-4127-9310, is on the form.",
    "| DL# | S530-4127-9310 |",
    "DL#... S530-4127-9310",
    "`DL#`: `S530-4127-9310`",
    "DL# => S530-4127-9310",
    "Subject: DL#\n\nS530-4127-9310",
    "Hey! DL#: S530 4127 9310 :)",
])
def test_token_values_after_more_connectors(pii_detect, text):
    got = pii_detect(text, ["DRIVER_ID"])
    assert [t for t, _ in got] == ["DRIVER_ID"] and got[0][1].replace(" ", "-") == "S530-4127-9310"


@pytest.mark.parametrize("text", ["the login page, please", "password, then reset it", "username | status"])
def test_a_word_after_a_loose_connector_is_not_a_value(pii_detect, text):
    assert pii_detect(text, ["USERNAME", "PASSWORD"]) == []
