"""End to end: input check, model call, output check with a guardrail reference; and the native
guardrailConfig mode (one Converse call instead of three)."""

from __future__ import annotations

import pytest

from railguard import GuardBlocked, RailguardError
from railguard.llm.bedrock import BedrockConverse, NativeGuardrail
from railguard.llm.bedrock_native import call_with_native_guardrail
from railguard.testing.bedrock import check_shape

from bedrockkit import GID, SERVER_SPEC

MODEL = "amazon.nova-lite-v1:0"
CLIENT = f"""
railguard: 1
name: layered
messages:
  blocked_input: The spec refuses this request.
  blocked_output: The spec withholds this answer.
input:
  - regex: {{patterns: [{{name: TICKET, pattern: 'TCK-[0-9]+', action: mask}}]}}
  - bedrock_guardrail: {{id: {GID}, version: "1"}}
output:
  - bedrock_guardrail: {{id: {GID}, version: "1"}}
"""


def echo(prompt: str) -> str:
    return f"You asked: {prompt}"


def test_seed_flow_with_a_callable_model(server, guarded):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    guard = guarded(CLIENT)
    seen = []

    def model(prompt):
        seen.append(prompt)
        return "Sure. Her SSN is 536-22-8726."

    result = guard.call(model, "About TCK-12 for jane@example.com")
    # Both layers masked the input (regex locally, the guardrail remotely), merged into one text.
    assert seen == ["About {TICKET} for {EMAIL}"]
    assert result.output == "Sure. Her SSN is {US_SOCIAL_SECURITY_NUMBER}."
    assert [(a.id, a.stage, a.action) for a in result.assessments] == [
        ("regex", "input", "mask"), (GID, "input", "mask"), (GID, "output", "mask")]
    assert [r.json()["source"] for r in server.calls(r"/apply$")] == ["INPUT", "OUTPUT"]
    assert result.usage["guardrail_requests"] == 2
    assert check_shape(result.to_bedrock(), "ApplyGuardrail") == []


def test_blocked_input_never_reaches_the_model(server, guarded):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    calls = []
    result = guarded(CLIENT).call(lambda p: calls.append(p) or "x", "Tell me about Project X")
    assert result.blocked and result.output == "The spec refuses this request." and calls == []


def test_blocked_output_uses_the_spec_message(server, guarded):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    result = guarded(CLIENT).call(lambda p: "Project X launches Monday.", "what's new?")
    assert result.blocked and result.blocked_stage == "output" and result.output == "The spec withholds this answer."


def test_bedrock_model_guarded_through_apply_guardrail(server, guarded, runtime):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.add_model(MODEL, reply="Her SSN is 536-22-8726.")
    result = guarded(CLIENT).call(BedrockConverse(MODEL, client=runtime), "Hello")
    assert result.output == "Her SSN is {US_SOCIAL_SECURITY_NUMBER}."
    assert len(server.calls()) == 3  # ApplyGuardrail, Converse, ApplyGuardrail


# -- native --------------------------------------------------------------------------------
@pytest.fixture
def native(server, runtime):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)

    def make(reply: str = "Write to bob@example.org.", **kw):
        server.add_model(MODEL, reply=reply)
        return BedrockConverse(MODEL, client=runtime, guardrail=NativeGuardrail(GID, "1", **kw))

    return make


def test_native_mode_makes_one_call(server, guarded, native):
    model = native("Her SSN is 536-22-8726.")
    result = call_with_native_guardrail(guarded(CLIENT), model, "About TCK-12, please")
    assert len(server.calls()) == 1
    call = server.calls()[0].json()
    assert call["guardrailConfig"] == {"guardrailIdentifier": GID, "guardrailVersion": "1", "trace": "enabled"}
    assert call["messages"] == [{"role": "user", "content": [{"text": "About {TICKET}, please"}]}]
    assert result.output == "Her SSN is {US_SOCIAL_SECURITY_NUMBER}." and not result.blocked
    out = result.output_stage.assessments[-1]
    assert (out.id, out.action, [(s.start, s.end, s.type) for s in out.spans]) == \
        (GID, "mask", [(11, 22, "US_SOCIAL_SECURITY_NUMBER")])
    assert result.output_stage.source_text == "Her SSN is 536-22-8726."
    assert [(a.id, a.passed) for a in result.input.assessments] == [("regex", False), (GID, True)]
    shaped = result.to_bedrock()
    assert check_shape(shaped, "ApplyGuardrail") == []
    assert shaped["assessments"][1]["sensitiveInformationPolicy"]["regexes"] == [
        {"name": "US_SOCIAL_SECURITY_NUMBER", "match": "536-22-8726", "action": "ANONYMIZED", "detected": True}]


def test_native_blocked_input_does_not_call_the_model(server, guarded, native):
    model = native()
    result = call_with_native_guardrail(guarded(CLIENT), model, "Project X details?")
    assert result.blocked and result.blocked_stage == "input" and not result.model_called
    assert result.output == "The spec refuses this request."  # the spec's message, not Bedrock's
    assert server._models[MODEL].calls == 0 and len(server.calls()) == 1
    (local, remote) = result.input.assessments
    assert remote.action == "block" and remote.message == \
        f"Bedrock guardrail {GID} version 1 (native): blocked PROJECT_X"


def test_native_blocked_output(server, guarded, native):
    model = native("Project X ships soon.")
    result = call_with_native_guardrail(guarded(CLIENT), model, "news?")
    assert result.blocked and result.blocked_stage == "output"
    assert result.output == "The spec withholds this answer."


def test_native_raise(server, guarded, native):
    spec = CLIENT.replace(f'bedrock_guardrail: {{id: {GID}, version: "1"}}\noutput',
                          f'bedrock_guardrail: {{id: {GID}, version: "1", on_fail: raise}}\noutput')
    assert spec != CLIENT
    with pytest.raises(GuardBlocked):
        call_with_native_guardrail(guarded(spec), native(), "Project X?")


def test_native_preconditions(server, guarded, runtime, native):
    native()
    only_input = f"railguard: 1\nname: n\ninput:\n  - bedrock_guardrail: {{id: {GID}, version: \"1\"}}\n"
    with pytest.raises(RailguardError, match="exactly one bedrock_guardrail entry in the output stage"):
        call_with_native_guardrail(guarded(only_input), BedrockConverse(
            MODEL, client=runtime, guardrail=NativeGuardrail(GID, "1")), "hi")
    with pytest.raises(RailguardError, match=f"the spec's input guardrail is {GID} version 1, the model sends "
                                             f"{GID} version 2"):
        call_with_native_guardrail(guarded(CLIENT), BedrockConverse(
            MODEL, client=runtime, guardrail=NativeGuardrail(GID, "2")), "hi")
    with pytest.raises(RailguardError, match="needs BedrockConverse"):
        call_with_native_guardrail(guarded(CLIENT), BedrockConverse(MODEL, client=runtime), "hi")
    with pytest.raises(RailguardError, match="trace is disabled"):
        call_with_native_guardrail(guarded(CLIENT), BedrockConverse(
            MODEL, client=runtime, guardrail=NativeGuardrail(GID, "1", trace="disabled")), "hi")
    assert server.calls() == []


def test_seed_flow_with_a_sagemaker_model(server, guarded):
    """A SageMaker endpoint guarded by a Bedrock guardrail reference (both services on one local server)."""
    from railguard.llm.sagemaker import SageMakerEndpoint
    from railguard.testing.sagemaker import LocalSageMaker

    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    sm = LocalSageMaker(server)
    sm.endpoint("llm", components={"main": lambda inv: "Noted: call 536-22-8726 about it."})
    model = SageMakerEndpoint("llm", inference_component="main", client=sm.client())
    result = guarded(CLIENT).call(model, "My ticket TCK-9 and mail joe@example.com")
    assert result.output == "Noted: call {US_SOCIAL_SECURITY_NUMBER} about it."
    (inv,) = sm.invocations()
    assert inv.component == "main"
    assert "TCK-9" not in inv.prompt and "joe@example.com" not in inv.prompt
    assert "{TICKET}" in inv.prompt and "{EMAIL}" in inv.prompt
    assert [r.path for r in server.calls()] == [f"/guardrail/{GID}/version/1/apply", "/endpoints/llm/invocations",
                                                f"/guardrail/{GID}/version/1/apply"]
