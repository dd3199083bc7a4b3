"""pii in a stream: any split of the answer gives the non-streamed output and releases no value."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from railguard import Guard
from railguard_validators.pii import Pii

SPEC = """\
railguard: 1
name: s
output:
  - pii:
      entities: [EMAIL, PHONE, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER, AGE, PIN, NAME]
"""
VALUES = ("jane.roe@example.com", "(415) 555-0132", "536221234", "4111 1111 1111 1111", "4821", "Jane Roe")
ANSWER = ("Sure. Write to jane.roe@example.com or call (415) 555-0132. Her SSN is 536221234 and the card "
          "4111 1111 1111 1111 is hers. She is 45 years old. My name is Jane Roe; my PIN is 4821. Bye.")
GUARD = Guard.from_text(SPEC)
EXPECTED = GUARD.validate(ANSWER, source="output").output


def test_the_whole_answer_is_masked():
    assert EXPECTED == ("Sure. Write to {EMAIL} or call {PHONE}. Her SSN is {US_SOCIAL_SECURITY_NUMBER} and the "
                        "card {CREDIT_DEBIT_CARD_NUMBER} is hers. She is {AGE} years old. My name is {NAME}; "
                        "my PIN is {PIN}. Bye.")


def test_lookbehind_is_the_cue_window():
    assert Pii({"entities": ["EMAIL"]}).lookbehind() == 48 + 29 + 1
    assert Pii({"entities": ["NAME"], "engine": "spacy"}).lookbehind() is None


@given(st.lists(st.integers(min_value=1, max_value=len(ANSWER) - 1), max_size=30))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_split_gives_the_non_streamed_output_and_never_leaks(cuts):
    points = sorted(set(cuts))
    bounds = [0, *points, len(ANSWER)]
    pieces = [ANSWER[a:b] for a, b in zip(bounds, bounds[1:])]
    stream = GUARD.stream(lambda prompt: iter(pieces), "question")
    out = list(stream)
    assert "".join(out) == EXPECTED
    joined = "".join(out)
    for value in VALUES:
        assert value not in joined
    assert not stream.result.blocked and stream.result.stream["mode"] == "incremental"


# -- adversarial digit runs: how a run is cut into values must not depend on unseen text -------
DIGIT_SPEC = """\
railguard: 1
name: d
output:
  - pii:
      entities: [PHONE, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER, IP_ADDRESS,
                 UK_NATIONAL_HEALTH_SERVICE_NUMBER, CA_SOCIAL_INSURANCE_NUMBER]
"""
DIGIT_GUARD = Guard.from_text(DIGIT_SPEC)
_GROUP = st.text(alphabet="0123456789", min_size=1, max_size=7)
_SEP = st.sampled_from([" ", "-", ".", " (", ") ", "+", "  ", " - ", ", ", " or ", "\n"])
_RUN = st.lists(st.tuples(_GROUP, _SEP), min_size=1, max_size=24).map(
    lambda parts: "".join(g + s for g, s in parts))
_VALUES = st.sampled_from(["4111 1111 1111 1111", "536-22-1234", "(415) 555-0132", "+44 20 7946 0958",
                           "192.168.1.20", "2-22-8726 447435-414071", "call 415 555 0132"])


def _stream(guard, text, cuts):
    points = sorted({c for c in cuts if 0 < c < len(text)})
    bounds = [0, *points, len(text)]
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:])]
    return "".join(guard.stream(lambda prompt: iter(pieces), "q"))


@given(st.lists(st.one_of(_RUN, _VALUES), min_size=1, max_size=8).map(" ".join),
       st.lists(st.integers(min_value=1, max_value=400), max_size=12))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_streams_equal_validate_on_adversarial_digit_runs(text, cuts):
    assert _stream(DIGIT_GUARD, text, cuts) == DIGIT_GUARD.validate(text, source="output").output


def test_the_reported_stream_difference_is_gone():
    text = "2-22-8726 447435-414071"
    expected = DIGIT_GUARD.validate(text, source="output").output
    for cut in range(1, len(text)):
        assert _stream(DIGIT_GUARD, text, [cut]) == expected
