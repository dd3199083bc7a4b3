"""Issue 9 audit: the SageMaker adapter reads a malformed or cut answer as a ModelError, never as
an empty or partial answer. Raw bodies come from a real loopback server (the local Bedrock server
carries the fault injection for cut bodies; LocalSageMaker adds its routes to it)."""

from __future__ import annotations

import pytest

from railguard.errors import ModelError
from railguard.llm.sagemaker import SageMakerEndpoint
from railguard.messages import Message
from railguard.testing.bedrock import BedrockServer
from railguard.testing.sagemaker import LocalSageMaker

ASK = [Message("user", "hi")]


@pytest.fixture
def local():
    with BedrockServer() as server:
        sm = LocalSageMaker(server=server)
        sm.endpoint("ep", lambda inv: "hello there")
        yield server, sm


@pytest.mark.parametrize("body, message", [
    (b"<html><body>502</body></html>", "the answer is not JSON"),
    (b"", "the answer is not JSON"),
    (b"{}", "unexpected answer shape"),
    (b'[{"generated_text": null}]', "unexpected answer shape"),
    (b"[]", "unexpected answer shape"),
])
def test_malformed_answers_are_model_errors(local, body, message):
    server, sm = local
    server.malformed(1, body, path=r"/invocations$")
    with pytest.raises(ModelError, match=message):
        SageMakerEndpoint("ep", client=sm.client()).generate(ASK)
    assert SageMakerEndpoint("ep", client=sm.client()).generate(ASK) == "hello there"


def test_an_answer_cut_mid_body_is_a_model_error_not_a_partial_answer(local):
    server, sm = local
    server.malformed(1, b'[{"generated_text": "a long answer that is cut"}]', cut_after=20, path=r"/invocations$")
    with pytest.raises(ModelError, match=r"reading the answer failed: .*IncompleteRead"):
        SageMakerEndpoint("ep", client=sm.client(), max_attempts=1).generate(ASK)


@pytest.mark.parametrize("kwargs", [{"endpoint_name": "ep\n"}, {"endpoint_name": "ep", "inference_component": "c\n"}])
def test_names_with_a_trailing_newline_are_refused(kwargs):
    with pytest.raises(ValueError, match="is not a valid SageMaker name"):
        SageMakerEndpoint(**kwargs)
