"""``railguard serve`` as a process: config file, TLS with Bedrock API keys from boto3, SIGHUP reload,
SIGTERM drain of 50 in-flight requests."""

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import time

import httpx
import pytest

from railguard.testing.openai import LocalOpenAI
from serverkit import KEY, SPEC, free_port

HASH = __import__("hashlib").sha256(KEY.encode()).hexdigest()


def _start(args, log_path, env=None):
    # The log goes to a file: a pipe nobody reads would fill up and stall the server's logging.
    log = open(log_path, "w+", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "railguard", "serve", *args], stdout=subprocess.DEVNULL,
                            stderr=log, text=True, env={**os.environ, **(env or {})})
    proc.log = log
    return proc


def _wait_ready(url, proc, verify=True, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            proc.log.seek(0)
            raise AssertionError(f"server exited: {proc.log.read()[-2000:]}")
        try:
            if httpx.get(url + "/readyz", verify=verify, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("server not ready")


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.seek(0)
    text = proc.log.read()
    proc.log.close()
    return text


def test_tls_with_bedrock_api_key_from_environment_and_sighup_reload(tmp_path):
    import boto3
    import trustme
    from botocore.config import Config

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    spec = tmp_path / "svc.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    port = free_port()
    (tmp_path / "server.yaml").write_text(
        f"railguard_server: 1\nport: {port}\nspecs: [svc.yaml]\ntls: {{certfile: server.pem, keyfile: server.pem}}\n"
        f"auth:\n  api_keys:\n    - {{name: app, sha256: {HASH}}}\n", encoding="utf-8")
    proc = _start(["--config", str(tmp_path / "server.yaml")], tmp_path / "server.log")
    try:
        url = f"https://127.0.0.1:{port}"
        ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        _wait_ready(url, proc, verify=ctx)
        os.environ["AWS_BEARER_TOKEN_BEDROCK"] = KEY
        try:
            client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url,
                                  verify=str(tmp_path / "ca.pem"), config=Config(retries={"max_attempts": 1}))
            resp = client.apply_guardrail(guardrailIdentifier="svc", guardrailVersion="DRAFT", source="INPUT",
                                          content=[{"text": {"text": "a@b.co"}}])
        finally:
            del os.environ["AWS_BEARER_TOKEN_BEDROCK"]
        assert resp["outputs"] == [{"text": "{EMAIL}"}]
        # A broken spec on SIGHUP: reported, the old guard keeps serving.
        spec.write_text(SPEC.replace("pii:", "pii_typo:"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        r = httpx.post(url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, verify=ctx,
                       headers={"Authorization": f"Bearer {KEY}"})
        assert r.json()["output"] == "{EMAIL}"
        spec.write_text(SPEC.replace("EMAIL]", "PHONE]"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = httpx.post(url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, verify=ctx,
                           headers={"Authorization": f"Bearer {KEY}"})
            if r.json()["output"] == "a@b.co":
                break
            time.sleep(0.2)
        assert r.json()["output"] == "a@b.co"
    finally:
        log = _stop(proc)
    assert "reload_failed" in log and "pii_typo" in log
    assert "a@b.co" not in log


def test_sigterm_answers_all_50_in_flight_requests(tmp_path, monkeypatch):
    import http.server

    # The test upstream is a ThreadingHTTPServer: its listen backlog of 5 would reset some of 50 simultaneous
    # connections, which is the upstream's limit, not the proxy's.
    monkeypatch.setattr(http.server.ThreadingHTTPServer, "request_queue_size", 128)
    (tmp_path / "svc.yaml").write_text(SPEC, encoding="utf-8")
    port = free_port()
    with LocalOpenAI(lambda prompt, body: "slow but fine", model="m") as upstream:
        upstream.server.delay = 1.0  # every upstream call takes a second
        (tmp_path / "server.yaml").write_text(
            f"railguard_server: 1\nport: {port}\nspecs: [svc.yaml]\nauth: {{api_keys: [{{name: a, sha256: {HASH}}}]}}\n"
            f"routes:\n  - {{model: llm, guard: svc, upstream: {{openai: {{url: '{upstream.base_url}', model: m}}}}}}\n",
            encoding="utf-8")
        proc = _start(["--config", str(tmp_path / "server.yaml")], tmp_path / "server.log")
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, proc)

            async def fire():
                async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=60)) as client:
                    async def one():
                        return await client.post(url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                                                 json={"model": "llm", "messages": [{"role": "user", "content": "hi"}]})
                    tasks = [asyncio.create_task(one()) for _ in range(50)]
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline:  # all 50 in flight (the metrics request is the 51st)
                        text = (await client.get(url + "/metrics")).text
                        line = next(x for x in text.splitlines() if x.startswith("railguard_server_in_flight_requests "))
                        if float(line.split()[1]) >= 51:
                            break
                        await asyncio.sleep(0.05)
                    assert float(line.split()[1]) >= 51
                    proc.send_signal(signal.SIGTERM)
                    return await asyncio.gather(*tasks, return_exceptions=True)

            answers = asyncio.run(fire())
        finally:
            _stop(proc)
    assert all(isinstance(a, httpx.Response) for a in answers), [a for a in answers if not isinstance(a, httpx.Response)][:3]
    assert [a.status_code for a in answers] == [200] * 50, [a.text for a in answers if a.status_code != 200][:2]
    assert all(a.json()["choices"][0]["message"]["content"] == "slow but fine" for a in answers)
    assert proc.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after draining


def test_two_workers_serve_and_a_bad_spec_on_sighup_restarts_nothing(tmp_path):
    spec = tmp_path / "svc.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    port = free_port()
    proc = _start([str(spec), "--workers", "2", "--port", str(port)], tmp_path / "server.log",
                  env={"RAILGUARD_API_KEY": KEY})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        h = {"Authorization": f"Bearer {KEY}"}
        for _ in range(6):
            r = httpx.post(url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, headers=h)
            assert r.json()["output"] == "{EMAIL}"
        spec.write_text(SPEC.replace("pii:", "pii_typo:"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        time.sleep(2)
        for _ in range(6):
            r = httpx.post(url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, headers=h)
            assert r.status_code == 200 and r.json()["output"] == "{EMAIL}"
    finally:
        log = _stop(proc)
    assert "reload_refused" in log and "pii_typo" in log
    assert log.count('"event": "ready"') == 2  # two workers started, none restarted
