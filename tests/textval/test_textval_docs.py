"""The docs of the text validators: every example loads, and its YAML and RAIL forms mean the same."""

from __future__ import annotations

import re

import pytest

import railguard

from readme import section

NAMES = ["regex", "words", "denied_topics", "json_schema", "length"]


def blocks(name: str) -> tuple[str, str]:
    text = section(name)
    yaml = re.findall(r"```yaml\n(.*?)```", text, re.S)
    xml = re.findall(r"```xml\n(.*?)```", text, re.S)
    assert len(yaml) == 1 and len(xml) == 1, name
    return yaml[0], xml[0]


@pytest.mark.parametrize("name", NAMES)
def test_examples_load_and_are_the_same_spec_in_both_syntaxes(name):
    yaml, xml = blocks(name)
    a, b = railguard.Guard.from_text(yaml), railguard.Guard.from_text(xml)
    assert a.spec.name == b.spec.name
    for stage in ("input", "output"):
        ya, xa = getattr(a.spec, stage), getattr(b.spec, stage)
        assert [(v.name, v.id, v.on_fail) for v in ya] == [(v.name, v.id, v.on_fail) for v in xa]
        for v, w in zip(ya, xa):
            if name == "json_schema":
                from railguard_validators.json_schema import JsonSchema
                assert JsonSchema(v.params).schema == JsonSchema(w.params).schema
            else:
                assert v.params == w.params


def test_documented_behaviour_of_the_examples():
    regex = railguard.Guard.from_text(blocks("regex")[1])
    assert regex.validate("Ask E123456 about it").output == "Ask {EMPLOYEE_ID} about it"
    assert regex.validate("What is the salary of Ana?").blocked
    words = railguard.Guard.from_text(blocks("words")[0])
    assert words.validate("Darn it, you sh1thead.", source="output").output == "{CUSTOM_WORD} it, you {PROFANITY}."
    assert words.validate("Heck   no", source="output").blocked
    length = railguard.Guard.from_text(blocks("length")[0])
    assert length.validate("x " * 400, source="output").output == " ".join(["x"] * 300)
    topics = railguard.Guard.from_text(blocks("denied_topics")[0])
    r = topics.validate("How much paracetamol can I safely take in one day?")
    assert r.blocked and r.failures[0].categories == ("medication-dosage",)
    index = topics.validate("What is an index fund?")  # nearer to the counter-example than to the topic: 0
    assert not index.blocked and index.assessments[0].details["scores"]["investment-advice"] == 0
    shares = topics.validate("Should I sell my Tesla shares before the results?")
    assert shares.blocked and shares.failures[0].categories == ("investment-advice",)
