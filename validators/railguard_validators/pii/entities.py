"""The entity types: Amazon Bedrock Guardrails' PII entity names, each with its detection rule."""

from __future__ import annotations

__all__ = ["ENTITY_TYPES", "RULES", "NEEDS_CONTEXT"]

# One line per type: how the rules engine decides (shown in the docs and by `railguard`).
RULES: dict[str, str] = {
    "ADDRESS": "street-address grammar: house number, street name and suffix (Street, Ave, Rd, ...), optional unit, "
               "city, state and ZIP; European 'Name-strasse 12' forms; PO boxes and APO/FPO/DPO",
    "AGE": "a number 0-120 next to an age cue ('age', 'aged', 'turned', 'years old')",
    "AWS_ACCESS_KEY": "AKIA/ASIA/ABIA/ACCA followed by 16 base-32 characters",
    "AWS_SECRET_KEY": "40 base-64 characters next to a cue ('aws_secret_access_key', 'secret key')",
    "CA_HEALTH_NUMBER": "10 digits (+ optional 2-letter version) or Quebec's 4 letters + 8 digits, next to a cue "
                        "('health card', 'OHIP', 'RAMQ')",
    "CA_SOCIAL_INSURANCE_NUMBER": "9 digits, Luhn-valid, not starting 0 or 8; written 3-3-3, or bare next to "
                                  "'SIN'/'social insurance'",
    "CREDIT_DEBIT_CARD_CVV": "3-4 digits next to 'CVV'/'CVC'/'security code'",
    "CREDIT_DEBIT_CARD_EXPIRY": "MM/YY or MM/YYYY (month 01-12) next to an expiry cue ('exp', 'valid thru') or right "
                                "after a detected card number",
    "CREDIT_DEBIT_CARD_NUMBER": "13-19 digits (plain, or grouped as cards are printed: fours, 4-6-5, 4-6-4, "
                                "4-4-4-4-3) passing Luhn and a card issuer's range and length (Visa, Mastercard, "
                                "Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir); next to a card cue ('card "
                                "number', 'visa') a failing Luhn check still counts",
    "DRIVER_ID": "a 5-20 character licence number with at least one digit, right after a cue ('driver's license', "
                 "'DL')",
    "EMAIL": "local@domain with a dotted domain and a top-level domain of 2-24 letters (any script, or xn--); "
             "internationalised addresses count",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "country code, the country's IBAN length and the ISO 7064 mod-97 check "
                                         "(spaces, dashes or dots between groups allowed, any case); next to 'IBAN' a "
                                         "failing check still counts",
    "IP_ADDRESS": "IPv4 with octets 0-255 (not after 'section', 'version', 'clause', ...), or IPv6 accepted by "
                  "Python's ipaddress",
    "LICENSE_PLATE": "2-8 letters and digits (at least one of each) right after a cue ('license plate', 'registration "
                     "number')",
    "MAC_ADDRESS": "six hex pairs separated by ':' or '-', or Cisco's 3x4 dotted form; all-zero and broadcast refused",
    "NAME": "rules: capitalised words after a title or cue ('Mr', 'Dr', 'my name is', 'Dear') or a known first name "
            "followed by a capitalised word (US Census name lists); spacy: PERSON entities",
    "PASSWORD": "the token right after 'password'/'pwd'/'passcode' and a connector (':', '=', 'is')",
    "PHONE": "a number valid for its country code or for one of phone_regions (libphonenumber metadata), written as "
             "phone numbers are (+country code, trunk 0, or NANP 3-3-4); bare digits, or a 7-15 digit phone-shaped "
             "number that is not valid, only next to a cue ('phone', 'call', 'mobile')",
    "PIN": "4-8 digits next to 'PIN'",
    "SWIFT_CODE": "4 letters, an ISO country code, 2 (+3) letters or digits; all-letter codes need a cue ('SWIFT', "
                  "'BIC')",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": "10 digits written 3-3-4 passing the NHS mod-11 check (a valid phone number "
                                         "stays PHONE), or 10 digits next to 'NHS'",
    "UK_NATIONAL_INSURANCE_NUMBER": "two prefix letters (HMRC's excluded letters and prefixes refused), 6 digits, "
                                    "suffix A-D",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": "10 digits next to 'UTR'/'unique taxpayer reference'",
    "URL": "http(s)/ftp(s) URLs and www. addresses with a dotted host; trailing punctuation and unbalanced brackets "
           "trimmed",
    "USERNAME": "the token right after 'username'/'login'/'user id' and a connector",
    "US_BANK_ACCOUNT_NUMBER": "8-17 digits next to an account cue ('account number', 'acct', 'checking')",
    "US_BANK_ROUTING_NUMBER": "9 digits with a Federal Reserve prefix and the ABA 3-7-1 checksum, next to "
                              "'routing'/'ABA'",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": "9XX-GG-XXXX with the group in the ITIN ranges; bare 9 digits need "
                                               "'ITIN'/'tax id' near",
    "US_PASSPORT_NUMBER": "9 digits or a letter + 8 digits next to 'passport'",
    "US_SOCIAL_SECURITY_NUMBER": "3-2-4 digits (dashes, spaces or dots) with a valid area (not 000, 666, 9XX), group "
                                 "and serial; bare 9 digits, or a number the rules say was never issued "
                                 "(123-45-6789), need 'SSN'/'social security' near; scores and counts ('scored', "
                                 "'points') are not SSNs",
    "VEHICLE_IDENTIFICATION_NUMBER": "17 characters without I, O, Q whose 9th is the check digit; a failing check "
                                     "digit needs 'VIN' near",
}
ENTITY_TYPES: tuple[str, ...] = tuple(sorted(RULES))

# Types whose value alone proves nothing: they are found only next to a cue word.
NEEDS_CONTEXT = frozenset({
    "AGE", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "DRIVER_ID",
    "LICENSE_PLATE", "PASSWORD", "PIN", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "USERNAME",
    "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER", "US_PASSPORT_NUMBER",
})
