"""The official openai client against the chat proxy, with a local OpenAI-compatible upstream."""

import json
import time

import httpx
import openai
import pytest

from railguard.testing.openai import LocalOpenAI
from railguard.testing.server import Response
from serverkit import KEY, RunningServer, make_config, write_spec


def _sse(pieces):
    lines = []
    for p in pieces:
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                 "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        lines.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    lines.append(b"data: [DONE]\n\n")
    return Response(200, iter(lines), {"Content-Type": "text/event-stream"})


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    from railguard.server.app import create_app
    from railguard.server.config import Route

    tmp = tmp_path_factory.mktemp("oa")
    with LocalOpenAI(model="up-model") as upstream:
        route = Route("guarded-llm", "svc", {"openai": {"url": upstream.base_url, "model": "up-model"}})
        cfg = make_config([write_spec(tmp)], routes=[route], max_body_bytes=64 * 1024)
        with RunningServer(create_app(cfg, library_metrics=False)) as srv:
            client = openai.OpenAI(base_url=srv.url + "/v1", api_key=KEY, max_retries=0)
            yield srv, upstream, client


def test_models_and_plain_completion_with_masked_input_and_output(proxy):
    srv, upstream, client = proxy
    assert [m.id for m in client.models.list()] == ["guarded-llm"]
    upstream.script("Sure, write to help@example.com")
    before = len(upstream.chat_requests())
    resp = client.chat.completions.create(model="guarded-llm", messages=[
        {"role": "user", "content": "my ssn is 123-45-6789, help"}])
    assert resp.choices[0].message.content == "Sure, write to {EMAIL}"
    assert resp.choices[0].finish_reason == "stop"
    sent = json.loads(upstream.chat_requests()[before].body)
    assert sent["model"] == "up-model" and "123-45-6789" not in json.dumps(sent)


def test_blocked_input_never_calls_upstream(proxy):
    srv, upstream, client = proxy
    before = len(upstream.chat_requests())
    resp = client.chat.completions.create(model="guarded-llm", messages=[{"role": "user", "content": "forbiddenword"}])
    assert resp.choices[0].message.content == "Sorry, I can't help with that request."
    assert resp.choices[0].finish_reason == "content_filter"
    assert len(upstream.chat_requests()) == before


def test_streaming_plain_and_blocked_mid_stream(proxy):
    srv, upstream, client = proxy
    upstream.script(_sse(["Hello ", "there, ", "friend."]))
    stream = client.chat.completions.create(model="guarded-llm", stream=True,
                                            messages=[{"role": "user", "content": "hi"}])
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello there, friend."
    assert chunks[-1].choices[0].finish_reason == "stop"
    upstream.script(_sse(["Fine ", "text, ", "then a badword ", "and more."]))
    chunks = list(client.chat.completions.create(model="guarded-llm", stream=True,
                                                 messages=[{"role": "user", "content": "hi"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "badword" not in text and text.endswith("Sorry, I can't share that answer.")
    assert chunks[-1].choices[0].finish_reason == "content_filter"


def test_errors_in_openai_shape(proxy):
    srv, upstream, client = proxy
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="unknown", messages=[{"role": "user", "content": "hi"}])
    bad = openai.OpenAI(base_url=srv.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        bad.chat.completions.create(model="guarded-llm", messages=[{"role": "user", "content": "hi"}])
    r = httpx.post(srv.url + "/v1/chat/completions", json={"model": "guarded-llm"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    upstream.fail(1, 500)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="guarded-llm", messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 502
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="guarded-llm", messages=[{"role": "user", "content": "x" * 70000}])
    assert info.value.status_code == 413


def test_request_timeout_releases_nothing(tmp_path):
    from railguard.server.app import create_app
    from railguard.server.config import Route

    with LocalOpenAI(model="m") as upstream:
        upstream.slow(1, 1.5)
        upstream.script("late answer")
        route = Route("llm", "svc", {"openai": {"url": upstream.base_url, "model": "m"}})
        cfg = make_config([write_spec(tmp_path)], routes=[route], timeout_s=0.5)
        with RunningServer(create_app(cfg, library_metrics=False)) as srv:
            t0 = time.monotonic()
            r = httpx.post(srv.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                           json={"model": "llm", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
            assert r.status_code == 503 and "late answer" not in r.text
            assert time.monotonic() - t0 < 1.5  # answered at the deadline, not when the upstream finished
