"""regex: RE2 patterns, load-time refusal of what RE2 cannot run, masks, spans, look-ahead."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import railguard
from railguard_validators.regex import Regex, match_width

ROOT = Path(__file__).resolve().parents[2]

YAML = """\
railguard: 1
name: regex-test
input:
  - regex:
      patterns:
        - {name: EMPLOYEE_ID, pattern: '\\bE\\d{6}\\b', action: mask}
        - name: WIRE_FRAUD
          pattern: '(?i)\\bdisable\\s+(?:the\\s+)?fraud\\s+checks?\\b'
          action: block
          description: getting around fraud controls
"""

RAIL = """\
<rail version="1" name="regex-test">
  <input>
    <regex>
      <pattern name="EMPLOYEE_ID" action="mask">\\bE\\d{6}\\b</pattern>
      <pattern name="WIRE_FRAUD" action="block" description="getting around fraud controls"
               >(?i)\\bdisable\\s+(?:the\\s+)?fraud\\s+checks?\\b</pattern>
    </regex>
  </input>
</rail>
"""


def test_yaml_and_rail_load_to_the_same_parameters(guard):
    assert guard(YAML).spec.input[0].params == guard(RAIL).spec.input[0].params


@pytest.mark.parametrize("spec", [YAML, RAIL], ids=["yaml", "rail"])
def test_masks_with_the_pattern_name_and_blocks_per_pattern(guard, spec):
    g = guard(spec)
    r = g.validate("Ask E123456 or E654321, not XE1234567.")
    assert not r.blocked
    assert r.output == "Ask {EMPLOYEE_ID} or {EMPLOYEE_ID}, not XE1234567."
    (a,) = r.failures
    assert [(s.start, s.end, s.type, s.action) for s in a.spans] == [(4, 11, "EMPLOYEE_ID", "mask"),
                                                                      (15, 22, "EMPLOYEE_ID", "mask")]
    assert a.message == "matched pattern(s): EMPLOYEE_ID x2"
    r = g.validate("Please DISABLE the fraud check for E123456")
    assert r.blocked and r.output == "Sorry, I can't help with that request."
    assert {s.type for s in r.failures[0].spans} == {"WIRE_FRAUD", "EMPLOYEE_ID"}
    assert "E123456" not in (r.failures[0].message or "")


def test_the_attribute_form_of_a_pattern_is_accepted(guard):
    g = guard('<rail version="1" name="t"><input><regex>'
              '<pattern name="X" pattern="ab+c" action="mask"/></regex></input></rail>')
    assert g.validate("xx abbbc").output == "xx {X}"


def test_offsets_are_characters_even_after_multibyte_text(run):
    v = Regex({"patterns": [{"name": "ID", "pattern": r"E\d{3}"}, {"name": "CAFE", "pattern": "café"}]})
    text = "日本語 café E123 \U0001F600 E456 ünï E789"
    out = run(v, text)
    assert [(text[s.start:s.end], s.type) for s in out.spans] == [
        ("café", "CAFE"), ("E123", "ID"), ("E456", "ID"), ("E789", "ID")]


def test_lone_surrogates_and_binary_text_do_not_break_matching(run):
    v = Regex({"patterns": [{"name": "ID", "pattern": r"E\d{3}"}]})
    text = "\ud800 E123 \x00\xff E456 \udfff"
    out = run(v, text)
    assert [text[s.start:s.end] for s in out.spans] == ["E123", "E456"]


def test_catastrophic_backtracking_pattern_runs_in_linear_time(run):
    v = Regex({"patterns": [{"name": "EVIL", "pattern": "(a+)+$"}]})
    text = "a" * 50_000 + "!"
    t0 = time.perf_counter()
    out = run(v, text)
    elapsed = time.perf_counter() - t0
    assert out.passed  # no run of a's reaches the end of the text
    out = run(v, "a" * 50_000)
    assert [(s.start, s.end) for s in out.spans] == [(0, 50_000)]
    assert elapsed < 2.0  # a hang guard only: Python's re would take longer than the age of the universe


def test_ten_megabytes_are_matched_whole(run):
    v = Regex({"patterns": [{"name": "ID", "pattern": r"\bE\d{6}\b"}]})
    block = "lorem ipsum é dolor sit amet E123456 " * 10
    text = block * (10_000_000 // len(block))
    t0 = time.perf_counter()
    out = run(v, text)
    assert time.perf_counter() - t0 < 20.0  # hang guard
    assert len(out.spans) == text.count("E123456")
    last = out.spans[-1]
    assert text[last.start:last.end] == "E123456"


@pytest.mark.parametrize("pattern, why", [
    ("a(?=b)", "lookahead assertions (?=...) and (?!...) are not supported: patterns run on RE2"),
    ("(?<!x)a", "lookbehind assertions (?<=...) and (?<!...) are not supported: patterns run on RE2"),
    ("(a)\\1", "backreferences (\\1...) are not supported: patterns run on RE2"),
    ("(?P<x>a)(?P=x)", "backreferences and recursion are not supported: patterns run on RE2"),
    ("(?>a+)b", "atomic groups (?>...) are not supported"),
    ("a++", "possessive quantifiers (*+, ++, ?+) are not supported"),
    ("end\\Z", "\\Z is not supported; write \\z for the end of the text"),
    ("\\u00e9", "\\uXXXX escapes are not supported; write \\x{XXXX}"),
    ("(?x) a b", "the x (verbose) flag is not supported"),
    ("a{2000}", "invalid repetition size: {2000} (RE2 allows counted repetition up to 1000)"),
    ("(unclosed", "not a valid RE2 regular expression: missing ): (unclosed"),
    ("x\\C", "\\C (any single byte) is not supported"),
])
def test_patterns_re2_cannot_run_are_spec_errors_at_their_exact_path(spec_error, pattern, why):
    spec = ("railguard: 1\nname: t\ninput:\n  - regex:\n      patterns:\n"
            "        - {name: A, pattern: 'a'}\n        - {name: B, pattern: 'b'}\n        - {name: C, pattern: 'c'}\n"
            f"        - name: D\n          pattern: '{pattern}'\n")
    (issue,) = spec_error(spec)
    path, line, message = issue
    assert path == "$.input[0].regex.patterns[3].pattern"
    assert line == 10
    assert message.startswith(repr(pattern) + ": ")
    assert why in message


def test_rail_spec_errors_point_at_the_pattern_element(spec_error):
    spec = ('<rail version="1" name="t">\n<input>\n<regex>\n<pattern name="A">a</pattern>\n'
            '<pattern name="B">(?=x)b</pattern>\n</regex>\n</input>\n</rail>\n')
    (issue,) = spec_error(spec)
    assert issue[:2] == ("$.input[0].regex.patterns[1].pattern", 5)
    assert "lookahead" in issue[2]


def test_more_than_thirty_patterns_duplicates_and_empty_matches_are_errors(spec_error):
    lines = "".join(f"        - {{name: P{i}, pattern: 'x{i}'}}\n" for i in range(31))
    issues = spec_error(f"railguard: 1\nname: t\ninput:\n  - regex:\n      patterns:\n{lines}")
    assert [(p, m) for p, _, m in issues] == [
        ("$.input[0].regex.patterns", "31 patterns; a regex validator takes at most 30 (Bedrock's limit): "
                                      "split them over several regex entries")]
    issues = spec_error("railguard: 1\nname: t\ninput:\n  - regex:\n      patterns:\n"
                        "        - {name: A, pattern: 'a'}\n        - {name: A, pattern: 'b*'}\n")
    assert [(p, m) for p, _, m in issues] == [
        ("$.input[0].regex.patterns[1].name", "'A' is already the name of patterns[0]"),
        ("$.input[0].regex.patterns[1].pattern", "'b*' matches the empty string, so it would match everywhere; "
                                                 "make it require at least one character")]


def test_re2_flavour_differences_are_real(run):
    # \d and \b are ASCII in RE2 (documented): Arabic-Indic digits are not \d, \pN matches them.
    ascii_digits = Regex({"patterns": [{"name": "N", "pattern": r"\d+"}], "normalize": False})
    any_digits = Regex({"patterns": [{"name": "N", "pattern": r"\pN+"}], "normalize": False})
    assert run(ascii_digits, "٣٤٥").passed
    assert not run(any_digits, "٣٤٥").passed
    # Read as a person reads them (the default), they are digits, and \d finds them.
    assert [(s.start, s.end) for s in run(Regex({"patterns": [{"name": "N", "pattern": r"\d+"}]}), "x ٣٤٥").spans] \
        == [(2, 5)]
    # $ is the end of the text only (Python's $ also matches before a final newline).
    assert run(Regex({"patterns": [{"name": "E", "pattern": "end$"}]}), "the end\n").passed
    assert not run(Regex({"patterns": [{"name": "E", "pattern": "(?m)end$"}]}), "the end\n").passed


@pytest.mark.parametrize("pattern, width", [
    (r"\bE\d{6}\b", (7, 7)),
    (r"\b\d(?:[ -]?\d){12,18}\b", (13, 37)),
    (r"(?i)\bhow\s+(?:many|much)\b", (8, None)),
    (r"\Qa.b\E", (3, 3)),
    (r"[]a][[:digit:]]{2}", (3, 3)),
    (r"\p{Greek}\pL\x{e9}\x41", (4, 4)),
    (r"(?P<x>ab|cde)?z", (1, 4)),
    (r"(?<x>a){2,}", (2, None)),
    (r"a{,3}", (5, 5)),  # RE2 reads {,3} literally
    (r"x*?y+?", (1, None)),
    (r"(?i)(?:)x", (1, 1)),
])
def test_match_width(pattern, width):
    assert match_width(pattern) == width


def test_lookahead_is_the_longest_match_plus_one_or_the_cap():
    assert Regex({"patterns": [{"name": "ID", "pattern": r"\bE\d{6}\b"}]}).lookahead() == 8
    both = Regex({"patterns": [{"name": "ID", "pattern": r"E\d{6}"}, {"name": "W", "pattern": r"a\s+b"}]})
    assert both.lookahead() == 257  # an unbounded pattern: max_match (256) + 1
    assert Regex({"patterns": [{"name": "W", "pattern": r"a\s+b"}], "max_match": 40}).lookahead() == 41


def test_max_match_is_checked(spec_error):
    issues = spec_error("railguard: 1\nname: t\ninput:\n  - regex: {max_match: 0, patterns: [{name: A, pattern: a}]}\n")
    assert issues[0][0] == "$.input[0].regex.max_match"


def test_shipped_specs_still_load():
    for path in sorted((ROOT / "specs").iterdir()):
        if path.suffix in (".yaml", ".rail"):
            railguard.Guard.from_file(path)


# -- real-world text: the pattern matches what a reader sees, the mask covers what was written --------------
ID = {"name": "EMPLOYEE_ID", "pattern": r"\bE\d{6}\b", "action": "mask"}


@pytest.mark.parametrize("written", [
    "E\uff11\uff12\uff13\uff14\uff15\uff16",            # full-width digits
    "\uff25123456",                                          # a full-width E
    "E1\u200b23456",                                         # one zero-width space
    "E\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6",              # one after every character
    "E12\u00ad34\u206056",                                   # a soft hyphen and a word joiner
    "E\U0001d7cf\U0001d7d0\U0001d7d1456",                        # mathematical bold digits
    "E\u0661\u0662\u0663\u0664\u0665\u0666",                  # Arabic-Indic digits
])
def test_a_disguised_identifier_is_masked_over_its_original_characters(guard, written):
    g = guard(YAML)
    text = f"My ID is {written}, thanks."
    r = g.validate(text)
    assert r.output == "My ID is {EMPLOYEE_ID}, thanks."
    (span,) = r.failures[0].spans
    assert text[span.start:span.end] == written


def test_spaces_and_dashes_read_as_the_pattern_writes_them(run):
    v = Regex({"patterns": [{"name": "REF", "pattern": r"\bREF-\d{4} \d{4}\b"}]})
    text = "see REF\u20131234\u00a05678 and REF\u2011 9999"
    out = run(v, text)
    assert [text[s.start:s.end] for s in out.spans] == ["REF\u20131234\u00a05678"]


def test_normalize_false_matches_the_text_exactly_as_given(guard, run):
    raw = Regex({"patterns": [ID], "normalize": False})
    assert run(raw, "My ID is E1\u200b23456").passed
    assert not run(raw, "My ID is E123456").passed
    nbsp = Regex({"patterns": [{"name": "NBSP", "pattern": "\\x{a0}"}], "normalize": False})
    assert [s.start for s in run(nbsp, "a\u00a0b").spans] == [1]
    assert run(Regex({"patterns": [{"name": "NBSP", "pattern": "\\x{a0}"}]}), "a\u00a0b").passed  # read as a space
    yaml = YAML.replace("      patterns:", "      normalize: false\n      patterns:")
    rail = RAIL.replace("<regex>", '<regex normalize="false">')
    assert guard(yaml).spec.input[0].params == guard(rail).spec.input[0].params
    assert guard(yaml).spec.input[0].params["normalize"] is False


@pytest.mark.parametrize("written", ["E\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6",
                                     "E" + "".join(c + "\u200b\u200b\u200b" for c in "123456"),
                                     "E\uff11\uff12\uff13\uff14\uff15\uff16"])
def test_a_stream_one_character_at_a_time_never_releases_part_of_a_disguised_identifier(guard, written):
    """The look-ahead counts characters a reader sees: invisible ones inside a value do not use it up, so the
    value is held back whole and masked as validate() masks it."""
    g = guard("railguard: 1\nname: t\noutput:\n  - regex:\n      patterns:\n"
              "        - {name: EMPLOYEE_ID, pattern: '\\bE\\d{6}\\b', action: mask}\n")
    assert g.graph.output.nodes[0].validator.lookahead() == 8  # far shorter than the disguised value
    text = f"Your ID is {written} and that is all. " + "More words follow here. " * 3
    stream = g.stream(iter(list(text)))
    out = "".join(stream)
    assert out == g.validate(text, source="output").output
    assert "{EMPLOYEE_ID}" in out and not any(d in out for d in "123456\uff11\uff16")
    assert stream.result.stream["mode"] == "incremental"
