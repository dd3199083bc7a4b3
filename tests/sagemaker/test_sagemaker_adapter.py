"""SageMakerEndpoint against a local sagemaker-runtime, through real boto3 clients."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from railguard import Guard, Message, ModelError
from railguard.llm.prompt_formats import llama3
from railguard.llm.sagemaker import SageMakerEndpoint
from railguard.testing.sagemaker import Reply

HI = [Message("user", "Hi there")]


def test_invoke_passes_component_variant_and_custom_attributes(sm):
    sm.endpoint("llm", components={"main": lambda inv: "Hello!"})
    model = SageMakerEndpoint("llm", inference_component="main", target_variant="blue-1",
                              custom_attributes="trace=abc-123", client=sm.client(),
                              parameters={"max_new_tokens": 64, "temperature": 0.2})
    assert model.generate(HI) == "Hello!"
    [inv] = sm.invocations()
    assert (inv.endpoint, inv.component, inv.variant, inv.custom_attributes) == ("llm", "main", "blue-1",
                                                                                 "trace=abc-123")
    assert inv.request.path == "/endpoints/llm/invocations"
    assert inv.content_type == "application/json" and inv.accept == "application/json"
    assert inv.json() == {"inputs": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there"
                                    "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                          "parameters": {"max_new_tokens": 64, "temperature": 0.2}}


def test_headers_are_absent_when_not_set(sm):
    sm.endpoint("plain", lambda inv: "ok")
    assert SageMakerEndpoint("plain", client=sm.client()).generate(HI) == "ok"
    headers = {k.lower() for k in sm.invocations()[0].request.headers}
    assert not headers & {"x-amzn-sagemaker-inference-component", "x-amzn-sagemaker-target-variant",
                          "x-amzn-sagemaker-custom-attributes"}


@pytest.mark.parametrize("body", [[{"generated_text": "forty-two"}], {"generated_text": "forty-two"}])
def test_tgi_answers_as_list_or_dict(sm, body):
    sm.endpoint("llm", lambda inv: body)
    assert SageMakerEndpoint("llm", client=sm.client()).generate(HI) == "forty-two"


def test_local_server_answers_in_the_dict_shape_when_asked():
    from railguard.testing.sagemaker import LocalSageMaker

    with LocalSageMaker(tgi_shape="dict") as server:
        server.endpoint("llm", lambda inv: "forty-two")
        response = server.client().invoke_endpoint(EndpointName="llm", Body=b'{"inputs": "x"}')
        assert json.loads(response["Body"].read()) == {"generated_text": "forty-two"}


def test_prompt_formats_reach_the_endpoint_exactly(sm):
    sm.endpoint("llm", lambda inv: "ok")
    convo = [Message("system", "Be brief."), Message("user", " What is 2+2? "), Message("assistant", "4"),
             Message("user", "And 3+3?")]
    SageMakerEndpoint("llm", client=sm.client(), prompt_format="llama2").generate(convo)
    SageMakerEndpoint("llm", client=sm.client(), prompt_format="none").generate(HI)
    SageMakerEndpoint("llm", client=sm.client(), prompt_format=lambda ms: "|".join(m.content for m in ms)).generate(convo)
    prompts = [inv.json()["inputs"] for inv in sm.invocations()]
    assert prompts == [
        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s><s>[INST] And 3+3? [/INST]",
        "Hi there",
        "Be brief.| What is 2+2? |4|And 3+3?",
    ]
    assert llama3(convo) == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n")


def test_messages_payload_sends_a_chat_body(sm):
    sm.endpoint("chat", lambda inv: "Paris.")
    model = SageMakerEndpoint("chat", client=sm.client(), payload="messages", parameters={"max_tokens": 32})
    convo = [Message("system", "Answer briefly."), Message("user", "Capital of France?")]
    assert model.generate(convo) == "Paris."
    assert sm.invocations()[0].json() == {"messages": [{"role": "system", "content": "Answer briefly."},
                                                       {"role": "user", "content": "Capital of France?"}],
                                          "max_tokens": 32}
    assert "".join(model.stream(convo)) == "Paris."
    assert sm.invocations()[1].json()["stream"] is True


def test_custom_request_builder_and_response_reader(sm):
    sm.endpoint("custom", lambda inv: {"outputs": [{"answer": inv.json()["q"].upper()}]})
    seen = []

    def build(prompt, messages, parameters):
        seen.append((prompt, [m.role for m in messages], parameters))
        return {"q": messages[-1].content, "opts": parameters}

    model = SageMakerEndpoint("custom", client=sm.client(), request_builder=build,
                              response_reader=lambda body: body["outputs"][0]["answer"],
                              parameters={"k": 1}, prompt_format="none")
    assert model.generate(HI) == "HI THERE"
    assert seen == [("Hi there", ["user"], {"k": 1})]
    assert sm.invocations()[0].json() == {"q": "Hi there", "opts": {"k": 1}}


def test_custom_payload_needs_both_halves():
    with pytest.raises(ValueError, match="both request_builder and response_reader"):
        SageMakerEndpoint("x", request_builder=lambda *a: {})


@pytest.mark.parametrize("kwargs, message", [
    ({"endpoint_name": "bad_name"}, "'bad_name' is not a valid SageMaker name"),
    ({"endpoint_name": "ok", "inference_component": "-guard"}, "inference component '-guard'"),
    ({"endpoint_name": "ok", "payload": "jsonlines"}, "payload 'jsonlines' is not one of"),
    ({"endpoint_name": "ok", "custom_attributes": "x" * 1025}, "at most 1024 ASCII"),
    ({"endpoint_name": "ok", "prompt_format": "llama4"}, "prompt format 'llama4' is not one of"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SageMakerEndpoint(**kwargs)


def test_model_error_names_endpoint_component_and_the_model_message(sm):
    sm.endpoint("llm", components={"main": lambda inv: "unused"})
    sm.script("llm", Reply(model_error=(422, "Input validation error: `inputs` must have less than 4096 tokens")),
              component="main")
    model = SageMakerEndpoint("llm", inference_component="main", client=sm.client())
    with pytest.raises(ModelError) as info:
        model.generate(HI)
    text = str(info.value)
    assert text.startswith("SageMaker endpoint 'llm' (inference component 'main'): the model returned an error "
                           "(HTTP 422): Input validation error: `inputs` must have less than 4096 tokens")
    assert "/aws/sagemaker/Endpoints/llm" in text
    assert len(sm.invocations()) == 1  # a model error is not retried


def test_throttling_and_5xx_are_retried_by_botocore(sm):
    sm.endpoint("llm", lambda inv: "fine")
    model = SageMakerEndpoint("llm", client=sm.client(max_attempts=3))
    sm.server.throttle(2)
    assert model.generate(HI) == "fine"
    assert len(sm.server.requests) == 3
    sm.server.fail(2, status=503, code="ServiceUnavailable")
    assert model.generate(HI) == "fine"
    assert len(sm.server.requests) == 6


def test_persistent_failure_becomes_a_clear_error(sm):
    sm.endpoint("llm", lambda inv: "fine")
    model = SageMakerEndpoint("llm", endpoint_url=sm.endpoint_url, region="us-east-1", max_attempts=2)
    sm.server.fail(2, status=500, code="InternalFailure")
    with pytest.raises(ModelError, match=r"SageMaker endpoint 'llm': invoke_endpoint failed: InternalFailure: "
                                         r"Internal failure \(after 2 attempts\)"):
        model.generate(HI)
    assert len(sm.server.requests) == 2


def test_unknown_endpoint_and_missing_component(sm):
    sm.endpoint("llm", components={"main": lambda inv: "x"})
    with pytest.raises(ModelError, match="Endpoint nope of account 123456789012 not found"):
        SageMakerEndpoint("nope", client=sm.client()).generate(HI)
    with pytest.raises(ModelError, match="Inference Component Name header is required"):
        SageMakerEndpoint("llm", client=sm.client()).generate(HI)


def test_non_json_and_unexpected_answers(sm):
    sm.endpoint("llm", lambda inv: "x")
    model = SageMakerEndpoint("llm", client=sm.client())
    sm.script("llm", Reply(body=b"plain text answer"))
    with pytest.raises(ModelError, match=r"the answer is not JSON \(17 bytes\)"):
        model.generate(HI)
    sm.script("llm", {"outputs": "?"})
    with pytest.raises(ModelError, match=r"unexpected answer shape \(keys \['outputs'\]\); payload 'tgi' expects"):
        model.generate(HI)
    sm.script("llm", {"error": "Request failed during generation: CUDA out of memory", "error_type": "generation"})
    with pytest.raises(ModelError, match="answered with an error: Request failed during generation"):
        model.generate(HI)


def test_guard_call_with_the_adapter(sm):
    sm.endpoint("llm", components={"main": lambda inv: "My number is 555-0100."})
    guard = Guard.from_text("""
railguard: 1
name: sm
output:
  - regex: {patterns: [{name: PHONE, pattern: '\\d{3}-\\d{4}', action: mask}], on_fail: mask}
""")
    result = guard.call(SageMakerEndpoint("llm", inference_component="main", client=sm.client()), "Call me?")
    assert result.output == "My number is {PHONE}."
    assert sm.invocations()[0].component == "main"


def test_importing_the_adapter_does_not_import_boto3():
    code = ("import sys, railguard.llm.sagemaker, railguard.testing.sagemaker; "
            "print('boto3' in sys.modules, 'botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"
