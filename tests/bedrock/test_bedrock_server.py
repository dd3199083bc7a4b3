"""The local Bedrock server itself, driven with plain boto3 clients."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from railguard.testing.bedrock import BedrockServer, check_shape

from bedrockkit import GID, SERVER_SPEC

MODEL = "amazon.nova-lite-v1:0"
LOGGING_SPEC = r"""
railguard: 1
name: logs
input:
  - regex: {patterns: [{name: CODE, pattern: 'C-[0-9]+'}], on_fail: log}
  - regex: {patterns: [{name: US_SOCIAL_SECURITY_NUMBER, pattern: '\d{3}-\d{2}-\d{4}', action: mask}]}
"""


def apply(client, text, source="INPUT", gid=GID, version="1", **kw):
    out = client.apply_guardrail(guardrailIdentifier=gid, guardrailVersion=version, source=source,
                                 content=[{"text": {"text": text}}], **kw)
    out.pop("ResponseMetadata")
    return out


def code_of(err: pytest.ExceptionInfo) -> str:
    return err.value.response["Error"]["Code"]


def test_spec_computed_answers_have_bedrocks_shape(server):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    client = server.client("bedrock-runtime")
    masked = apply(client, "ssn 536-22-8726, mail a@b.co")
    assert check_shape(masked, "ApplyGuardrail") == []
    assert masked["action"] == "GUARDRAIL_INTERVENED"
    assert masked["outputs"] == [{"text": "ssn {US_SOCIAL_SECURITY_NUMBER}, mail {EMAIL}"}]
    assert masked["usage"]["sensitiveInformationPolicyFreeUnits"] == 1
    blocked = apply(client, "Project X is secret", source="OUTPUT")
    assert blocked["outputs"] == [{"text": "Bedrock says no (output)."}]
    assert blocked["assessments"][0]["sensitiveInformationPolicy"]["regexes"] == [
        {"name": "PROJECT_X", "match": "Project X", "action": "BLOCKED", "detected": True}]
    clean = apply(client, "hello")
    assert clean["action"] == "NONE" and clean["outputs"] == []


def test_output_scope(server):
    server.add_guardrail(GID, version="1", spec=LOGGING_SPEC)
    client = server.client("bedrock-runtime")
    default = apply(client, "code C-7 and 536-22-8726")
    assert default["assessments"][0]["sensitiveInformationPolicy"]["regexes"] == [
        {"name": "US_SOCIAL_SECURITY_NUMBER", "match": "536-22-8726", "action": "ANONYMIZED", "detected": True}]
    full = apply(client, "code C-7 and 536-22-8726", outputScope="FULL")
    assert [r["action"] for r in full["assessments"][0]["sensitiveInformationPolicy"]["regexes"]] == \
        ["NONE", "ANONYMIZED"]


def test_unknown_denied_wrong_version_and_arn(server):
    server.add_guardrail(GID, version="2", spec=SERVER_SPEC)
    client = server.client("bedrock-runtime", max_attempts=0)
    with pytest.raises(ClientError) as err:
        apply(client, "x", gid="zz99")
    assert code_of(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        apply(client, "x", version="1")
    assert code_of(err) == "ResourceNotFoundException"
    arn = f"arn:aws:bedrock:us-east-1:123456789012:guardrail/{GID}"
    assert apply(client, "a@b.co", gid=arn, version="2")["outputs"] == [{"text": "{EMAIL}"}]
    server.deny(GID)
    with pytest.raises(ClientError) as err:
        apply(client, "x", version="2")
    assert code_of(err) == "AccessDeniedException"


def test_source_is_checked_by_the_server(server):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    with pytest.raises(ClientError) as err:
        apply(server.client("bedrock-runtime", max_attempts=0), "x", source="BOTH")  # botocore checks no enums
    assert code_of(err) == "ValidationException"


def test_quota_throttles_and_records(server):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.quota(10, burst=10)
    client = server.client("bedrock-runtime", max_attempts=0)
    apply(client, "a" * 9000)
    with pytest.raises(ClientError) as err:
        apply(client, "b" * 5000)
    assert code_of(err) == "ThrottlingException"
    assert [(c.units, c.throttled) for c in server.applied] == [(9, False), (5, True)]
    assert server.throttled == 1


def test_handler_and_scripted_responses(server):
    seen = []

    def handler(text, source, request):
        seen.append((text, source, request.get("outputScope")))
        return {"usage": {"topicPolicyUnits": 0, "contentPolicyUnits": 0, "wordPolicyUnits": 0,
                          "sensitiveInformationPolicyUnits": 0, "sensitiveInformationPolicyFreeUnits": 0,
                          "contextualGroundingPolicyUnits": 0}, "action": "NONE", "outputs": [], "assessments": []}

    server.add_guardrail(GID, version=None, handler=handler)
    client = server.client("bedrock-runtime")
    apply(client, "hi", source="OUTPUT", version="7", outputScope="FULL")
    assert seen == [("hi", "OUTPUT", "FULL")]
    with pytest.raises(ValueError, match="exactly one of"):
        server.add_guardrail("other", spec=SERVER_SPEC, handler=handler)


def test_converse_rules_and_native_trace(server):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.add_model(MODEL, handler=lambda req: "echo " + req["messages"][-1]["content"][0]["text"])
    client = server.client("bedrock-runtime", max_attempts=0)
    with pytest.raises(ClientError) as err:
        client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "a"}]},
                                                 {"role": "user", "content": [{"text": "b"}]}])
    assert "alternate between user and assistant" in str(err.value)
    out = client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "mail a@b.co"}]}],
                          guardrailConfig={"guardrailIdentifier": GID, "guardrailVersion": "1", "trace": "enabled"})
    assert out["output"]["message"]["content"] == [{"text": "echo mail {EMAIL}"}]  # the model saw the masked input
    assert set(out["trace"]["guardrail"]) == {"inputAssessment", "outputAssessments"}
    quiet = client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}],
                            guardrailConfig={"guardrailIdentifier": GID, "guardrailVersion": "1"})
    assert "trace" not in quiet
    stream = client.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Project X"}]}],
                                    guardrailConfig={"guardrailIdentifier": GID, "guardrailVersion": "1",
                                                     "trace": "enabled"})
    events = list(stream["stream"])
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == "Bedrock says no (input)."
    assert events[-2] == {"messageStop": {"stopReason": "guardrail_intervened"}}
    assert "inputAssessment" in events[-1]["metadata"]["trace"]["guardrail"]


def test_invoke_model_refuses_guardrail_headers(server):
    server.add_model(MODEL, invoke=lambda body: {"x": 1})
    client = server.client("bedrock-runtime", max_attempts=0)
    with pytest.raises(ClientError) as err:
        client.invoke_model(modelId=MODEL, body=b"{}", guardrailIdentifier=GID, guardrailVersion="1")
    assert "does not apply guardrails to InvokeModel" in str(err.value)


def test_check_shape_finds_problems():
    problems = check_shape({"action": "MAYBE", "outputs": [{"text": 5}], "assessments": [],
                            "usage": {"topicPolicyUnits": "1"}, "extra": 1}, "ApplyGuardrail")
    assert "$: unknown member 'extra'; valid: ['action', 'actionReason', 'assessments', 'guardrailCoverage', " \
           "'outputs', 'usage']" in problems
    assert "$.action: 'MAYBE' is not one of ['NONE', 'GUARDRAIL_INTERVENED']" in problems
    assert "$.outputs[0].text: expected a string, got int" in problems
    assert "$.usage: missing required member 'contentPolicyUnits'" in problems
    assert "$.usage.topicPolicyUnits: expected a number, got str" in problems


def test_server_stops_quickly():
    import time

    s = BedrockServer().start()
    t0 = time.monotonic()
    s.stop()
    assert time.monotonic() - t0 < 0.3


def test_guardrail_spec_from_a_path(server):
    from pathlib import Path

    spec = Path(__file__).resolve().parents[2] / "specs" / "patient-assistant.yaml"
    server.add_guardrail(GID, version="1", spec=spec)
    got = apply(server.client("bedrock-runtime"), "my record MRN-1234567")
    assert got["outputs"] == [{"text": "my record {MEDICAL_RECORD_NUMBER}"}]
