"""SageMakerEndpoint.stream: InvokeEndpointWithResponseStream over AWS event-stream framing."""
from __future__ import annotations

import threading

import pytest

from railguard import Message, ModelError
from railguard.llm.sagemaker import SageMakerEndpoint, StreamLineReader
from railguard.testing.sagemaker import Reply, split_tokens

HI = [Message("user", "Hi")]
TEXT = "Grüße aus Köln — ünïcödé 🙂 survives split parts.\nSecond line."


@pytest.mark.parametrize("part_size", [None, 1, 3, 7, 64])
def test_parts_split_mid_line_and_mid_character_are_joined(sm, part_size):
    sm.endpoint("llm", components={"main": lambda inv: TEXT})
    sm.script("llm", Reply(text=TEXT, part_size=part_size), component="main")
    model = SageMakerEndpoint("llm", inference_component="main", client=sm.client())
    pieces = list(model.stream(HI))
    [inv] = sm.invocations()
    assert pieces == split_tokens(TEXT)  # every token, once, in order, whole
    assert "".join(pieces) == TEXT
    assert inv.streaming and inv.request.path == "/endpoints/llm/invocations-response-stream"
    assert inv.component == "main" and inv.json()["stream"] is True
    assert inv.accept == "application/json"


def test_pieces_arrive_before_the_stream_ends(sm):
    gate = threading.Event()
    sm.endpoint("llm", lambda inv: "unused")
    sm.script("llm", Reply(text="first second third", hold=gate, hold_after=1))
    stream = SageMakerEndpoint("llm", client=sm.client()).stream(HI)
    assert next(stream) == "first"  # the server is still holding the rest
    assert not gate.is_set()
    gate.set()
    assert list(stream) == [" second", " third"]


def test_special_tokens_and_the_closing_summary_are_not_repeated(sm):
    sm.endpoint("llm", lambda inv: "a b")
    assert list(SageMakerEndpoint("llm", client=sm.client()).stream(HI)) == ["a", " b"]


def test_openai_style_chunks_for_the_messages_payload(sm):
    sm.endpoint("chat", lambda inv: "one two")
    model = SageMakerEndpoint("chat", client=sm.client(), payload="messages")
    assert list(model.stream(HI)) == ["one", " two"]


def test_model_stream_error_mid_stream(sm):
    sm.endpoint("llm", components={"main": lambda inv: "unused"})
    sm.script("llm", Reply(text="one two three four", stream_error="ModelInvocationTimeExceeded", error_after=2),
              component="main")
    got = []
    with pytest.raises(ModelError) as info:
        for piece in SageMakerEndpoint("llm", inference_component="main", client=sm.client()).stream(HI):
            got.append(piece)
    assert got == ["one", " two"]
    assert str(info.value) == ("SageMaker endpoint 'llm' (inference component 'main'): the model's response stream "
                               "failed: Model stream failed: ModelInvocationTimeExceeded")


def test_internal_stream_failure(sm):
    sm.endpoint("llm", lambda inv: "unused")
    sm.script("llm", Reply(text="a b c", internal_failure=True, error_after=1))
    with pytest.raises(ModelError, match=r"SageMaker endpoint 'llm': SageMaker's response stream failed "
                                         r"\(internal stream failure; retry the request\)"):
        list(SageMakerEndpoint("llm", client=sm.client()).stream(HI))


def test_model_error_before_the_stream_starts(sm):
    sm.endpoint("llm", lambda inv: "unused")
    sm.script("llm", Reply(model_error=(500, "CUDA out of memory")))
    with pytest.raises(ModelError, match=r"the model returned an error \(HTTP 500\): CUDA out of memory"):
        list(SageMakerEndpoint("llm", client=sm.client()).stream(HI))


def test_error_event_from_tgi_mid_stream(sm):
    sm.endpoint("llm", lambda inv: "unused")
    raw = (b'data:{"token":{"id":1,"text":"Hel","special":false},"generated_text":null}\n\n'
           b'data:{"error":"Request failed during generation: out of memory","error_type":"generation"}\n\n')
    sm.script("llm", Reply(body=raw, part_size=5))
    got = []
    with pytest.raises(ModelError, match=r"the model failed mid-stream \(generation\): Request failed during "
                                         r"generation: out of memory"):
        for piece in SageMakerEndpoint("llm", client=sm.client()).stream(HI):
            got.append(piece)
    assert got == ["Hel"]


def test_unreadable_stream_line(sm):
    sm.endpoint("llm", lambda inv: "unused")
    sm.script("llm", Reply(body=b"not json at all\n"))
    with pytest.raises(ModelError, match=r"unreadable line in the response stream \(not JSON, 15 chars\)"):
        list(SageMakerEndpoint("llm", client=sm.client()).stream(HI))


def test_custom_stream_raw_and_with_a_reader(sm):
    sm.endpoint("llm", lambda inv: "unused")
    raw = '{"t": "é1"}\n{"t": "2"}\n'.encode()
    build = lambda prompt, messages, params: {"text": prompt}  # noqa: E731
    read = lambda body: body["t"]  # noqa: E731
    sm.script("llm", Reply(body=raw, part_size=3), Reply(body=raw, part_size=3))
    plain = SageMakerEndpoint("llm", client=sm.client(), request_builder=build, response_reader=read)
    assert "".join(plain.stream(HI)) == raw.decode()
    import json
    lines = SageMakerEndpoint("llm", client=sm.client(), request_builder=build, response_reader=read,
                              stream_reader=lambda line: json.loads(line)["t"] if line else None)
    assert list(lines.stream(HI)) == ["é1", "2"]


def test_jsonlines_tokens_without_data_prefix():
    reader = StreamLineReader("x")
    assert reader('{"token": {"id": 5, "text": " hi", "log_prob": -0.2}}') == " hi"
    assert reader('{"generated_text": " hi"}') is None  # already streamed as tokens
    fresh = StreamLineReader("x")
    assert fresh('{"generated_text": "whole answer"}') == "whole answer"
    assert fresh(": keep-alive comment") is None and fresh("event: message") is None
    assert fresh('data: {"choices": [{"text": "done"}]}') == "done"


def test_consumer_stopping_early_closes_the_stream(sm):
    sm.endpoint("llm", lambda inv: "a b c d e f")
    stream = SageMakerEndpoint("llm", client=sm.client()).stream(HI)
    assert next(stream) == "a"
    stream.close()  # no error, the HTTP stream is closed
    assert SageMakerEndpoint("llm", client=sm.client()).generate(HI) == "a b c d e f"


def test_async_stream_yields_pieces_as_they_arrive(sm):
    import asyncio

    gate = threading.Event()
    sm.endpoint("llm", lambda inv: "unused")
    sm.script("llm", Reply(text="first second third", hold=gate, hold_after=1), Reply(text="via the guard"))
    model = SageMakerEndpoint("llm", client=sm.client())

    async def consume() -> list[str]:
        got = []
        async for piece in model.astream(HI):
            got.append(piece)
            if len(got) == 1:
                assert not gate.is_set()  # the first piece came before the server sent the rest
                gate.set()
        return got

    assert asyncio.run(consume()) == ["first", " second", " third"]

    from railguard import Guard

    guard = Guard.from_text("railguard: 1\nname: a\noutput:\n  - regex: {patterns: [{name: X, pattern: zzz}]}\n")

    async def guarded() -> str:
        return "".join([t async for t in guard.astream(model, "Hi")])

    assert asyncio.run(guarded()) == "via the guard"
    assert [i.streaming for i in sm.invocations()] == [True, True]
