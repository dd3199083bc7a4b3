"""Through the server, on_error holds: a remote check that times out or answers garbage blocks, never
releases the text; per-client concurrency is a ThrottlingException; the seeds' streaming-batch loop."""

import threading
import time

import pytest
from botocore.exceptions import ClientError

from railguard.testing.bedrock import BedrockServer
from railguard.testing.openai import LocalOpenAI
from serverkit import KEY, RunningServer, bearer, bedrock_client, make_config, write_spec

REMOTE_SPEC = """\
railguard: 1
name: layered
messages: {blocked_input: "Blocked (input).", blocked_output: "Blocked (output)."}
input:
  - bedrock_guardrail: {id: gr1, version: "1", region: us-east-1, endpoint_url: "%s", timeout_s: 0.5}
"""
INNER = """\
railguard: 1
name: inner
input:
  - regex: {patterns: [{name: CODE, pattern: 'ZX-\\d+', action: mask}]}
"""


@pytest.fixture
def layered(tmp_path, monkeypatch):
    from railguard.server.app import create_app

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "proxy")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "proxy")
    with BedrockServer() as bedrock:
        bedrock.add_guardrail("gr1", version="1", spec=INNER)
        path = write_spec(tmp_path, REMOTE_SPEC % bedrock.endpoint_url, "layered.yaml")
        with RunningServer(create_app(make_config([path]), library_metrics=False)) as srv:
            yield srv, bedrock


def _apply(client, text):
    r = client.apply_guardrail(guardrailIdentifier="layered", guardrailVersion="DRAFT", source="INPUT",
                               content=[{"text": {"text": text}}])
    return r


def test_remote_check_timeout_or_garbage_blocks(layered):
    srv, bedrock = layered
    c = bearer(bedrock_client(srv.url))
    assert _apply(c, "code ZX-123")["outputs"] == [{"text": "code {CODE}"}]
    bedrock.slow(3, 1.5, path=r"/apply$")
    r = _apply(c, "secret ZX-999 slow")
    assert r["action"] == "GUARDRAIL_INTERVENED" and r["outputs"] == [{"text": "Blocked (input)."}]
    bedrock.malformed(3, "<html>proxy error</html>", content_type="text/html")
    r = _apply(c, "secret ZX-777 garbage")
    assert r["outputs"] == [{"text": "Blocked (input)."}]
    assert "ZX-777" not in str(r)


def test_seed_streaming_batch_loop_checks_each_batch(layered):
    srv, _ = layered
    c = bearer(bedrock_client(srv.url))
    streamed = ["The code ", "is ZX-", "42 and ", "that is all."]
    released, buffer = [], ""

    def check(batch):
        r = c.apply_guardrail(guardrailIdentifier="layered", guardrailVersion="DRAFT", source="INPUT",
                              content=[{"text": {"text": batch}}])
        return r["outputs"][0]["text"] if r["action"] == "GUARDRAIL_INTERVENED" else batch

    for piece in streamed:  # the seeds' loop: check the accumulated batch once it holds 20 characters
        buffer += piece
        if len(buffer) >= 20:
            released.append(check(buffer))
            buffer = ""
    if buffer:
        released.append(check(buffer))
    buffer = ""
    assert "".join(released) + buffer == "The code is {CODE} and that is all."


def test_per_client_concurrency_limit_is_throttling(tmp_path):
    from railguard.server.app import create_app
    from railguard.server.config import Route

    with LocalOpenAI(lambda prompt, body: "ok", model="m") as upstream:
        upstream.server.delay = 3.0
        cfg = make_config([write_spec(tmp_path)], routes=[Route("llm", "svc", {"openai": {"url": upstream.base_url}})],
                          max_concurrent_per_client=1)
        with RunningServer(create_app(cfg, library_metrics=False)) as srv:
            import httpx

            client = bearer(bedrock_client(srv.url))  # built first: creating a client can take a while on a busy machine
            slow = threading.Thread(target=lambda: httpx.post(
                srv.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"}, timeout=10,
                json={"model": "llm", "messages": [{"role": "user", "content": "hi"}]}))
            slow.start()
            deadline = time.monotonic() + 5
            while not upstream.chat_requests() and time.monotonic() < deadline:
                time.sleep(0.01)
            with pytest.raises(ClientError) as info:
                client.apply_guardrail(
                    guardrailIdentifier="svc", guardrailVersion="DRAFT", source="INPUT",
                    content=[{"text": {"text": "x"}}])
            slow.join()
            assert info.value.response["Error"]["Code"] == "ThrottlingException"
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
