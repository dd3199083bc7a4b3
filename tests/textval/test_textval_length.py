"""length: characters or words, min and max, fix truncating at a word boundary."""

from __future__ import annotations

import pytest

from railguard_validators.length import Length

YAML = """\
railguard: 1
name: length-test
output:
  - length: {min: 2, max: 5, unit: words, on_fail: fix}
"""
RAIL = """\
<rail version="1" name="length-test">
  <output>
    <length min="2" max="5" unit="words" on-fail="fix"/>
  </output>
</rail>
"""


def test_yaml_and_rail_load_to_the_same_parameters(guard):
    assert guard(YAML).spec.output[0].params == guard(RAIL).spec.output[0].params == {"min": 2, "max": 5, "unit": "words"}


@pytest.mark.parametrize("spec", [YAML, RAIL], ids=["yaml", "rail"])
def test_too_many_words_are_truncated_by_fix(guard, spec):
    g = guard(spec)
    r = g.validate("one two  three\nfour five six seven", source="output")
    assert r.output == "one two  three\nfour five" and not r.blocked
    a = r.output_stage.assessments[0]
    assert a.action == "fix" and a.message == "the text has 7 words; the maximum is 5"
    assert dict(a.details) == {"count": 7, "unit": "words"}  # what was found before the fix
    assert g.validate("three words here", source="output").output == "three words here"


def test_too_short_cannot_be_fixed_and_blocks(guard):
    r = guard(YAML).validate("one", source="output")
    assert r.blocked
    assert r.output_stage.assessments[0].message.startswith("the text has 1 words; the minimum is 2")


def test_characters(run):
    v = Length({"max": 10})
    assert run(v, "x" * 10).passed
    out = run(v, "hello wonderful world")
    assert not out.passed and out.message == "the text has 21 characters; the maximum is 10"
    assert out.fix == "hello"  # cut at the last space, never inside a word
    assert run(v, "abcdefghijklmnop").fix == "abcdefghij"  # one long word: a hard cut
    assert run(Length({"min": 3}), "ab").message == "the text has 2 characters; the minimum is 3"
    assert run(Length({"max": 3}), "é\U0001F600ü").passed  # characters, not bytes


def test_bad_parameters_are_spec_errors(spec_error):
    assert spec_error("railguard: 1\nname: t\noutput:\n  - length: {min: 5, max: 2}\n") == [
        ("$.output[0].length.min", 4, "5 is greater than max (2)")]
    (issue,) = spec_error("railguard: 1\nname: t\noutput:\n  - length: {max: 5, unit: word}\n")
    assert issue[0] == "$.output[0].length.unit"
    assert issue[2] == "'word' is not one of ['characters', 'words'] (did you mean 'words'?)"
    (issue,) = spec_error("railguard: 1\nname: t\noutput:\n  - length: {unit: words}\n")
    assert issue[0] == "$.output[0].length"


def test_ten_megabytes(run):
    text = "word " * 2_000_000
    out = run(Length({"max": 1000, "unit": "words"}), text)
    assert out.details["count"] == 2_000_000 and out.fix == " ".join(["word"] * 1000)


def test_needs_the_whole_text_in_a_stream():
    assert Length({"max": 5}).lookahead() is None
