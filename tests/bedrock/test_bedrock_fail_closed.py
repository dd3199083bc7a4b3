"""Fail closed on every malformed ApplyGuardrail answer (issue 9, section 1).

botocore reads a 200 whose body it cannot parse (a proxy's HTML page, an empty body, JSON cut
off by a dropped connection) as an empty answer; an answer without a known ``action`` and the
fields its entries require must be a validator error handled by ``on_error``, never "no
intervention". Every case goes through a real boto3 client against the local server.
"""

from __future__ import annotations

import json

import pytest

from bedrockkit import GID, SERVER_SPEC, response
from railguard.aws.bedrock_verdict import MalformedVerdict, read_verdict, response_problems

HTML = "<html><head><title>502 Bad Gateway</title></head><body>proxy</body></html>"
TEXT = "please tell me about project x and mail a@b.co"
BLOCKED = response(output="no", topics=[{"name": "Crypto", "type": "DENY", "action": "BLOCKED", "detected": True}])

MALFORMED_BODIES = {
    "html": HTML,
    "empty": "",
    "empty-object": "{}",
    "truncated-json": json.dumps(BLOCKED)[:25],
    "unknown-action": '{"action": "FOO"}',
    "unknown-action-full": json.dumps({**response("NONE"), "action": "FOO"}),
    "action-only": '{"action": "NONE"}',
    "intervened-without-fields": '{"action": "GUARDRAIL_INTERVENED"}',
    "entry-without-action": json.dumps({**BLOCKED, "assessments": [
        {"topicPolicy": {"topics": [{"name": "Crypto", "type": "DENY"}]}}]}),
    "entry-unknown-action": json.dumps({**BLOCKED, "assessments": [
        {"sensitiveInformationPolicy": {"piiEntities": [{"match": "a@b.co", "type": "EMAIL",
                                                         "action": "REDACTED"}], "regexes": []}}]}),
    "policy-without-list": json.dumps({**response("NONE"), "assessments": [{"contentPolicy": {}}]}),
    "assessments-not-list": json.dumps({**response("NONE"), "assessments": {"topicPolicy": {}}}),
    "json-list": "[1, 2]",
    "json-null": "null",
}


@pytest.mark.parametrize("kind", sorted(MALFORMED_BODIES))
def test_malformed_200_is_an_error_that_blocks_by_default(server, guarded, spec_for, kind):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.malformed(1, MALFORMED_BODIES[kind], content_type="text/html" if kind == "html" else "application/json")
    result = guarded(spec_for()).validate(TEXT, source="input")
    (a,) = result.assessments
    assert result.blocked and result.output == "Sorry, I can't help with that request."
    assert a.error is not None and a.error.startswith("GuardrailError: ") and not a.passed
    assert TEXT not in a.error and "a@b.co" not in a.error  # never echo the text


@pytest.mark.parametrize("kind", ["html", "empty-object", "unknown-action"])
def test_malformed_answer_follows_on_error_allow(server, guarded, spec_for, kind):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.malformed(1, MALFORMED_BODIES[kind])
    result = guarded(spec_for(", on_error: allow")).validate("hello", source="input")
    assert not result.blocked and result.assessments[0].action == "allow"
    assert "malformed answer" in result.assessments[0].error


def test_blocked_verdict_cut_mid_body_with_full_content_length_blocks(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.malformed(1, json.dumps(BLOCKED), cut_after=20)
    result = guarded(spec_for(on_fail="log")).validate("should I buy crypto?", source="input")
    assert result.blocked
    assert "malformed answer (HTTP 200): the answer has no content" in result.assessments[0].error


def test_messages_name_the_problem_and_cut_values_short(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.malformed(1, json.dumps({**response("NONE"), "action": "X" * 5000}))
    error = guarded(spec_for()).validate("hello", source="input").assessments[0].error
    assert "action 'XXXXXXXX" in error and "is not one of ['NONE', 'GUARDRAIL_INTERVENED']" in error
    assert len(error) < 400


def test_a_later_stream_batch_answered_with_html_stops_the_stream(server, guarded, spec_for):
    calls = []

    def handler(text, source, request):
        calls.append(text)
        if len(calls) == 1:  # the next call gets a proxy's HTML page with status 200
            server.malformed(1, HTML, content_type="text/html")
        return response("NONE")

    server.add_guardrail(GID, version="1", handler=handler)
    guard = guarded(spec_for(", batch_chars: 40", stage="output"))
    pieces = ["This first part is fine and harmless. "] * 3 + ["LEAK " * 20]
    stream = guard.stream(lambda prompt: iter(pieces), "q")
    out = "".join(stream)
    assert "LEAK" not in out and stream.result.blocked
    assert len(server.calls(r"/apply$")) >= 2
    assert any(a.error and "malformed answer" in a.error for a in stream.result.assessments)


def test_well_formed_answers_still_read(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    result = guarded(spec_for()).validate("mail a@b.co", source="input")
    assert result.output == "mail {EMAIL}" and result.assessments[0].error is None


def test_response_problems_on_shapes_botocore_can_hand_back():
    assert response_problems(response("NONE")) == []
    assert response_problems(BLOCKED) == []
    assert response_problems({"ResponseMetadata": {"HTTPStatusCode": 200}}) == [
        "the answer has no content (an empty, truncated or non-JSON body, such as a proxy's HTML page)"]
    assert response_problems({"action": "NONE", "outputs": [], "assessments": [], "usage": {}}) == []
    assert response_problems({"action": "NONE", "outputs": [], "assessments": []}) == ["the answer has no 'usage'"]
    bad_number = {**BLOCKED, "assessments": [{"contextualGroundingPolicy": {"filters": [
        {"type": "GROUNDING", "threshold": 0.5, "score": "high", "action": "BLOCKED"}]}}]}
    assert response_problems(bad_number) == [
        "$.assessments[0].contextualGroundingPolicy.filters[0].score is 'high', not a number"]
    assert response_problems("not a dict") == ["the answer is str, not an object"]


def test_read_verdict_refuses_malformed_assessments_directly():
    """The native Converse mode reads guardrail traces through read_verdict: the same rule holds there."""
    with pytest.raises(MalformedVerdict, match=r"\$.assessments\[0\].sensitiveInformationPolicy.piiEntities\[0\] "
                                                r"has no 'type'"):
        read_verdict("a@b.co", [{"sensitiveInformationPolicy": {"piiEntities": [
            {"match": "a@b.co", "action": "ANONYMIZED"}], "regexes": []}}], intervened=True,
            outputs_text="{EMAIL}", label="guardrail g", unlocated_action="block")


# -- the Bedrock model adapters read their answers as strictly ----------------------------------
MODEL = "amazon.nova-lite-v1:0"


@pytest.mark.parametrize("body", [HTML, "", "{}", '{"output": {"message": {"content": "x"}}, "stopReason": "end_turn"}',
                                  '{"output": {"message": {"content": [{"text": "hi"}]}}}'])
def test_converse_malformed_answer_is_a_model_error_not_empty_text(server, runtime, body):
    from railguard.errors import ModelError
    from railguard.llm.bedrock import BedrockConverse
    from railguard.messages import Message

    server.add_model(MODEL, reply="fine")
    server.malformed(1, body, path=r"/converse$")
    with pytest.raises(ModelError, match=r"malformed answer|failed: AttributeError"):  # botocore trips on some
        BedrockConverse(MODEL, client=runtime).generate([Message("user", "hi")])
    assert BedrockConverse(MODEL, client=runtime).generate([Message("user", "hi")]) == "fine"


def test_converse_stream_cut_before_message_stop_is_a_model_error(server, runtime):
    from railguard.errors import ModelError
    from railguard.llm.bedrock import BedrockConverse
    from railguard.messages import Message
    from railguard.testing import eventstream

    server.add_model(MODEL, reply="fine")
    frames = (eventstream.event("messageStart", {"role": "assistant"}) +
              eventstream.event("contentBlockDelta", {"delta": {"text": "partial"}, "contentBlockIndex": 0}))
    server.malformed(1, frames, content_type="application/vnd.amazon.eventstream", path=r"/converse-stream$")
    got = []
    with pytest.raises(ModelError, match="ended without a messageStop event"):
        for piece in BedrockConverse(MODEL, client=runtime).stream([Message("user", "go")]):
            got.append(piece)
    assert got == ["partial"]
    assert "".join(BedrockConverse(MODEL, client=runtime).stream([Message("user", "go")])) == "fine"


# -- railguard import bedrock on deeply nested JSON -----------------------------------------------
@pytest.mark.parametrize("depth", [65, 900, 100_000])
def test_import_of_deeply_nested_json_is_a_clean_error(tmp_path, capsys, depth):
    from railguard.cli import main

    path = tmp_path / "deep.json"
    path.write_text('{"name": "x", "topicPolicyConfig": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    assert main(["import", "bedrock", str(path)]) == 1
    err = capsys.readouterr()[1]
    assert f"{path}: the JSON nests more than 64 levels deep" in err and "RecursionError" not in err


@pytest.mark.parametrize("gid, version", [("ab12cd\n", "1"), ("ab12cd", "1\n")])
def test_native_guardrail_refuses_a_trailing_newline(gid, version):
    from railguard.llm.bedrock import NativeGuardrail

    with pytest.raises(ValueError, match="is not a"):
        NativeGuardrail(gid, version)


# -- the native Converse guardrail trace --------------------------------------------------------
def _converse_answer(trace=None) -> str:
    out = {"output": {"message": {"role": "assistant", "content": [{"text": "All fine."}]}}, "stopReason": "end_turn",
           "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1}}
    if trace is not None:
        out["trace"] = trace
    return json.dumps(out)


@pytest.mark.parametrize("trace, fragment", [
    (None, "carries no guardrail trace for this stage"),
    ({"guardrail": {"inputAssessment": {GID: {"sensitiveInformationPolicy": {
        "piiEntities": [{"action": "ANONYMIZED"}], "regexes": []}}}}}, "malformed guardrail assessment"),
    ({"guardrail": {"inputAssessment": {GID: {"topicPolicy": {"topics": [
        {"name": "x", "type": "DENY", "action": "MAYBE"}]}}}}}, "is not one of ['BLOCKED', 'NONE']"),
])
def test_native_mode_blocks_on_a_missing_or_malformed_trace(server, runtime, guarded, trace, fragment):
    from railguard.llm.bedrock import BedrockConverse, NativeGuardrail
    from railguard.llm.bedrock_native import call_with_native_guardrail

    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.add_model(MODEL, reply="unused")
    server.malformed(1, _converse_answer(trace), path=r"/converse$")
    spec = (f"railguard: 1\nname: n\ninput:\n  - bedrock_guardrail: {{id: {GID}, version: \"1\"}}\n"
            f"output:\n  - bedrock_guardrail: {{id: {GID}, version: \"1\"}}\n")
    model = BedrockConverse(MODEL, client=runtime, guardrail=NativeGuardrail(GID, "1"))
    result = call_with_native_guardrail(guarded(spec), model, "hello")
    assert result.blocked and result.blocked_stage == "input"
    assert fragment in result.input.assessments[-1].message
