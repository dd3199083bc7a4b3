"""BedrockConverse and BedrockInvokeModel against the local Bedrock (and botocore's Stubber)."""

from __future__ import annotations

import io
import json

import pytest

from railguard import Guard, ModelError
from railguard.llm.bedrock import BedrockConverse, BedrockInvokeModel, NativeGuardrail
from railguard.messages import Message
from railguard.testing import eventstream

MODEL = "amazon.nova-lite-v1:0"


def test_converse_request_and_reply(server, runtime):
    server.add_model(MODEL, reply="Hello! How can I help?")
    model = BedrockConverse(MODEL, client=runtime, system="You are terse.",
                            inference_config={"maxTokens": 64, "temperature": 0.2},
                            additional_request_fields={"top_k": 5})
    reply = model.converse([Message("system", "Answer in English."), Message("user", "hi"),
                            Message("user", "there"), Message("assistant", "yes?"), Message("user", "bye")])
    assert reply.text == "Hello! How can I help?" and reply.stop_reason == "end_turn"
    assert reply.usage == {"inputTokens": 4, "outputTokens": 5, "totalTokens": 9}  # the server counts words
    (call,) = server.calls()
    assert call.path == f"/model/{MODEL}/converse"
    assert call.json() == {
        "messages": [{"role": "user", "content": [{"text": "hi"}, {"text": "there"}]},
                     {"role": "assistant", "content": [{"text": "yes?"}]},
                     {"role": "user", "content": [{"text": "bye"}]}],
        "system": [{"text": "You are terse."}, {"text": "Answer in English."}],
        "inferenceConfig": {"maxTokens": 64, "temperature": 0.2},
        "additionalModelRequestFields": {"top_k": 5}}


def test_converse_stream_yields_text_deltas(server, runtime):
    server.add_model(MODEL, reply="The quick brown fox jumps.", piece_chars=5)
    model = BedrockConverse(MODEL, client=runtime)
    assert list(model.stream([Message("user", "go")])) == ["The q", "uick ", "brown", " fox ", "jumps", "."]
    assert server.calls()[-1].path == f"/model/{MODEL}/converse-stream"


@pytest.mark.parametrize("kind", ["modelStreamErrorException", "throttlingException"])
def test_mid_stream_exception_is_a_model_error(server, runtime, kind):
    server.add_model(MODEL, reply="abcdefghijklmnop", piece_chars=4, stream_error=(2, kind, "it broke"))
    pieces = []
    with pytest.raises(ModelError) as err:
        for piece in BedrockConverse(MODEL, client=runtime).stream([Message("user", "go")]):
            pieces.append(piece)
    assert pieces == ["abcd", "efgh"]
    assert str(err.value) == f"Bedrock ConverseStream with {MODEL} (mid-stream) failed: {kind}: it broke"


def test_guarded_stream_and_call(server, runtime):
    server.add_model(MODEL, reply="Your ticket is TCK-42, see you.", piece_chars=3)
    spec = "railguard: 1\nname: s\noutput:\n  - regex: {patterns: [{name: TICKET, pattern: 'TCK-[0-9]+', " \
           "action: mask}]}\n"
    guard = Guard.from_text(spec)
    model = BedrockConverse(MODEL, client=runtime)
    assert guard.call(model, "ticket?").output == "Your ticket is {TICKET}, see you."
    stream = guard.stream(model, "ticket?")
    assert "".join(stream) == "Your ticket is {TICKET}, see you."


def test_converse_errors_are_clear(server, runtime):
    server.add_model(MODEL, reply="x")
    with pytest.raises(ModelError, match=r"inference_config key 'max_tokens' is not one of \['maxTokens', "
                                         r"'temperature', 'topP', 'stopSequences'\] \(did you mean 'maxTokens'\?\)"):
        BedrockConverse(MODEL, inference_config={"max_tokens": 5})
    model = BedrockConverse(MODEL, client=runtime)
    with pytest.raises(ModelError, match="must start with a non-empty user message"):
        model.generate([Message("assistant", "hello")])
    with pytest.raises(ModelError, match="cannot send a 'tool' message as text"):
        model.generate([Message("user", "a"), Message("tool", "{}")])
    with pytest.raises(ModelError, match=r"Bedrock Converse with nope\.model-v1 failed: ResourceNotFoundException: "
                                         r"model nope\.model-v1 not found"):
        BedrockConverse("nope.model-v1", client=runtime).generate([Message("user", "hi")])
    server.throttle(5)
    with pytest.raises(ModelError, match="failed: ThrottlingException: Rate exceeded"):
        model.generate([Message("user", "hi")])
    assert len(server.calls()) == 1 + 3  # the not-found call, then three attempts


def test_converse_retries_throttling_then_answers(server, runtime):
    server.add_model(MODEL, reply="fine")
    server.throttle(2)
    assert BedrockConverse(MODEL, client=runtime).generate([Message("user", "hi")]) == "fine"
    assert len(server.calls()) == 3


def test_client_made_from_options(server, monkeypatch):
    server.add_model(MODEL, reply="made here")
    model = BedrockConverse(MODEL, endpoint_url=server.endpoint_url, region="ap-southeast-2", max_attempts=1)
    assert model.generate([Message("user", "hi")]) == "made here"
    assert "ap-southeast-2" in server.calls()[-1].header("Authorization")
    with pytest.raises(ModelError, match="retry mode 'fast' is not one of"):
        BedrockConverse(MODEL, retry_mode="fast")


def test_invoke_model_native_body_and_path(server, runtime):
    bodies = []

    def llama(body):
        bodies.append(body)
        return {"generation": "Paris.", "stop_reason": "stop"}

    server.add_model("meta.llama3-8b-instruct-v1:0", invoke=llama)
    model = BedrockInvokeModel("meta.llama3-8b-instruct-v1:0",
                               {"prompt": "<|user|>{prompt}<|assistant|>", "max_gen_len": 128}, "generation",
                               client=runtime)
    assert model.generate([Message("user", "Capital of France?")]) == "Paris."
    assert bodies[-1] == {"prompt": "<|user|>Capital of France?<|assistant|>", "max_gen_len": 128}
    assert server.calls()[-1].header("Content-Type") == "application/json"


def test_invoke_model_messages_template():
    model = BedrockInvokeModel("anthropic.claude-3-haiku-20240307-v1:0",
                               {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "system": "{system}",
                                "messages": "{messages}"}, "content[0].text", client=object())
    assert model.body([Message("user", "hi"), Message("assistant", "yes"), Message("user", "bye")]) == {
        "anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yes"},
                     {"role": "user", "content": "bye"}]}
    assert model.body([Message("system", "Be brief."), Message("user", "hi")])["system"] == "Be brief."


def test_invoke_model_with_stubber():
    import boto3
    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="k",
                          aws_secret_access_key="s")
    model = BedrockInvokeModel("anthropic.claude-3-haiku-20240307-v1:0",
                               {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": "{messages}"},
                               "content.0.text", client=client)
    raw = json.dumps({"content": [{"type": "text", "text": "Bonjour."}]}).encode()
    with Stubber(client) as stub:
        stub.add_response("invoke_model", {"body": StreamingBody(io.BytesIO(raw), len(raw)),
                                           "contentType": "application/json"},
                          {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "contentType": "application/json",
                           "accept": "application/json",
                           "body": json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                                               "messages": [{"role": "user", "content": "Hello"}]}).encode()})
        assert model.generate([Message("user", "Hello")]) == "Bonjour."
        missing = json.dumps({"content": []}).encode()
        stub.add_response("invoke_model", {"body": StreamingBody(io.BytesIO(missing), len(missing)),
                                           "contentType": "application/json"})
        with pytest.raises(ModelError, match=r"response_path 'content.0.text': \.content has 0 item\(s\), no \[0\]"):
            model.generate([Message("user", "Hello")])


def test_invoke_model_configuration_errors():
    with pytest.raises(ModelError, match="never includes the conversation"):
        BedrockInvokeModel("m", {"prompt": "fixed"}, "generation")
    with pytest.raises(ModelError, match=r"response_path 'a\.\.b\]': unexpected"):
        BedrockInvokeModel("m", {"prompt": "{prompt}"}, "a..b]")
    with pytest.raises(ModelError, match="must be a non-empty string"):
        BedrockInvokeModel("m", {"prompt": "{prompt}"}, "")


def test_invoke_model_wrong_path_names_what_is_there(server, runtime):
    server.add_model("m.x-v1", invoke=lambda body: {"outputs": [{"text": "hi"}]})
    model = BedrockInvokeModel("m.x-v1", {"prompt": "{prompt}"}, "generation", client=runtime)
    with pytest.raises(ModelError, match=r"response_path 'generation': the body has no 'generation' \(it holds "
                                         r"\['outputs'\]\)"):
        model.generate([Message("user", "hi")])


def test_native_guardrail_option_is_checked():
    with pytest.raises(ValueError, match="'gr-1' is not a Bedrock guardrail id or ARN"):
        NativeGuardrail("gr-1", "1")
    with pytest.raises(ValueError, match="is not a guardrail version"):
        NativeGuardrail("abc", "v2")
    cfg = NativeGuardrail("abc", "2", stream_processing_mode="async")
    assert cfg.config() == {"guardrailIdentifier": "abc", "guardrailVersion": "2", "trace": "enabled"}
    assert cfg.config(stream=True)["streamProcessingMode"] == "async"


def test_event_stream_frames_parse_with_botocore():
    from botocore.eventstream import EventStreamBuffer

    data = eventstream.event("contentBlockDelta", {"delta": {"text": "hé"}, "contentBlockIndex": 0}) + \
        eventstream.exception("modelStreamErrorException", "bad")
    buf = EventStreamBuffer()
    buf.add_data(data)
    messages = list(buf)
    assert [m.headers[":message-type"] for m in messages] == ["event", "exception"]
    assert json.loads(messages[0].payload) == {"delta": {"text": "hé"}, "contentBlockIndex": 0}
