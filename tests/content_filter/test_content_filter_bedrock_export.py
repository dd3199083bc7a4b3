"""Export of content_filter / prompt_attack to Bedrock's contentPolicyConfig and import back, with
botocore's parameter validation and a real CreateGuardrail call on the local Bedrock server."""

from __future__ import annotations

from railguard import Registry
from railguard.aws.bedrock_export import check_request, spec_to_request
from railguard.aws.bedrock_import import normalise, request_to_spec, to_rail, to_yaml
from railguard import load_spec
from railguard.testing.bedrock import BedrockServer

SPEC = """\
railguard: 1
name: all-policies
input:
  - pii: {entities: [EMAIL, US_SOCIAL_SECURITY_NUMBER], on_fail: mask}
  - regex:
      patterns: [{name: ticket, pattern: "TCK-[0-9]{6}"}]
  - words: {words: [frobnicate], managed: [PROFANITY]}
  - denied_topics:
      topics: [{name: investing, definition: Advice on which stocks to buy.}]
  - prompt_attack: {strength: HIGH, roles: [user, document]}
  - content_filter:
      filters: {HATE: HIGH, INSULTS: MEDIUM, SEXUAL: HIGH, VIOLENCE: MEDIUM, MISCONDUCT: LOW}
output:
  - pii: {entities: [NAME], on_fail: mask}
  - content_filter:
      filters: {HATE: HIGH, VIOLENCE: LOW}
      on_fail: reask
  - content_filter:
      engine: llama_guard
      llama_guard: {model: {callable: {function: lg}}}
      filters: {SEXUAL: MEDIUM}
      on_fail: log
"""


def exported():
    spec = load_spec(SPEC, registry=Registry.load(autoload=False))
    return spec, spec_to_request(spec)


def test_content_policy_merges_stages_and_passes_botocore() -> None:
    _, out = exported()
    filters = {f["type"]: f for f in out.request["contentPolicyConfig"]["filtersConfig"]}
    assert filters["HATE"] == {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH",
                               "inputAction": "BLOCK", "outputAction": "BLOCK",
                               "inputEnabled": True, "outputEnabled": True}
    assert (filters["INSULTS"]["outputStrength"], filters["INSULTS"]["outputEnabled"]) == ("NONE", False)
    assert (filters["SEXUAL"]["outputStrength"], filters["SEXUAL"]["outputAction"]) == ("MEDIUM", "NONE")  # log
    assert filters["VIOLENCE"]["outputStrength"] == "LOW" and filters["MISCONDUCT"]["inputStrength"] == "LOW"
    assert filters["PROMPT_ATTACK"] == {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE",
                                        "inputAction": "BLOCK", "outputAction": "NONE",
                                        "inputEnabled": True, "outputEnabled": False}
    assert list(filters) == ["HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK"]
    assert check_request(out.request) == []
    for key in ("sensitiveInformationPolicyConfig", "wordPolicyConfig", "topicPolicyConfig"):
        assert key in out.request


def test_approximations_are_notes_with_spec_lines() -> None:
    _, out = exported()
    notes = "\n".join(out.notes)
    assert "<spec>:10: $.input[4].prompt_attack.roles: not exported" in notes
    assert "<spec>:15: $.output[1].content_filter: on_fail 'reask' exported as BLOCK" in notes
    assert "<spec>:18: $.output[2].content_filter.engine: 'llama_guard' not exported" in notes


def test_create_guardrail_accepts_the_request() -> None:
    _, out = exported()
    with BedrockServer() as server:
        control = server.client("bedrock")
        made = control.create_guardrail(**out.request)
        got = control.get_guardrail(guardrailIdentifier=made["guardrailId"])
        assert {f["type"] for f in got["contentPolicy"]["filters"]} == {
            "HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK"}


def test_import_maps_back() -> None:
    _, out = exported()
    registry = Registry.load(autoload=False)
    imported = request_to_spec(normalise(out.request), registry=registry)
    ins = [e for e in imported.spec["input"] if set(e) & {"content_filter", "prompt_attack"}]
    outs = [e for e in imported.spec["output"] if "content_filter" in e]
    assert ins == [{"content_filter": {"filters": {"HATE": "HIGH", "INSULTS": "MEDIUM", "SEXUAL": "HIGH",
                                                   "VIOLENCE": "MEDIUM", "MISCONDUCT": "LOW"}, "on_fail": "block"}},
                   {"prompt_attack": {"strength": "HIGH", "on_fail": "block"}}]
    assert outs == [{"content_filter": {"filters": {"HATE": "HIGH", "VIOLENCE": "LOW"}, "on_fail": "block"}},
                    {"content_filter": {"filters": {"SEXUAL": "MEDIUM"}, "on_fail": "log"}}]
    yaml_text, rail_text = to_yaml(imported.spec), to_rail(imported.spec, registry)
    assert load_spec(yaml_text, registry=registry) == load_spec(rail_text, format="rail", registry=registry)
    again = spec_to_request(load_spec(yaml_text, registry=registry)).request["contentPolicyConfig"]
    assert again == out.request["contentPolicyConfig"]
