"""boto3 sagemaker-runtime against the SageMaker proxy, with LocalSageMaker as the real endpoint behind it."""

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from railguard.testing.sagemaker import LocalSageMaker
from serverkit import KEY, RunningServer, bearer, make_config, write_spec


@pytest.fixture(scope="module")
def sm_proxy(tmp_path_factory):
    from railguard.server.app import create_app
    from railguard.server.config import SageMakerRoute

    tmp = tmp_path_factory.mktemp("sm")
    with pytest.MonkeyPatch.context() as mp, LocalSageMaker() as real:
        # The proxy's own credentials for the real endpoint (the default chain reads these).
        mp.setenv("AWS_ACCESS_KEY_ID", "proxy")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "proxy")
        real.endpoint("llm", components={
            "main": lambda inv: "Reply to the user at owner@example.com" if "mail" in inv.prompt else "Here is a recipe.",
            "chat": lambda inv: "Chat answer with badword inside" if "bad" in inv.prompt else "Chat answer."})
        routes = [SageMakerRoute("llm", "svc", inference_component="main", endpoint_url=real.endpoint_url,
                                 region="us-east-1"),
                  SageMakerRoute("llm", "svc", inference_component="chat", endpoint_url=real.endpoint_url,
                                 region="us-east-1")]
        cfg = make_config([write_spec(tmp)], sagemaker=routes)
        with RunningServer(create_app(cfg, library_metrics=False)) as srv:
            client = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=srv.url,
                                  aws_access_key_id="x", aws_secret_access_key="y",
                                  config=Config(retries={"max_attempts": 1}))
            yield srv, real, bearer(client)


def _invoke(client, body, component, **kw):
    resp = client.invoke_endpoint(EndpointName="llm", InferenceComponentName=component, ContentType="application/json",
                                  Body=json.dumps(body), **kw)
    return json.loads(resp["Body"].read()), resp


def test_tgi_payload_masked_both_ways_and_forwarded_with_headers(sm_proxy):
    srv, real, client = sm_proxy
    before = len(real.invocations())
    out, resp = _invoke(client, {"inputs": "mail my ssn 123-45-6789 please", "parameters": {"max_new_tokens": 20}}, "main",
                        CustomAttributes="trace=1")
    assert out == [{"generated_text": "Reply to the user at {EMAIL}"}]
    inv = real.invocations()[before]
    assert inv.component == "main" and inv.custom_attributes == "trace=1"
    assert inv.json()["inputs"] == "mail my ssn {US_SOCIAL_SECURITY_NUMBER} please"
    assert inv.json()["parameters"] == {"max_new_tokens": 20}


def test_messages_payload_second_component_and_block(sm_proxy):
    srv, real, client = sm_proxy
    out, _ = _invoke(client, {"messages": [{"role": "user", "content": "say something bad"}]}, "chat")
    assert out["choices"][0]["message"]["content"] == "Sorry, I can't share that answer."
    assert out["choices"][0]["finish_reason"] == "content_filter"
    before = len(real.invocations())
    out, _ = _invoke(client, {"inputs": "forbiddenword"}, "main")
    assert out == [{"generated_text": "Sorry, I can't help with that request."}]
    assert len(real.invocations()) == before  # blocked input: the endpoint was never called


def _stream_text(client, body, component):
    resp = client.invoke_endpoint_with_response_stream(EndpointName="llm", InferenceComponentName=component,
                                                      ContentType="application/json", Body=json.dumps(body))
    from railguard.llm.sagemaker import StreamLineReader

    reader, data = StreamLineReader("test"), b""
    for event in resp["Body"]:
        data += event["PayloadPart"]["Bytes"]
    return "".join(t for t in (reader(line) for line in data.decode().split("\n")) if t), data.decode()


def test_stream_variant_releases_only_cleared_text(sm_proxy):
    srv, real, client = sm_proxy
    text, raw = _stream_text(client, {"inputs": "mail me"}, "main")
    assert text == "Reply to the user at {EMAIL}" and "owner@example.com" not in raw
    text, raw = _stream_text(client, {"messages": [{"role": "user", "content": "bad"}]}, "chat")
    assert "badword" not in raw and text.endswith("Sorry, I can't share that answer.")
    assert '"finish_reason": "content_filter"' in raw and "[DONE]" in raw
    assert real.invocations()[-1].streaming


def test_sagemaker_errors(sm_proxy):
    srv, real, client = sm_proxy
    with pytest.raises(ClientError) as info:
        _invoke(client, {"inputs": "x"}, "unrouted")
    assert info.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as info:
        _invoke(client, "not a known payload", "main")
    assert info.value.response["Error"]["Code"] == "ValidationError"
    real.server.fail(1, 424, code="ModelError")  # the container failed (not retried)
    with pytest.raises(ClientError) as info:
        _invoke(client, {"inputs": "hi"}, "main")
    assert info.value.response["Error"]["Code"] == "ModelError"
    anon = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=srv.url, aws_access_key_id="x",
                        aws_secret_access_key="y", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as info:
        _invoke(anon, {"inputs": "hi"}, "main")
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
