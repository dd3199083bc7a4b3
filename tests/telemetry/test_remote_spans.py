"""Remote checks as spans: real boto3 clients against the local Bedrock server on 127.0.0.1."""

from __future__ import annotations

import pytest
from opentelemetry import trace

from railguard import Guard
from railguard.testing.bedrock import BedrockServer

from awstest import aws_env  # noqa: F401  (autouse: dummy credentials, no AWS configuration)

GID = "ab12cd34ef56"
SERVER_SPEC = r"""
railguard: 1
name: server-guardrail
input:
  - regex:
      patterns:
        - {name: EMAIL, pattern: '[\w.+-]+@[\w-]+\.[\w.]+', action: mask}
"""
CLIENT_SPEC = f"""railguard: 1
name: client
input:
  - bedrock_guardrail: {{id: {GID}, version: "1"}}
"""


@pytest.fixture
def server():
    with BedrockServer() as s:
        yield s


def test_apply_guardrail_is_a_child_span_of_its_validator(server, tracing) -> None:
    _, exporter = tracing
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    guard = Guard.from_text(CLIENT_SPEC, resources={"bedrock_runtime_client": server.client("bedrock-runtime")})
    r = guard.validate("write to ann.lee@example.com today")
    assert r.output == "write to {EMAIL} today"
    spans = exporter.get_finished_spans()
    (remote,) = [s for s in spans if s.name == "Bedrock Runtime/ApplyGuardrail"]
    (validator,) = [s for s in spans if s.name == "railguard.validator bedrock_guardrail"]
    assert remote.parent.span_id == validator.context.span_id
    assert remote.kind == trace.SpanKind.CLIENT
    a = remote.attributes
    assert (a["rpc.system"], a["rpc.service"], a["rpc.method"]) == ("aws-api", "Bedrock Runtime", "ApplyGuardrail")
    assert a["aws.bedrock.guardrail.id"] == GID and a["railguard.bedrock.guardrail.version"] == "1"
    assert a["railguard.bedrock.source"] == "INPUT"
    assert a["http.response.status_code"] == 200 and a["railguard.retries"] == 0
    assert a["railguard.remote.action"] == "GUARDRAIL_INTERVENED" and a["railguard.text_units"] >= 1
    assert validator.attributes["railguard.entity_types"] == ("EMAIL",)
    assert "ann.lee" not in repr([dict(s.attributes) for s in spans])


def test_a_failing_remote_call_marks_its_span_and_counts_retries(server, tracing) -> None:
    _, exporter = tracing
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.malformed(5, '{"message": "boom"}', status=500)
    client = server.client("bedrock-runtime", max_attempts=2)
    guard = Guard.from_text(CLIENT_SPEC, resources={"bedrock_runtime_client": client})
    r = guard.validate("hello")
    assert r.blocked  # fail closed: the remote check never answered well
    (remote,) = [s for s in exporter.get_finished_spans() if s.name == "Bedrock Runtime/ApplyGuardrail"]
    assert remote.status.status_code == trace.StatusCode.ERROR
    assert remote.attributes["http.response.status_code"] == 500 and remote.attributes["railguard.retries"] >= 1


def test_clients_are_untouched_while_tracing_is_off(server) -> None:
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    guard = Guard.from_text(CLIENT_SPEC, resources={"bedrock_runtime_client": server.client("bedrock-runtime")})
    assert guard.validate("write to ann.lee@example.com").output == "write to {EMAIL}"
