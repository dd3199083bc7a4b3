"""The native API, metrics, limits, reload and logs."""

import json
import logging
import time

import httpx

from serverkit import KEY

H = {"Authorization": f"Bearer {KEY}"}


def test_validate_guards_health_and_metrics(server):
    r = httpx.post(server.url + "/v1/guards/svc/validate", json={"text": "ssn 123-45-6789"}, headers=H)
    assert r.status_code == 200
    body = r.json()
    assert body["action"] == "GUARDRAIL_INTERVENED" and "{US_SOCIAL_SECURITY_NUMBER}" in body["output"]
    r = httpx.post(server.url + "/v1/guards/svc/validate",
                   json={"messages": [{"role": "user", "content": "forbiddenword"}]}, headers=H)
    assert r.json()["blocked"] is True
    guards = httpx.get(server.url + "/v1/guards", headers=H).json()["guards"]
    assert guards[0]["name"] == "svc" and guards[0]["validators"]["input"] == ["pii", "words"]
    assert httpx.get(server.url + "/healthz").status_code == 200
    assert httpx.get(server.url + "/readyz").json()["status"] == "ready"
    text = httpx.get(server.url + "/metrics").text
    assert 'railguard_server_interventions_total{action="mask",guard="svc",stage="input",validator="pii"}' in text
    assert "railguard_server_validator_seconds_bucket" in text and "railguard_server_in_flight_requests" in text
    assert "123-45-6789" not in text


def test_native_errors(server):
    assert httpx.post(server.url + "/v1/guards/svc/validate", json={"text": "x"}).status_code == 401
    r = httpx.post(server.url + "/v1/guards/svc/validate", json={"text": "x"}, headers={"Authorization": "Bearer no"})
    assert r.status_code == 403 and r.json()["error"]["status"] == 403
    assert httpx.post(server.url + "/v1/guards/none/validate", json={"text": "x"}, headers=H).status_code == 404
    r = httpx.post(server.url + "/v1/guards/svc/validate", json={"text": "x", "source": "middle"}, headers=H)
    assert r.status_code == 400 and "middle" in r.json()["error"]["message"]
    r = httpx.post(server.url + "/v1/guards/svc/validate", content=b"x" * (65 * 1024), headers=H)
    assert r.status_code == 413


def test_log_line_has_decision_and_entity_types_never_text(server, caplog):
    with caplog.at_level(logging.INFO, logger="railguard.server.access"):
        httpx.post(server.url + "/v1/guards/svc/validate", json={"text": "write to secret@example.com"}, headers=H)
        # The line is written once the answer has gone out: wait for it briefly.
        for _ in range(100):
            lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "railguard.server.access"]
            if lines:
                break
            time.sleep(0.02)
    assert lines, "no access log line"
    line = lines[-1]
    assert line["guard"] == "svc" and line["decision"] == "changed" and line["entity_types"] == ["EMAIL"]
    assert "secret@example.com" not in json.dumps(line)


def test_reload_with_broken_spec_keeps_old_one(tmp_path):
    from railguard.server.app import create_app
    from serverkit import SPEC, RunningServer, make_config, write_spec

    path = write_spec(tmp_path)
    with RunningServer(create_app(make_config([path], admin_reload=True), library_metrics=False)) as srv:
        (tmp_path / "svc.yaml").write_text(SPEC.replace("pii:", "pii_nonexistent:"), encoding="utf-8")
        r = httpx.post(srv.url + "/admin/reload", headers=H)
        assert r.status_code == 422 and "pii_nonexistent" in r.json()["error"]
        r = httpx.post(srv.url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, headers=H)
        assert r.json()["output"] == "{EMAIL}"
        (tmp_path / "svc.yaml").write_text(SPEC.replace("EMAIL]", "PHONE]"), encoding="utf-8")
        assert httpx.post(srv.url + "/admin/reload", headers=H).json()["reloaded"] is True
        r = httpx.post(srv.url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, headers=H)
        assert r.json()["output"] == "a@b.co"


def test_library_metrics_attached_to_the_server_registry(tmp_path):
    from railguard import telemetry
    from railguard.server.app import create_app
    from serverkit import RunningServer, make_config, write_spec

    try:
        with RunningServer(create_app(make_config([write_spec(tmp_path)]))) as srv:
            httpx.post(srv.url + "/v1/guards/svc/validate", json={"text": "a@b.co"}, headers=H)
            text = httpx.get(srv.url + "/metrics").text
    finally:
        telemetry.disable()  # configure() is process-wide: leave the other tests' process as it was
    assert 'railguard_validator_seconds_count{guard="svc"' in text
    assert "railguard_server_requests_total" in text and "a@b.co" not in text
