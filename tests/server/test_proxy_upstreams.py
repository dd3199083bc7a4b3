"""The chat proxy in front of a SageMaker inference component and a Bedrock model (Converse)."""

import openai
import pytest

from railguard.testing.bedrock import BedrockServer
from railguard.testing.sagemaker import LocalSageMaker
from serverkit import KEY, RunningServer, make_config, write_spec


@pytest.fixture(scope="module")
def aws_proxy(tmp_path_factory):
    from railguard.server.app import create_app
    from railguard.server.config import Route

    tmp = tmp_path_factory.mktemp("up")
    with pytest.MonkeyPatch.context() as mp, LocalSageMaker() as sm, BedrockServer() as bedrock:
        mp.setenv("AWS_ACCESS_KEY_ID", "proxy")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "proxy")
        sm.endpoint("llm", components={"main": lambda inv: f"SageMaker says hi to owner@example.com ({inv.prompt[:5]})"})
        bedrock.add_model("amazon.nova-lite-v1:0",
                          handler=lambda req: "Nova answer with a badword" if "bad" in str(req) else "Nova answer.")
        routes = [Route("sm", "svc", {"sagemaker": {"endpoint": "llm", "inference_component": "main",
                                                    "payload": "messages", "region": "us-east-1",
                                                    "endpoint_url": sm.endpoint_url}}),
                  Route("nova", "svc", {"bedrock": {"model_id": "amazon.nova-lite-v1:0", "region": "us-east-1",
                                                    "endpoint_url": bedrock.endpoint_url}})]
        with RunningServer(create_app(make_config([write_spec(tmp)], routes=routes), library_metrics=False)) as srv:
            yield openai.OpenAI(base_url=srv.url + "/v1", api_key=KEY, max_retries=0), sm, bedrock


def test_sagemaker_inference_component_upstream(aws_proxy):
    client, sm, _ = aws_proxy
    resp = client.chat.completions.create(model="sm", messages=[{"role": "user", "content": "Hello, my ssn is "
                                                                                            "123-45-6789"}])
    assert resp.choices[0].message.content == "SageMaker says hi to {EMAIL} (Hello)"
    inv = sm.invocations()[-1]
    assert inv.component == "main" and "123-45-6789" not in inv.body.decode()
    text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="sm", stream=True, messages=[{"role": "user", "content": "Hello"}]))
    assert text == "SageMaker says hi to {EMAIL} (Hello)"


def test_bedrock_converse_upstream_plain_stream_and_block(aws_proxy):
    client, _, bedrock = aws_proxy
    resp = client.chat.completions.create(model="nova", messages=[{"role": "user", "content": "hi"}])
    assert resp.choices[0].message.content == "Nova answer."
    chunks = list(client.chat.completions.create(model="nova", stream=True,
                                                 messages=[{"role": "user", "content": "say bad things"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "badword" not in text and text.endswith("Sorry, I can't share that answer.")
    assert chunks[-1].choices[0].finish_reason == "content_filter"
