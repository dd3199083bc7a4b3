"""Reading Llama Guard's answer: every row of output_parses.json, plus the edges around them."""
from __future__ import annotations

import pytest

from railguard_validators.llama_guard.categories import default_categories
from railguard_validators.llama_guard.verdict import parse_verdict

POLICIES = {"lg1": (1, "7b"), "lg2": (2, "8b"), "lg3-8b": (3, "8b")}


def test_every_recorded_output_parses_as_expected(parse_row):
    known = [c.code for c in default_categories(*POLICIES[parse_row["policy"]])]
    verdict = parse_verdict(parse_row["raw"], known)
    assert verdict.safe == parse_row["expected"]["safe"], parse_row["id"]
    assert list(verdict.categories) == parse_row["expected"]["categories"], parse_row["id"]
    assert verdict.status == parse_row["status"], parse_row["id"]
    assert list(verdict.unknown_codes) == parse_row["unknown_codes"], parse_row["id"]
    if verdict.status == "error":
        assert verdict.error.endswith("counted as unsafe (fail closed)") and not verdict.safe


@pytest.mark.parametrize("raw, categories", [
    ("unsafe S1, S10", ("S1", "S10")),
    ("UNSAFE\ns2 , s3", ("S2", "S3")),
    ("\n\nunsafe\n\nS14\n", ("S14",)),
    ("unsafe\nS1;", ("S1",)),
    ("unsafe\nS1</s>", ("S1",)),
])
def test_tolerated_spellings(raw, categories):
    verdict = parse_verdict(raw, [c.code for c in default_categories(3, "8b")])
    assert (verdict.safe, verdict.categories, verdict.status) == (False, categories, "ok")


@pytest.mark.parametrize("raw, why", [
    ("unsafe because of violence", "not a list of category codes"),
    ("Sure! safe", "the first line is not 'safe' or 'unsafe' (10 chars)"),
    ("safe S1", "the first line is not 'safe' or 'unsafe'"),
    ("<|eot_id|>", "the answer is empty"),
    (None, "the answer is NoneType, not text"),
])
def test_unreadable_answers_fail_closed(raw, why):
    verdict = parse_verdict(raw)
    assert not verdict.safe and verdict.status == "error" and why in verdict.error


def test_unknown_codes_are_relative_to_the_prompt_categories():
    verdict = parse_verdict("unsafe\nS1,X1,S14", ["S1", "X1"])
    assert verdict.categories == ("S1", "X1", "S14") and verdict.unknown_codes == ("S14",)
    assert parse_verdict("unsafe\nS99").unknown_codes == ()  # no categories given: nothing is unknown
