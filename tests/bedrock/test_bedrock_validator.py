"""The bedrock_guardrail validator against a local Bedrock (real boto3 clients, wire protocol)."""

from __future__ import annotations

import pytest

from railguard import Guard, GuardBlocked, SpecError
from bedrockkit import GID, SERVER_SPEC, response


# -- parameters -------------------------------------------------------------------------------
def test_parameters_are_checked_with_locations():
    bad = (f"railguard: 1\nname: t\ninput:\n"
           f"  - bedrock_guardrail: {{id: gr-abc123, version: draft, region: useast, chunk_units: 30}}\n"
           f"  - bedrock_guardrail: {{id: {GID}, version: \"1\", output_scope: ALL, retry_mode: legacy}}\n")
    with pytest.raises(SpecError) as err:
        Guard.from_text(bad)
    text = str(err.value)
    assert "<spec>:4:29: $.input[0].bedrock_guardrail.id: 'gr-abc123' is not a Bedrock guardrail id" in text
    assert "$.input[0].bedrock_guardrail.version: 'draft' is not a guardrail version: use DRAFT or a number " \
           "from 1 to 99999999 (did you mean 'DRAFT'?)" in text
    assert "$.input[0].bedrock_guardrail.region: 'useast' is not an AWS Region name such as 'us-east-1'" in text
    assert "$.input[0].bedrock_guardrail.chunk_units: 30 text units (30000 characters) is more than max_chars " \
           "(25000)" in text
    assert "$.input[1].bedrock_guardrail.output_scope: 'ALL' is not one of ['INTERVENTIONS', 'FULL']" in text
    assert "$.input[1].bedrock_guardrail.retry_mode: 'legacy' is not one of ['standard', 'adaptive']" in text


def test_missing_id_is_a_spec_error_at_load_time():
    from railguard import load_spec

    with pytest.raises(SpecError) as err:
        load_spec("railguard: 1\nname: t\ninput:\n  - bedrock_guardrail: {version: DRAFT}\n")
    assert "4:24: $.input[0].bedrock_guardrail: 'id' is a required property" in str(err.value)


def test_yaml_and_rail_load_equal_and_version_is_a_string():
    yaml_spec = Guard.from_text(f"railguard: 1\nname: t\ninput:\n  - bedrock_guardrail: {{id: {GID}, version: 3, "
                                f"text_units_per_second: 40, boundary_window: 0}}\n")
    rail_spec = Guard.from_text(f'<rail version="1" name="t"><input><bedrock-guardrail id="{GID}" version="3" '
                                f'text-units-per-second="40" boundary-window="0"/></input></rail>')
    (a,), (b,) = yaml_spec.graph.input.nodes, rail_spec.graph.input.nodes
    assert (a.validator.version, a.validator.rate, a.policy) == (b.validator.version, b.validator.rate, b.policy)
    assert a.validator.version == "3"
    assert a.policy.boundary_window == 0 and a.policy.chunk_chars == 12000 and a.policy.max_chars == 25000


def test_no_client_is_made_at_load(server, guarded, spec_for):
    guard = guarded(spec_for())
    (node,) = guard.graph.input.nodes
    assert node.validator._client is None and server.calls() == []
    assert node.validator.lookahead() is None and node.validator.batch_chars() == 1000
    other = Guard.from_text(spec_for(", batch_chars: 4000"))
    assert other.graph.input.nodes[0].validator.batch_chars() == 4000


# -- requests and verdicts --------------------------------------------------------------------
def test_input_and_output_requests(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response("NONE", reason="No action.")])
    output = f"output:\n  - bedrock_guardrail: {{id: {GID}, version: \"1\"}}\n"
    guard = guarded(spec_for(", output_scope: FULL") + output)
    assert guard.validate("hello there", source="input").action == "NONE"
    assert guard.validate("an answer", source="output").action == "NONE"
    first, second = server.calls(r"/apply$")
    assert first.path == f"/guardrail/{GID}/version/1/apply"
    assert first.json() == {"source": "INPUT", "content": [{"text": {"text": "hello there"}}], "outputScope": "FULL"}
    assert second.json() == {"source": "OUTPUT", "content": [{"text": {"text": "an answer"}}]}


def test_anonymized_entities_become_masks_equal_to_bedrock_output(server, guarded, spec_for):
    text = "Mail John Smith at john@example.com, or Mary Jones, and John Smith again."
    masked = "Mail {NAME} at {EMAIL}, or {NAME}, and {NAME} again."
    server.add_guardrail(GID, version="1", responses=[response(output=masked, pii=[
        {"match": "John Smith", "type": "NAME", "action": "ANONYMIZED", "detected": True},
        {"match": "john@example.com", "type": "EMAIL", "action": "ANONYMIZED", "detected": True},
        {"match": "Mary Jones", "type": "NAME", "action": "ANONYMIZED", "detected": True},
        {"match": "John Smith", "type": "NAME", "action": "ANONYMIZED", "detected": True}])])
    result = guarded(spec_for()).validate(text, source="input")
    assert result.output == masked and not result.blocked and result.action == "GUARDRAIL_INTERVENED"
    (a,) = result.assessments
    assert a.action == "mask" and a.message == f"Bedrock guardrail {GID} version 1: anonymized NAME x3, EMAIL"
    assert [(s.start, s.end, s.type, s.action) for s in a.spans] == [
        (5, 15, "NAME", "mask"), (19, 35, "EMAIL", "mask"), (40, 50, "NAME", "mask"), (56, 66, "NAME", "mask")]
    assert "John" not in a.message and "john@" not in str(a.to_dict())


def test_adjacent_placeholders_align_by_match(server, guarded, spec_for):
    text = "Names: Ann Lee Bo Chu."
    server.add_guardrail(GID, version="1", responses=[response(output="Names: {NAME} {NAME}.", pii=[
        {"match": "Ann Lee", "type": "NAME", "action": "ANONYMIZED"},
        {"match": "Bo Chu", "type": "NAME", "action": "ANONYMIZED"}])])
    result = guarded(spec_for()).validate(text, source="input")
    assert result.output == "Names: {NAME} {NAME}."
    assert [(s.start, s.end) for s in result.assessments[0].spans] == [(7, 14), (15, 21)]


def test_blocked_entry_blocks_with_the_spec_message(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response(output="Bedrock's own message", pii=[
        {"match": "123-45-6789", "type": "US_SOCIAL_SECURITY_NUMBER", "action": "BLOCKED", "detected": True},
        {"match": "a@b.co", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}])])
    spec = spec_for(messages="messages: {blocked_input: From the spec.}\n")
    result = guarded(spec).validate("ssn 123-45-6789 mail a@b.co", source="input")
    assert result.blocked and result.output == "From the spec." and result.blocked_stage == "input"
    (a,) = result.assessments
    assert a.action == "block"
    assert a.message == f"Bedrock guardrail {GID} version 1: blocked US_SOCIAL_SECURITY_NUMBER; anonymized EMAIL"
    assert [(s.type, s.action) for s in a.spans] == [("US_SOCIAL_SECURITY_NUMBER", None), ("EMAIL", "mask")]


def test_on_fail_log_and_raise(server, guarded, spec_for):
    blocked = response(output="no", topics=[{"name": "Investment advice", "type": "DENY", "action": "BLOCKED",
                                             "detected": True}])
    server.add_guardrail(GID, version="1", responses=[blocked])
    logged = guarded(spec_for(on_fail="log")).validate("should I buy?", source="input")
    assert not logged.blocked and logged.output == "should I buy?" and logged.action == "NONE"
    assert logged.assessments[0].action == "log" and logged.assessments[0].categories == ("topic:Investment advice",)
    with pytest.raises(GuardBlocked) as err:
        guarded(spec_for(on_fail="raise")).validate("should I buy?", source="input")
    assert "blocked topic 'Investment advice'" in str(err.value)


def test_topic_block_with_mask_on_fail_still_blocks(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response(output="x", pii=[
        {"match": "a@b.co", "type": "EMAIL", "action": "ANONYMIZED"}],
        topics=[{"name": "Crypto", "type": "DENY", "action": "BLOCKED"}],
        filters=[{"type": "HATE", "confidence": "HIGH", "filterStrength": "MEDIUM", "action": "BLOCKED"}])])
    result = guarded(spec_for(on_fail="mask")).validate("crypto? a@b.co", source="input")
    assert result.blocked
    (a,) = result.assessments
    assert a.categories == ("topic:Crypto", "content:HATE:HIGH")
    assert a.message == (f"Bedrock guardrail {GID} version 1: blocked topic 'Crypto'; blocked content filter 'HATE' "
                         "(HIGH); anonymized EMAIL")


def test_detected_but_not_acted_on_is_recorded(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response("NONE", pii=[
        {"match": "Bob", "type": "NAME", "action": "NONE", "detected": True},
        {"match": "x", "type": "EMAIL", "action": "NONE", "detected": False}])])
    result = guarded(spec_for()).validate("Hi Bobby, Bob here", source="input")
    assert result.action == "NONE" and result.output == "Hi Bobby, Bob here"
    (a,) = result.assessments
    assert a.passed and [(s.start, s.end, s.type, s.action) for s in a.spans] == [(10, 13, "NAME", "log")]
    shaped = result.to_bedrock()
    assert shaped["assessments"][0]["sensitiveInformationPolicy"]["piiEntities"] == [
        {"match": "Bob", "type": "NAME", "action": "NONE", "detected": True}]


def test_anonymized_value_that_cannot_be_located_fails_closed(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response(output="completely different text", pii=[
        {"match": "not in the text", "type": "NAME", "action": "ANONYMIZED"}])])
    result = guarded(spec_for(on_fail="log")).validate("some text", source="input")
    assert result.blocked
    assert "could not locate the anonymized NAME in the text" in result.assessments[0].message


def test_unmapped_intervention_blocks(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", responses=[response(
        output="blocked", reason="Automated reasoning", automatedReasoningPolicy={"findings": [{"invalid": {}}]})])
    result = guarded(spec_for()).validate("the sky is green", source="input")
    assert result.blocked
    assert "intervened for a reason railguard does not map (reason: Automated reasoning)" in \
        result.assessments[0].message


def test_usage_reports_units_and_requests(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    result = guarded(spec_for()).validate("x" * 2500 + " 123-45-6789", source="input")
    assert dict(result.usage) == {"topicPolicyUnits": 0, "contentPolicyUnits": 0, "wordPolicyUnits": 0,
                                  "sensitiveInformationPolicyUnits": 0, "sensitiveInformationPolicyFreeUnits": 3,
                                  "contextualGroundingPolicyUnits": 0, "guardrail_requests": 1,
                                  "guardrail_text_units": 3, "guardrail_retries": 0}
    assert result.output == "x" * 2500 + " {US_SOCIAL_SECURITY_NUMBER}"


def test_empty_text_makes_no_request(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    result = guarded(spec_for()).validate("   ", source="input")
    assert result.action == "NONE" and server.calls() == []


# -- clients --------------------------------------------------------------------------------
def test_client_under_entry_id_and_session(server, runtime, spec_for):
    import boto3

    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    per_entry = Guard.from_text(spec_for(), resources={GID: {"bedrock_runtime_client": runtime}})
    assert per_entry.validate("a 123-45-6789", source="input").output == "a {US_SOCIAL_SECURITY_NUMBER}"
    session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="eu-west-1")
    via_session = Guard.from_text(spec_for(f", endpoint_url: '{server.endpoint_url}'"),
                                  resources={"boto3_session": session})
    assert via_session.validate("a 123-45-6789", source="input").output == "a {US_SOCIAL_SECURITY_NUMBER}"
    assert "eu-west-1" in server.calls()[-1].header("Authorization")


def test_endpoint_from_spec_and_from_environment(server, spec_for, monkeypatch):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    from_spec = Guard.from_text(spec_for(f", endpoint_url: '{server.endpoint_url}', region: eu-central-1"))
    assert from_spec.validate("a 123-45-6789", source="input").output == "a {US_SOCIAL_SECURITY_NUMBER}"
    assert "eu-central-1" in server.calls()[-1].header("Authorization")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.endpoint_url)
    from_env = Guard.from_text(spec_for())
    assert from_env.validate("b 123-45-6789", source="input").output == "b {US_SOCIAL_SECURITY_NUMBER}"
    assert len(server.calls()) == 2


def test_an_arn_brings_its_region(server, monkeypatch):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    arn = f"arn:aws:bedrock:eu-north-1:123456789012:guardrail/{GID}"
    spec = (f"railguard: 1\nname: t\ninput:\n  - bedrock_guardrail: {{id: '{arn}', version: '1', "
            f"endpoint_url: '{server.endpoint_url}'}}\n")
    result = Guard.from_text(spec).validate("a@b.co", source="input")
    assert result.output == "{EMAIL}" and result.assessments[0].id == arn
    assert "eu-north-1" in server.calls()[-1].header("Authorization")
    assert server.calls()[-1].path == f"/guardrail/{arn}/version/1/apply"


def test_no_region_is_a_clear_error(server, spec_for, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = Guard.from_text(spec_for()).validate("hello", source="input")
    assert result.blocked
    assert f"no AWS Region for guardrail {GID} version 1: set 'region' in the spec" in result.assessments[0].error
