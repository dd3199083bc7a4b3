"""regex and words in a stream: any split of the answer masks exactly as the whole answer does."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import railguard

SPEC = """\
railguard: 1
name: stream-test
output:
  - regex:
      max_match: 20
      patterns:
        - {name: EMPLOYEE_ID, pattern: '\\bE\\d{6}\\b', action: mask}
        - {name: TICKET, pattern: '(?i)\\bticket\\s+#\\d+', action: mask}
  - words:
      words: [darn, heck no, shithead, shit]
      normalize: [leet, repeats]
      on_fail: mask
"""
SAMPLE = ("Sure, E123456 will handle ticket   #4471. Darn, heck no, that sh1thead closed it; "
          "see E654321 or TICKET #9. Shiiiit happens. XE9999999 stays. ") * 3
SECRETS = ("E123456", "E654321", "4471", "Darn", "sh1thead", "heck", "Shiiiit")
_GUARD = railguard.Guard.from_text(SPEC)


def pieces_of(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c for c in cuts if 0 < c < len(text)})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def test_whole_answer_reference():
    assert _GUARD.validate(SAMPLE, source="output").output == (
        "Sure, {EMPLOYEE_ID} will handle {TICKET}. {CUSTOM_WORD}, {CUSTOM_WORD}, that {CUSTOM_WORD} closed it; "
        "see {EMPLOYEE_ID} or {TICKET}. {CUSTOM_WORD} happens. XE9999999 stays. ") * 3
    # Look-ahead: the longest word (8) stretched for repeats (x4) + 1; the regex's cap (20) + 1.
    assert [n.validator.lookahead() for n in _GUARD.graph.output.nodes] == [21, 33]


@given(st.lists(st.integers(min_value=1, max_value=len(SAMPLE) - 1), max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_split_masks_like_the_whole_answer_and_never_leaks(cuts):
    stream = _GUARD.stream(lambda prompt: iter(pieces_of(SAMPLE, cuts)), "question")
    out = list(stream)
    assert "".join(out) == _GUARD.validate(SAMPLE, source="output").output
    assert stream.result.stream["mode"] == "incremental"
    assert stream.result.stream["max_held_back"] <= 33 + max(len(p) for p in pieces_of(SAMPLE, cuts))
    for piece in out:
        for secret in SECRETS:
            assert secret not in piece
