"""Streaming through the real built-in validators (pii + words + regex): every split position,
random splits, the hold-back bound and a block mid-stream."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from railguard import Guard

SPEC = """\
railguard: 1
name: stream-builtins
output:
  - pii: {entities: [EMAIL, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER, IP_ADDRESS]}
  - words: {words: [darn, heck, confidential project], on_fail: mask}
  - regex: {patterns: [{name: TICKET, pattern: 'TCK-\\d{5}', action: mask}]}
"""
GUARD = Guard.from_text(SPEC)
LOOKAHEAD = max(n.validator.lookahead() for n in GUARD.graph.output.nodes)

ANSWER = ("Your ticket TCK-12345 is open. Mail ops@example.com about the confidential project, darn it; "
          "SSN 536-22-1234, card 4111 1111 1111 1111, host 10.0.12.7. Heck, that is all.")
SECRETS = ("TCK-12345", "ops@example.com", "confidential project", "darn", "536-22-1234", "4111 1111 1111 1111",
           "10.0.12.7", "Heck")
EXPECTED = GUARD.validate(ANSWER, source="output").output


def run(pieces: list[str]):
    stream = GUARD.stream(lambda prompt: iter(pieces), "question")
    out = list(stream)
    return out, stream.result


def test_reference_masks_everything() -> None:
    assert EXPECTED == ("Your ticket {TICKET} is open. Mail {EMAIL} about the {CUSTOM_WORD}, {CUSTOM_WORD} it; "
                        "SSN {US_SOCIAL_SECURITY_NUMBER}, card {CREDIT_DEBIT_CARD_NUMBER}, host {IP_ADDRESS}. "
                        "{CUSTOM_WORD}, that is all.")


def test_every_two_piece_split_position() -> None:
    for cut in range(1, len(ANSWER)):
        out, result = run([ANSWER[:cut], ANSWER[cut:]])
        assert "".join(out) == EXPECTED, cut
        assert result.stream["max_held_back"] <= LOOKAHEAD + max(cut, len(ANSWER) - cut)


@given(st.lists(st.integers(min_value=1, max_value=len(ANSWER) - 1), max_size=60))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_splits(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    bounds = [0, *points, len(ANSWER)]
    pieces = [ANSWER[a:b] for a, b in zip(bounds, bounds[1:])]
    out, result = run(pieces)
    assert "".join(out) == EXPECTED
    released = ""
    for chunk in out:
        released += chunk
        for secret in SECRETS:
            assert secret.lower() not in chunk.lower()
    assert all(secret.lower() not in released.lower() for secret in SECRETS)
    assert result.stream["max_held_back"] <= LOOKAHEAD + max(len(p) for p in pieces)
    assert result.stream["mode"] == "incremental"


def test_block_mid_stream_releases_nothing_after_the_offending_word() -> None:
    guard = Guard.from_text(SPEC + "  - words: {words: [exploit code], on_fail: block, id: blocker}\n")
    text = "A harmless start about networking. " * 4 + "Here is exploit code: rm -rf / and more text. " * 3
    stream = guard.stream(lambda prompt: iter([text[i:i + 3] for i in range(0, len(text), 3)]), "q")
    out = list(stream)
    assert stream.result.blocked and out[-1] == "Sorry, I can't share that answer."
    released = "".join(out[:-1])
    assert text.startswith(released) and len(released) <= text.index("exploit code")
