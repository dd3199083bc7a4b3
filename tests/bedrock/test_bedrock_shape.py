"""GuardResult.to_bedrock(): any railguard result as an ApplyGuardrail response, checked against
botocore's output shape."""

from __future__ import annotations

import botocore.session
import pytest

from railguard import Guard
from railguard.aws.bedrock_shape import USAGE_KEYS, result_to_bedrock
from railguard.errors import RailguardError
from railguard.results import Assessment, GuardResult, Span, StageResult
from railguard.testing.bedrock import check_shape

from bedrockkit import GID, response

ZERO = {"topicPolicyUnits": 0, "contentPolicyUnits": 0, "wordPolicyUnits": 0, "sensitiveInformationPolicyUnits": 0,
        "sensitiveInformationPolicyFreeUnits": 0, "contextualGroundingPolicyUnits": 0}

LOCAL = """
railguard: 1
name: local
messages: {blocked_input: Blocked here.}
input:
  - pii: {entities: [EMAIL, {type: US_SOCIAL_SECURITY_NUMBER, action: block}], on_fail: mask}
  - regex: {patterns: [{name: TICKET, pattern: 'TCK-[0-9]+', action: mask}]}
  - length: {max: 8, unit: words}
"""


def shaped(result: GuardResult) -> dict:
    # Results from a guard render with to_bedrock(); results built here by hand with the function.
    out = result.to_bedrock() if result.renderers else result_to_bedrock(result)
    assert check_shape(out, "ApplyGuardrail") == []
    return out


def test_to_bedrock_of_a_guard_result_and_of_a_hand_built_one():
    result = Guard.from_text(LOCAL).validate("Mail jane.doe@example.com", source="input")
    assert result.to_bedrock() == result_to_bedrock(result)
    import dataclasses

    assert dataclasses.replace(result, output="x").to_bedrock()["outputs"] == [{"text": "x"}]  # kept by replace
    by_hand = GuardResult("g", "NONE", False, "hi")
    with pytest.raises(RailguardError, match=r"built by hand.*result_to_bedrock\(result\)"):
        by_hand.to_bedrock()
    assert result_to_bedrock(by_hand)["action"] == "NONE"


def test_usage_keys_are_botocores():
    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    assert set(USAGE_KEYS) == set(model.shape_for("GuardrailUsage").members)


def test_local_masks_in_bedrock_shape():
    result = Guard.from_text(LOCAL).validate("Mail jane.doe@example.com about TCK-1234", source="input")
    out = shaped(result)
    assert out["action"] == "GUARDRAIL_INTERVENED"
    assert out["actionReason"] == "Guardrail masked: input masked by pii, regex."
    assert out["outputs"] == [{"text": "Mail {EMAIL} about {TICKET}"}]
    (a,) = out["assessments"]
    assert a["sensitiveInformationPolicy"] == {
        "piiEntities": [{"match": "jane.doe@example.com", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}],
        "regexes": [{"name": "TICKET", "match": "TCK-1234", "action": "ANONYMIZED", "detected": True}]}
    assert set(a) == {"sensitiveInformationPolicy", "invocationMetrics"}
    assert a["invocationMetrics"]["usage"] == ZERO
    assert a["invocationMetrics"]["guardrailCoverage"] == {"textCharacters": {"guarded": 40, "total": 40}}
    assert out["usage"] == ZERO and out["guardrailCoverage"] == {"textCharacters": {"guarded": 40, "total": 40}}


def test_local_block_lists_blocked_and_anonymized_entities():
    text = "my ssn is 536-22-8726 and mail a.b@example.org"
    out = shaped(Guard.from_text(LOCAL).validate(text, source="input"))
    assert out["outputs"] == [{"text": "Blocked here."}]
    # regex found nothing; pii blocked (its SSN), the masked EMAIL did not block anything.
    assert out["actionReason"] == "Guardrail blocked: input blocked by pii."
    # EMAIL has no action of its own: it follows the entry's on_fail (mask), as Bedrock reports an
    # ANONYMIZE entity next to a BLOCK entity that blocked the request.
    assert out["assessments"][0]["sensitiveInformationPolicy"]["piiEntities"] == [
        {"match": "536-22-8726", "type": "US_SOCIAL_SECURITY_NUMBER", "action": "BLOCKED", "detected": True},
        {"match": "a.b@example.org", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}]


def test_no_action_has_no_outputs():
    out = shaped(Guard.from_text(LOCAL).validate("nothing to see", source="input"))
    assert out["action"] == "NONE" and out["outputs"] == [] and out["actionReason"] == "No action."
    assert set(out["assessments"][0]) == {"invocationMetrics"}


def _stage(assessments, text, blocked=False, changed=False):
    return StageResult("output", "Refused." if blocked else text, blocked, changed or blocked, tuple(assessments),
                       len(text), len(text), 1.0, source_text=text)


def test_words_topics_llama_guard_and_validators_without_counterpart():
    text = "darn it, heck, buy bitcoin now, you idiot"
    words = Assessment("words", "words", "output", False, "block", "matched words",
                       (Span(0, 4, "CUSTOM_WORD"), Span(9, 13, "PROFANITY")))
    masked_words = Assessment("words", "words#2", "output", False, "mask", "matched words",
                              (Span(36, 41, "CUSTOM_WORD"),))
    topics = Assessment("denied_topics", "denied_topics", "output", False, "block", "topic", (),
                        ("crypto investing",), 0.83)
    lg = Assessment("llama_guard", "llama_guard", "output", False, "block", "unsafe", (), ("S10", "S6", "S1"))
    length = Assessment("length", "length", "output", False, "block", "the text has 9 words; the maximum is 5")
    stage = _stage([words, masked_words, topics, lg, length], text, blocked=True)
    result = GuardResult("g", "GUARDRAIL_INTERVENED", True, "Refused.", "output", None, stage, model_called=True)
    out = shaped(result)
    (a,) = out["assessments"]
    assert a["wordPolicy"] == {
        "customWords": [{"match": "darn", "action": "BLOCKED", "detected": True}],
        "managedWordLists": [{"match": "heck", "type": "PROFANITY", "action": "BLOCKED", "detected": True}]}
    assert a["sensitiveInformationPolicy"]["regexes"] == [
        {"name": "CUSTOM_WORD", "match": "idiot", "action": "ANONYMIZED", "detected": True}]
    assert a["topicPolicy"] == {"topics": [{"name": "crypto investing", "type": "DENY", "action": "BLOCKED",
                                            "detected": True}]}
    assert a["contentPolicy"] == {"filters": [
        {"type": "HATE", "confidence": "HIGH", "action": "BLOCKED", "detected": True},
        {"type": "VIOLENCE", "confidence": "HIGH", "action": "BLOCKED", "detected": True}]}
    # words#2 only masked: it is not among what blocked the stage (issue 9).
    assert out["actionReason"] == "Guardrail blocked: output blocked by words, denied_topics, llama_guard, length."


def test_length_gate_reason_and_mixed_mask_block_reason():
    # A blocking length stops the stage before pii runs: only length is named.
    long = "my ssn is 536-22-8726 and mail a.b@example.org, with many more words here"
    out = shaped(Guard.from_text(LOCAL).validate(long, source="input"))
    assert out["actionReason"] == "Guardrail blocked: input blocked by length."
    assert "sensitiveInformationPolicy" not in out["assessments"][0]
    # A stage that was masked and fixed says both; nothing in it blocked.
    text = "mail a.b@example.org"
    fixer = Assessment("json_schema", "json_schema", "output", False, "fix", "not JSON")
    masker = Assessment("pii", "pii", "output", False, "mask", "EMAIL", (Span(5, 20, "EMAIL"),))
    stage = _stage([fixer, masker], text, changed=True)
    result = GuardResult("g", "GUARDRAIL_INTERVENED", False, "x", None, None, stage, model_called=True)
    assert shaped(result)["actionReason"] == "Guardrail masked: output fixed by json_schema; output masked by pii."


def test_logged_and_passing_findings_are_none_detected():
    text = "call 555-0100"
    logged = Assessment("regex", "regex", "output", False, "log", "matched", (Span(5, 13, "PHONE_LIKE"),))
    passing = Assessment("denied_topics", "denied_topics", "output", True, "none", None, (), ("weather",))
    result = GuardResult("g", "NONE", False, text, None, None, _stage([logged, passing], text), model_called=True)
    (a,) = shaped(result)["assessments"]
    assert a["sensitiveInformationPolicy"]["regexes"] == [{"name": "PHONE_LIKE", "match": "555-0100",
                                                           "action": "NONE", "detected": True}]
    assert a["topicPolicy"]["topics"] == [{"name": "weather", "type": "DENY", "action": "NONE", "detected": True}]


def test_a_bedrock_guardrail_result_comes_back_as_bedrock_reported_it(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response(
        output="Blocked.",
        pii=[{"match": "a@b.co", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}],
        regexes=[{"name": "ACCOUNT", "match": "ACC-9", "regex": "ACC-\\d", "action": "BLOCKED", "detected": True}],
        topics=[{"name": "Crypto", "type": "DENY", "action": "BLOCKED", "detected": True}],
        filters=[{"type": "INSULTS", "confidence": "MEDIUM", "filterStrength": "HIGH", "action": "BLOCKED",
                  "detected": True}],
        words=[{"match": "heck", "action": "NONE", "detected": True}])])
    result = guarded(spec_for()).validate("a@b.co ACC-9 crypto heck", source="input")
    out = shaped(result)
    (a,) = out["assessments"]
    assert a["sensitiveInformationPolicy"] == {
        "piiEntities": [{"match": "a@b.co", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}],
        "regexes": [{"name": "ACCOUNT", "match": "ACC-9", "action": "BLOCKED", "detected": True}]}
    assert a["topicPolicy"] == {"topics": [{"name": "Crypto", "type": "DENY", "action": "BLOCKED", "detected": True}]}
    assert a["contentPolicy"] == {"filters": [{"type": "INSULTS", "confidence": "MEDIUM", "action": "BLOCKED",
                                               "detected": True, "filterStrength": "HIGH"}]}
    assert a["wordPolicy"] == {"customWords": [{"match": "heck", "action": "NONE", "detected": True}],
                               "managedWordLists": []}
    assert out["usage"]["sensitiveInformationPolicyUnits"] == 1


def test_a_guarded_call_has_one_assessment_per_stage():
    spec = LOCAL + "output:\n  - regex: {patterns: [{name: TICKET, pattern: 'TCK-[0-9]+', action: mask}]}\n"
    result = Guard.from_text(spec).call(lambda prompt: "Your ticket is TCK-77.", "a question")
    out = shaped(result)
    assert len(out["assessments"]) == 2 and out["outputs"] == [{"text": "Your ticket is {TICKET}."}]
    assert out["assessments"][1]["sensitiveInformationPolicy"]["regexes"][0]["match"] == "TCK-77"
    assert out["actionReason"] == "Guardrail masked: output masked by regex."
