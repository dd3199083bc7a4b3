"""Issue 9 audit: every Llama Guard backend reads a malformed or unknown answer as an error that
``on_error`` handles (block by default), never as safe. Raw bodies come from real loopback servers."""

from __future__ import annotations

import pytest

from railguard import Guard
from railguard.testing import LocalAWSServer, Response
from railguard.testing.server import Fault

QUESTION = "How do I sharpen a kitchen knife?"
HTML = b"<html><body>502 Bad Gateway</body></html>"
BODIES = {
    "html": HTML,
    "empty": b"",
    "empty-object": b"{}",
    "truncated": b'[{"generated_text": "sa',
    "null-text": b'{"generation": null}',
    "number-text": b'[{"generated_text": 5}]',
    "empty-list": b"[]",
    "error-object": b'{"error": {"message": "model overloaded"}}',
}


def guard(model_yaml: str, **extra) -> Guard:
    on_error = extra.pop("on_error", None)
    tail = f"\n      on_error: {on_error}" if on_error else ""
    return Guard.from_text(f"railguard: 1\nname: lg\ninput:\n  - llama_guard:\n      model: {model_yaml}{tail}\n",
                           resources=extra)


def assert_fails_closed(result) -> None:
    (a,) = result.assessments
    assert result.blocked and not a.passed and a.error is not None and a.error.startswith("ModelError: ")
    assert QUESTION not in a.error


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_sagemaker_backend(sm, kind):
    sm.endpoint("guard-ep", lambda inv: "safe")
    sm.server.inject(Fault(1, Response(200, BODIES[kind], {"Content-Type": "application/json"})))
    assert_fails_closed(guard("{sagemaker: {endpoint: guard-ep}}", sagemaker_runtime_client=sm.client())
                        .validate(QUESTION, source="input"))


@pytest.fixture(scope="module")
def raw_server():
    with LocalAWSServer() as server:
        server.answer = b"{}"
        server.route("POST", r"^/model/(?P<model>.+)/invoke$", lambda req: Response(200, server.answer,
                                                                                    {"Content-Type": "application/json"}))
        server.route("POST", r"^/v1/completions$", lambda req: Response(200, server.answer,
                                                                        {"Content-Type": "application/json"}))
        yield server


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_bedrock_backend(raw_server, kind):
    raw_server.answer = BODIES[kind]
    g = guard(f"{{bedrock: {{model_id: meta.llama-guard, endpoint_url: '{raw_server.endpoint_url}', "
              "max_attempts: 1}}")
    assert_fails_closed(g.validate(QUESTION, source="input"))


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_openai_backend(raw_server, kind):
    raw_server.answer = BODIES[kind]
    g = guard(f"{{openai: {{base_url: '{raw_server.endpoint_url}/v1', max_attempts: 1}}}}")
    assert_fails_closed(g.validate(QUESTION, source="input"))


def test_a_well_formed_safe_answer_still_passes_and_on_error_allow_is_honoured(raw_server):
    raw_server.answer = b'{"generation": "safe"}'
    url = raw_server.endpoint_url
    assert not guard(f"{{bedrock: {{model_id: m, endpoint_url: '{url}'}}}}").validate(QUESTION, source="input").blocked
    raw_server.answer = HTML
    allowed = guard(f"{{bedrock: {{model_id: m, endpoint_url: '{url}'}}}}", on_error="allow").validate(
        QUESTION, source="input")
    assert not allowed.blocked and allowed.assessments[0].action == "allow"
