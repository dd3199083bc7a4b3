"""The validity checks on known-good and known-bad identifiers."""

from __future__ import annotations

import pytest

from railguard_validators.pii import checksums as c


@pytest.mark.parametrize("number,brand", [
    ("4111111111111111", "visa"), ("4012888888881881", "visa"), ("5500000000000004", "mastercard"),
    ("2221000000000009", "mastercard"), ("340000000000009", "amex"), ("378282246310005", "amex"),
    ("6011000000000004", "discover"), ("3530111333300000", "jcb"), ("30569309025904", "diners"),
    ("6304000000000000", "maestro"),
])
def test_cards_pass_luhn_and_an_issuer_range(number, brand):
    assert c.luhn(number)
    assert c.card_issuer(number) == brand


@pytest.mark.parametrize("number", ["4111111111111112", "5500000000000005", "378282246310006"])
def test_luhn_refuses_a_changed_digit(number):
    assert not c.luhn(number)


def test_issuer_range_refuses_luhn_valid_numbers_outside_every_range_or_length():
    assert c.luhn("9111111111111110") and c.card_issuer("9111111111111110") is None
    assert c.card_issuer("41111111111111") is None  # Visa has no 14-digit numbers
    assert c.card_issuer("3400000000000000") is None  # Amex is 15 digits


@pytest.mark.parametrize("ssn,ok", [
    ("536221234", True), ("078051121", True), ("000221234", False), ("666221234", False), ("912221234", False),
    ("536001234", False), ("536220000", False), ("078051120", False), ("53622123", False),
])
def test_ssn_rules(ssn, ok):
    assert c.ssn_valid(ssn) is ok


@pytest.mark.parametrize("itin,ok", [("912701234", True), ("950881234", True), ("990941234", True),
                                     ("912691234", False), ("912931234", False), ("812701234", False)])
def test_itin_ranges(itin, ok):
    assert c.itin_valid(itin) is ok


@pytest.mark.parametrize("aba,ok", [("021000021", True), ("011000015", True), ("122105155", True),
                                    ("021000022", False), ("991000021", False), ("000000000", False)])
def test_aba_checksum_and_prefix(aba, ok):
    assert c.aba_valid(aba) is ok


@pytest.mark.parametrize("iban,ok", [
    ("GB82WEST12345698765432", True), ("DE89370400440532013000", True), ("FR1420041010050500013M02606", True),
    ("gb82west12345698765432", True), ("GB82WEST12345698765433", False), ("GB82WEST1234569876543", False),
    ("XX82WEST12345698765432", False), ("DE8937040044053201300", False),
])
def test_iban_mod97_and_country_length(iban, ok):
    assert c.iban_valid(iban) is ok


@pytest.mark.parametrize("nhs,ok", [("9434765919", True), ("4010232137", True), ("9434765918", False),
                                    ("1234567890", False)])
def test_nhs_mod11(nhs, ok):
    assert c.nhs_valid(nhs) is ok


@pytest.mark.parametrize("sin,ok", [("130692544", True), ("130692545", False), ("046454286", False), ("846454281", False)])
def test_sin_luhn_and_first_digit(sin, ok):
    assert c.sin_valid(sin) is ok


@pytest.mark.parametrize("vin,ok", [("1HGCM82633A004352", True), ("1M8GDM9AXKP042788", True),
                                    ("1HGCM82634A004352", False), ("1HGCM82633A00435", False),
                                    ("1HGCM82633A00435I", False)])
def test_vin_check_digit(vin, ok):
    assert c.vin_valid(vin) is ok


@pytest.mark.parametrize("nino,ok", [("AB123456C", True), ("QQ123456C", False), ("GB123456A", False),
                                     ("AB123456E", False), ("AO123456A", False)])
def test_nino_letters(nino, ok):
    assert c.nino_valid(nino) is ok


@pytest.mark.parametrize("code,ok", [("DEUTDEFF", True), ("DEUTDEFF500", True), ("NWBKGB2L", True),
                                     ("ABCDXX12", False), ("DEUTDEF", False), ("1EUTDEFF", False)])
def test_swift_format_and_country(code, ok):
    assert c.swift_valid(code) is ok
