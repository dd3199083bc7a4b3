"""Long inputs (chunks, boundary windows, the text-unit limiter) and faults (throttling, 5xx, access)."""

from __future__ import annotations

import json
import math

import pytest

from railguard import Guard

from bedrockkit import GID, SERVER_SPEC
from shared_data import shared_path
SSN_RX = r"\b\d{3}[- ]\d{2}[- ]\d{4}\b"


def prose(n: int) -> str:
    """``n`` characters of real sentences (the Presidio synthetic set, with its SSNs replaced), each
    tagged with a running number so that no stretch of the text repeats."""
    import re

    data = shared_path("pii", "presidio_synth_dev.jsonl")
    rows = [json.loads(line)["text"] for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [re.sub(SSN_RX, "[ssn]", r) for r in rows]
    out, size, i = [], 0, 0
    while size < n:
        piece = f"{rows[i % len(rows)]} (row {i})"
        out.append(piece)
        size += len(piece) + 1
        i += 1
    return " ".join(out)[:n]


def applied_texts(server) -> list[str]:
    return [r.json()["content"][0]["text"]["text"] for r in server.calls(r"/apply$")]


def test_100k_input_goes_out_in_chunks_covering_the_text(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.max_apply_chars = 12_000
    base = prose(100_000)
    # An SSN written with spaces, placed so that the 12,000-character cut falls inside it: with no
    # sentence end in the last 500 characters, the chunker cuts after the last space before
    # 12,000, so chunk one ends "123 45 " and chunk two starts "6789".
    quiet = "".join("," if ch in ".!?\n" else ch for ch in base[11_500:11_991]) + " "
    text = (base[:11_500] + quiet + "123 45 6789 " + base[12_003:])[:100_000]
    ssn_at = text.index("123 45 6789")
    assert ssn_at == 11_992
    guard = guarded(spec_for(", text_units_per_second: 1000"))
    result = guard.validate(text, source="input")
    a = result.assessments[0]
    assert a.error is None and not result.blocked
    sent = applied_texts(server)
    chunks = sorted((t for t in sent if len(t) > 1000), key=text.index)  # they went out concurrently
    windows = [t for t in sent if len(t) <= 1000]
    assert all(len(t) <= 12_000 for t in sent)
    assert "".join(chunks) == text  # the whole text, in order, nothing twice
    assert len(windows) == len(chunks) - 1 == a.details["boundary_windows"]
    assert not any("123 45 6789" in t for t in chunks) and any("123 45 6789" in t for t in windows)
    # The SSN across the boundary is masked, and the result equals Bedrock masking the whole text.
    assert "123 45 6789" not in result.output
    whole = Guard.from_text(SERVER_SPEC).validate(text, source="input").output
    assert result.output == whole
    # Cost: chunk units against ceil(chars/1000); the windows are reported apart.
    chunk_units = sum(math.ceil(len(t) / 1000) for t in chunks)
    assert a.usage["guardrail_text_units"] == chunk_units + len(windows)
    assert a.details["boundary_window_usage"]["guardrail_text_units"] == len(windows)
    assert chunk_units <= 1.05 * math.ceil(len(text) / 1000)
    assert a.usage["guardrail_requests"] == len(sent)


def test_limiter_holds_the_configured_rate(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    rate = 60.0
    guard = guarded(spec_for(f", text_units_per_second: {rate:g}, boundary_window: 0"))
    text = prose(120_000)
    result = guard.validate(text, source="input")
    assert result.assessments[0].error is None
    calls = sorted(server.applied, key=lambda c: c.time)
    t0 = calls[0].time
    burst = 0.9 * rate
    sent = 0
    for c in calls:
        sent += c.units
        # Units sent by each request's arrival never exceed the bucket plus what the rate refilled
        # (one request of slack for the order in which concurrent requests reach the server).
        assert sent <= burst + rate * (c.time - t0) + 12 + 1e-6
    elapsed = calls[-1].time - t0
    # The last request waited for the rate (nothing went out early) but not much longer: past
    # the first burst the limiter keeps sending at the configured rate.
    lower = (sent - calls[-1].units - burst) / rate
    assert lower - 0.05 <= elapsed <= (sent - burst) / rate + 0.5


def test_server_quota_is_not_tripped_by_the_limiter(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.quota(80)
    result = guarded(spec_for(", text_units_per_second: 80")).validate(prose(60_000), source="input")
    assert result.assessments[0].error is None and server.throttled == 0


def test_first_blocked_chunk_stops_the_rest(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    text = prose(30_000) + " About Project X. " + prose(60_000)
    spec = spec_for(", text_units_per_second: 1000, concurrency: 1",
                    messages="messages: {blocked_input: The spec's own refusal.}\n")
    result = guarded(spec).validate(text, source="input")
    assert result.blocked and result.output == "The spec's own refusal."
    a = result.assessments[0]
    assert a.details["stopped_early"] is True and a.details["chunks"] == 8
    sent = applied_texts(server)
    assert len(sent) == 3 and "Project X" in sent[-1]  # chunks 4..8 and the windows never went out
    assert a.checked_chars == sum(len(t) for t in sent) < len(text)


def test_throttling_on_first_two_calls_still_gives_the_right_answer(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.throttle(2, path=r"/apply$")
    result = guarded(spec_for()).validate("mail me at a@b.co", source="input")
    assert result.output == "mail me at {EMAIL}"
    assert len(server.calls(r"/apply$")) == 3
    assert result.assessments[0].usage["guardrail_retries"] == 2


def test_throttled_chunks_are_retried(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.throttle(2, path=r"/apply$")
    text = prose(40_000) + " ssn 987-65-4321."
    result = guarded(spec_for(", text_units_per_second: 1000")).validate(text, source="input")
    assert result.output == Guard.from_text(SERVER_SPEC).validate(text, source="input").output
    assert "987-65-4321" not in result.output


def test_throttled_after_every_attempt_fails_by_on_error(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.throttle(10, path=r"/apply$")
    blocked = guarded(spec_for()).validate("hello", source="input")
    assert blocked.blocked and len(server.calls()) == 3
    assert blocked.assessments[0].error == (f"GuardrailError: ApplyGuardrail for guardrail {GID} version 1 failed "
                                            "with ThrottlingException after 3 attempt(s): Rate exceeded")
    allowed = guarded(spec_for(", on_error: allow")).validate("hello", source="input")
    assert not allowed.blocked and allowed.output == "hello" and allowed.assessments[0].action == "allow"


def test_max_attempts_from_the_spec(server, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    server.fail(3, status=503, path=r"/apply$", code="ServiceUnavailableException")
    spec = spec_for(f", endpoint_url: '{server.endpoint_url}', max_attempts: 4, retry_mode: adaptive")
    result = Guard.from_text(spec).validate("a@b.co", source="input")
    assert result.output == "{EMAIL}" and len(server.calls()) == 4
    server.fail(2, status=500, path=r"/apply$")
    one = Guard.from_text(spec_for(f", endpoint_url: '{server.endpoint_url}', max_attempts: 1"))
    failed = one.validate("a@b.co", source="input")
    assert failed.blocked and "InternalServerException after 1 attempt(s)" in failed.assessments[0].error


@pytest.mark.parametrize("kind", ["denied", "missing"])
def test_access_denied_and_not_found_are_not_retried(server, guarded, spec_for, kind):
    server.add_guardrail(GID, version="2", spec=SERVER_SPEC)
    if kind == "denied":
        server.deny(GID)
    result = guarded(spec_for()).validate("hello", source="input")
    assert result.blocked and len(server.calls()) == 1
    error = result.assessments[0].error
    if kind == "denied":
        assert error.startswith(f"GuardrailError: access denied to Bedrock guardrail {GID} version 1 in us-east-1 "
                                "(not retried)")
    else:
        assert error.startswith(f"GuardrailError: Bedrock guardrail {GID} version 1 was not found in us-east-1 "
                                "(not retried)")


def test_text_that_cannot_go_out_within_the_timeout_fails_at_once(server, guarded, spec_for):
    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    guard = guarded(spec_for(", timeout_s: 2"))
    result = guard.validate(prose(300_000), source="input")
    assert result.blocked and server.calls() == []
    assert "300000 characters are about 324 text units, which take at least 12.1s at 25 units/s, over this " \
           "entry's timeout_s of 2s" in result.assessments[0].error


def test_limiter_can_be_shared_through_resources(server, guarded, spec_for):
    from railguard_validators.bedrock_guardrail import TextUnitLimiter

    server.add_guardrail(GID, version="1", spec=SERVER_SPEC)
    limiter = TextUnitLimiter(1000)
    guard = guarded(spec_for() + f"output:\n  - bedrock_guardrail: {{id: {GID}, version: \"1\"}}\n",
                    text_unit_limiter=limiter)
    guard.validate("a" * 1500, source="input")
    guard.validate("b" * 500, source="output")
    assert (limiter.requests, limiter.units) == (2, 3)
    with pytest.raises(Exception) as err:
        guarded(spec_for(), text_unit_limiter=25)
    assert "resource 'text_unit_limiter' must be a TextUnitLimiter, got int" in str(err.value)
