"""The llama_guard backends against local servers: exact requests, deterministic parameters, errors."""
from __future__ import annotations

import pytest

from railguard import Guard
from railguard.testing import LocalAWSServer, Response, aws_error
from railguard.testing.openai import LocalOpenAI
from railguard.testing.sagemaker import Reply

QUESTION = "How do I sharpen a kitchen knife?"


def guard(model_yaml: str, stage: str = "input", extra: str = "", **resources) -> Guard:
    return Guard.from_text(f"""
railguard: 1
name: backends
{stage}:
  - llama_guard:
      model: {model_yaml}
{extra}""", resources=resources)


def expected_prompt() -> str:
    from railguard_validators.llama_guard.categories import default_categories
    from railguard_validators.llama_guard.prompt import render, turns_from

    return render(turns_from([{"role": "user", "content": QUESTION}]), role="User",
                  categories=default_categories(3, "8b"), version=3, variant="8b")


# -- sagemaker -------------------------------------------------------------------------------------

def test_sagemaker_sends_the_exact_prompt_with_greedy_parameters(sm):
    sm.endpoint("guard-ep", components={"guard": lambda inv: "\n\nsafe"})
    g = guard(f"{{sagemaker: {{endpoint: guard-ep, inference_component: guard, endpoint_url: '{sm.endpoint_url}', "
              f"region: us-east-1, custom_attributes: 'app=test'}}}}")
    assert not g.validate(QUESTION, source="input").blocked
    [inv] = sm.invocations()
    assert (inv.endpoint, inv.component, inv.custom_attributes, inv.streaming) == ("guard-ep", "guard", "app=test",
                                                                                   False)
    assert inv.json() == {"inputs": expected_prompt(),
                          "parameters": {"max_new_tokens": 20, "do_sample": False, "return_full_text": False}}


def test_sagemaker_parameters_override_and_client_from_resources(sm):
    sm.endpoint("guard-ep", lambda inv: "unsafe\nS2")
    g = guard("{sagemaker: {endpoint: guard-ep, parameters: {max_new_tokens: 8, stop: ['<|eot_id|>']}}}",
              sagemaker_runtime_client=sm.client())
    result = g.validate(QUESTION, source="input")
    assert result.blocked and result.assessments[0].categories == ("S2",)
    assert sm.invocations()[0].parameters == {"max_new_tokens": 8, "do_sample": False, "return_full_text": False,
                                              "stop": ["<|eot_id|>"]}
    assert result.assessments[0].details["backend"] == "sagemaker:guard-ep"


def test_sagemaker_model_error_is_handled_by_on_error(sm):
    sm.endpoint("guard-ep", lambda inv: "safe")
    sm.script("guard-ep", Reply(model_error=(422, "Input validation error: inputs tokens + max_new_tokens must be "
                                                  "<= 8192")))
    result = guard("{sagemaker: {endpoint: guard-ep}}", sagemaker_runtime_client=sm.client()).validate(
        QUESTION, source="input")
    assert result.blocked
    assert ("ModelError: SageMaker endpoint 'guard-ep': the model returned an error (HTTP 422): Input validation "
            "error") in result.assessments[0].error


def test_clients_are_built_at_first_use_not_at_load(sm):
    sm.endpoint("guard-ep", lambda inv: "safe")
    g = guard(f"{{sagemaker: {{endpoint: guard-ep, endpoint_url: '{sm.endpoint_url}'}}}}")
    assert sm.server.requests == [] and g.graph.input.nodes[0].validator.backend is None
    g.validate("hi", source="input")
    assert g.graph.input.nodes[0].validator.backend is not None


# -- bedrock ---------------------------------------------------------------------------------------

class LocalBedrock:
    """Just InvokeModel, recording (model id, body, content type, accept)."""

    def __init__(self, server: LocalAWSServer):
        self.server = server
        self.calls: list = []
        self.reply = None
        server.route("POST", r"^/model/(?P<model>.+)/invoke$", self._invoke)

    def _invoke(self, req):
        self.calls.append((req.params["model"], req.json(), req.header("Content-Type"), req.header("Accept")))
        return Response.json(self.reply(req.json()))

    def reset(self) -> None:
        self.calls.clear()
        self.server.requests.clear()
        self.reply = lambda body: {"generation": "safe", "prompt_token_count": 900, "generation_token_count": 2,
                                   "stop_reason": "stop"}


@pytest.fixture(scope="module")
def _bedrock_server():
    with LocalAWSServer() as server:
        yield LocalBedrock(server)


@pytest.fixture
def bedrock(_bedrock_server):
    _bedrock_server.reset()
    return _bedrock_server


def test_bedrock_llama_payload_on_a_marketplace_arn(bedrock):
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/llama-guard-3-8b"
    g = guard(f"{{bedrock: {{model_id: '{arn}', endpoint_url: '{bedrock.server.endpoint_url}', region: us-east-1}}}}")
    assert not g.validate(QUESTION, source="input").blocked
    [(model, body, ctype, accept)] = bedrock.calls
    assert model == arn and (ctype, accept) == ("application/json", "application/json")
    assert body == {"prompt": expected_prompt(), "max_gen_len": 20, "temperature": 0}


@pytest.mark.parametrize("payload, body_keys, answer", [
    ("tgi", {"inputs", "parameters"}, [{"generated_text": "unsafe\nS1"}]),
    ("openai_completion", {"prompt", "max_tokens", "temperature"}, {"choices": [{"text": "unsafe\nS1"}]}),
])
def test_bedrock_other_payloads(bedrock, payload, body_keys, answer):
    bedrock.reply = lambda body: answer
    g = guard(f"{{bedrock: {{model_id: my-imported-guard, payload: {payload}, "
              f"endpoint_url: '{bedrock.server.endpoint_url}'}}}}")
    result = g.validate(QUESTION, source="input")
    assert result.blocked and result.assessments[0].categories == ("S1",)
    assert set(bedrock.calls[0][1]) == body_keys


def test_bedrock_throttling_is_retried_and_access_denied_is_clear(bedrock):
    g = guard(f"{{bedrock: {{model_id: meta.llama-guard, endpoint_url: '{bedrock.server.endpoint_url}', "
              f"max_attempts: 3}}}}")
    bedrock.server.throttle(2)
    assert not g.validate(QUESTION, source="input").blocked
    assert len(bedrock.server.requests) == 3
    bedrock.server.inject(__import__("railguard.testing", fromlist=["Fault"]).Fault(
        1, aws_error("AccessDeniedException", "You don't have access to the model with the specified model ID.", 403)))
    result = g.validate(QUESTION, source="input")
    assert result.blocked and ("ModelError: Bedrock model 'meta.llama-guard': invoke_model failed: "
                               "AccessDeniedException: You don't have access") in result.assessments[0].error


def test_bedrock_client_from_resources(bedrock):
    client = bedrock.server.client("bedrock-runtime")
    g = guard("{bedrock: {model_id: meta.llama-guard}}", bedrock_runtime_client=client)
    assert not g.validate(QUESTION, source="input").blocked and len(bedrock.calls) == 1


# -- openai-compatible completions -------------------------------------------------------------------

def test_openai_uses_the_completions_route_never_chat(monkeypatch):
    monkeypatch.setenv("VLLM_KEY", "sk-local")
    with LocalOpenAI(lambda prompt, body: "unsafe\nS10" if "hate" in prompt else "safe", api_key="sk-local") as server:
        g = guard(f"{{openai: {{base_url: '{server.base_url}', model: meta-llama/Llama-Guard-3-8B, "
                  f"api_key_env: VLLM_KEY}}}}", stage="output")
        ok = g.call(lambda m: "A nice answer.", QUESTION)
        bad = g.call(lambda m: "Some hate speech.", QUESTION)
        assert not ok.blocked and bad.blocked and bad.output_stage.assessments[0].categories == ("S10",)
        assert server.chat_requests() == []
        first = server.completions()[0]
        body = first.json()
        assert body["model"] == "meta-llama/Llama-Guard-3-8B" and body["max_tokens"] == 20
        assert body["temperature"] == 0 and body["prompt"].endswith("<|start_header_id|>assistant<|end_header_id|>")
        assert "User: How do I sharpen a kitchen knife?\n\nAgent: A nice answer.\n\n" in body["prompt"]
        assert first.header("Authorization") == "Bearer sk-local"


def test_openai_retries_5xx_and_reports_4xx():
    with LocalOpenAI(lambda prompt, body: "safe") as server:
        g = guard(f"{{openai: {{base_url: '{server.base_url}/', max_attempts: 3}}}}")
        server.fail(2, status=503, message="overloaded")
        assert not g.validate(QUESTION, source="input").blocked
        assert len(server.completions()) == 3
        g2 = guard(f"{{openai: {{base_url: '{server.base_url}', model: not-served}}}}")
        result = g2.validate(QUESTION, source="input")
        assert result.blocked and (f"ModelError: completions endpoint {server.base_url}/completions: HTTP 404: The "
                                   f"model `not-served` does not exist.") in result.assessments[0].error
        server.fail(5, status=500)
        result = g.validate(QUESTION, source="input")
        assert "failed after 3 attempt(s): HTTP 500: internal error" in result.assessments[0].error


def test_openai_unreachable_server_and_missing_key(monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    g = guard("{openai: {base_url: 'http://127.0.0.1:9/v1', max_attempts: 1, timeout_s: 2}}")
    result = g.validate(QUESTION, source="input")
    assert result.blocked and "failed after 1 attempt(s): ConnectionRefusedError" in result.assessments[0].error
    g = guard("{openai: {base_url: 'http://127.0.0.1:9/v1', api_key_env: NO_SUCH_KEY}}")
    assert "the environment variable 'NO_SUCH_KEY' (api_key_env) is not set" in \
        g.validate(QUESTION, source="input").assessments[0].error


def test_the_local_openai_server_refuses_bad_keys():
    with LocalOpenAI(lambda prompt, body: "safe", api_key="right") as server:
        g = Guard.from_text(f"""
railguard: 1
name: k
input:
  - llama_guard: {{model: {{openai: {{base_url: '{server.base_url}'}}}}}}
""", resources={"openai_api_key": "wrong"})
        result = g.validate(QUESTION, source="input")
        assert result.blocked and "HTTP 401: Incorrect API key provided." in result.assessments[0].error
