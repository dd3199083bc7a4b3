"""Streaming: bounded hold-back, no unvalidated text released, same result as the non-streamed path."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from railguard import Context, GuardBlocked, ModelError, Outcome, RailguardError, Span, Validator

from coretest import guard_from
from fakes import ALL

SSN = "123-45-6789"
CARD = "4111-1111-1111-1111"

SPEC = f"""\
railguard: 1
name: s
output:
  - find: {{find: ['{SSN}'], type: SSN}}
  - find: {{find: ['{CARD}'], type: CARD}}
  - find: {{find: [darn, heck], type: WORD}}
"""


class Remote(Validator):
    """A model-backed validator: 50 ms per call, batches of ``batch`` characters; blocks on 'FORBIDDEN',
    masks 'Acme Corp' as ORG; records every text it saw."""

    name = "remote"
    params_schema = {"type": "object", "properties": {"batch": {"type": "integer"}, "ms": {"type": "number"}}}
    can_mask = True
    default_on_fail = "mask"
    lock = threading.Lock()
    seen: list[str] = []

    def validate(self, text: str, context: Context) -> Outcome:
        time.sleep(self.params.get("ms", 50) / 1000)
        with Remote.lock:
            Remote.seen.append(text)
        if "FORBIDDEN" in text:
            return Outcome.fail("forbidden topic", action="block", usage={"text_units": -(-len(text) // 1000)})
        spans = []
        start = text.find("Acme Corp")
        while start >= 0:
            spans.append(Span(start, start + 9, "ORG"))
            start = text.find("Acme Corp", start + 1)
        usage = {"text_units": -(-len(text) // 1000)}
        return Outcome.fail("org", spans=spans, usage=usage) if spans else Outcome.ok(usage=usage)

    def batch_chars(self) -> int:
        return self.params.get("batch", 1000)


def make(spec: str = SPEC):
    return guard_from(spec, *ALL, Remote)


def pieces_of(text: str, cuts: list[int]):
    points = sorted({c for c in cuts if 0 < c < len(text)})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def streamed(guard, pieces: list[str]):
    stream = guard.stream(lambda prompt: iter(pieces), "question")
    out = list(stream)
    return out, stream.result


_SHARED = make()
SAMPLE = (f"Sure. Your SSN is {SSN}, and your card {CARD} expires soon. Darn, heck, darn it. "
          f"Call us. {SSN} again.")


@given(st.lists(st.integers(min_value=1, max_value=len(SAMPLE) - 1), max_size=40))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_split_gives_the_non_streamed_output_and_never_leaks(cuts: list[int]) -> None:
    guard = _SHARED
    pieces = pieces_of(SAMPLE, cuts)
    out, result = streamed(guard, pieces)
    assert "".join(out) == guard.validate(SAMPLE, source="output").output
    for chunk in out:
        for secret in (SSN, CARD, "darn", "heck"):
            assert secret not in chunk
    joined = "".join(out)
    for k in range(4, len(SSN)):  # no fragment of an SSN survives either
        assert SSN[:k] not in joined
    largest = max(len(p) for p in pieces)
    assert result.stream["max_held_back"] <= len(CARD) + largest


def test_every_two_piece_split_of_an_ssn_is_masked_whole() -> None:
    guard = make()
    text = f"id {SSN} ok"
    for cut in range(1, len(text)):
        out, _ = streamed(guard, [text[:cut], text[cut:]])
        assert "".join(out) == "id {SSN} ok", cut


def test_the_issue_example_split() -> None:
    out, result = streamed(make(), ["SSN 123-4", "5-6789 end"])
    assert "".join(out) == "SSN {SSN} end"
    assert result.stream["mode"] == "incremental" and not result.blocked


def test_block_mid_stream_releases_nothing_after_the_offending_part() -> None:
    guard = make(SPEC + "  - find: {find: [EXPLOIT], on_fail: block}\n")
    text = "Here is a harmless start. " * 3 + "EXPLOIT details follow: " + "x" * 200
    out, result = streamed(guard, [text[i:i + 5] for i in range(0, len(text), 5)])
    assert result.blocked and result.blocked_stage == "output"
    assert out[-1] == "Sorry, I can't share that answer."
    released = "".join(out[:-1])
    assert text.startswith(released) and len(released) <= text.index("EXPLOIT")
    assert result.output == released + "Sorry, I can't share that answer."


def test_raise_in_a_stream_raises_after_the_released_text() -> None:
    guard = make(SPEC + "  - find: {find: [EXPLOIT], on_fail: raise}\n")
    stream = guard.stream(lambda p: iter(["ok text ", "more ", "EXPLOIT", " tail"]), "q")
    got = []
    with pytest.raises(GuardBlocked):
        for chunk in stream:
            got.append(chunk)
    assert "EXPLOIT" not in "".join(got) and "Sorry" not in "".join(got)


def test_remote_validator_is_batched_and_overlaps_generation() -> None:
    Remote.seen = []
    guard = make("railguard: 1\nname: r\noutput:\n  - remote: {batch: 1000, ms: 50}\n"
                 "  - find: {find: ['123-45-6789'], type: SSN}\n")
    sentence = "The quarterly report from Acme Corp is attached here. "
    text = (sentence * 80)[:4200]

    def model(prompt):
        for i in range(0, len(text), 4):
            time.sleep(0.0002)
            yield text[i:i + 4]

    t0 = time.perf_counter()
    stream = guard.stream(model, "q")
    out = "".join(stream)
    elapsed = time.perf_counter() - t0
    r = stream.result
    assert out == text.replace("Acme Corp", "{ORG}")
    assert 5 <= len(Remote.seen) <= 6  # about ceil(4200 / 1000) batches, not one call per token
    assert all(len(b) <= 1000 for b in Remote.seen) and "".join(Remote.seen) == text
    assert r.stream["text_units"] == sum(-(-len(b) // 1000) for b in Remote.seen)
    assert elapsed < 0.05 * len(Remote.seen) + 0.5  # generation and validation overlap
    assert r.stream["ttfb_ms"] is not None


def test_remote_block_stops_the_stream() -> None:
    Remote.seen = []
    guard = make("railguard: 1\nname: r\noutput:\n  - remote: {batch: 100, ms: 5}\n")
    text = "fine words here. " * 10 + "FORBIDDEN stuff. " + "more text. " * 30
    out, result = streamed(guard, [text[i:i + 7] for i in range(0, len(text), 7)])
    assert result.blocked and "FORBIDDEN" not in "".join(out)
    assert out[-1] == "Sorry, I can't share that answer."


def test_validator_timeout_in_a_stream_fails_closed() -> None:
    guard = make("railguard: 1\nname: r\noutput:\n  - remote: {batch: 20, ms: 400, timeout_s: 0.1}\n")
    out, result = streamed(guard, ["some text that is long enough ", "for a batch or two"])
    assert result.blocked and out == ["Sorry, I can't share that answer."]
    assert result.output_stage.assessments[0].error.startswith("timeout:")


def test_validator_error_with_on_error_allow_passes_in_a_stream() -> None:
    class Flaky(Remote):
        name = "flaky"

        def validate(self, text, context):
            raise ConnectionError("remote down")

    guard = guard_from("railguard: 1\nname: r\noutput:\n  - flaky: {batch: 10, on_error: allow}\n", Flaky)
    out, result = streamed(guard, ["abcdefghij", "klmnopqrst", "uv"])
    assert "".join(out) == "abcdefghijklmnopqrstuv" and not result.blocked
    assert "ConnectionError" in result.output_stage.assessments[0].error


def test_model_failure_mid_stream_ends_with_an_error_after_validated_text() -> None:
    guard = make()

    def model(prompt):
        yield "All good so far. Your SSN is 123-4"
        raise ConnectionResetError("stream broke")

    stream = guard.stream(model, "q")
    got = []
    with pytest.raises(ModelError, match="ConnectionResetError: stream broke"):
        for chunk in stream:
            got.append(chunk)
    released = "".join(got)
    sent = "All good so far. Your SSN is 123-4"
    assert "123-4" not in released and sent.startswith(released)
    assert len(released) == len(sent) - len(CARD)  # the held-back tail (look-ahead) is never released
    assert stream.result is not None and stream.result.stream["error"]


def test_reask_buffers_by_default_and_blocks_when_configured() -> None:
    spec = "railguard: 1\nname: r\noutput:\n  - find: {find: [BAD], on_fail: reask}\n"
    answers = [["this is ", "BAD"], ["this is ", "fine"]]
    guard = make(spec)
    stream = guard.stream(lambda p: iter(answers.pop(0)), "q")
    out = list(stream)
    assert out == ["this is fine"] and len(stream.result.reasks) == 1
    assert stream.result.stream["mode"] == "buffered" and "reask" in stream.result.stream["reason"]
    blocking = make(spec.replace("name: r\n", "name: r\nsettings: {stream_reask: block}\n"))
    out, result = streamed(blocking, ["this is ", "BAD", " tail"])
    assert result.blocked and out[-1] == "Sorry, I can't share that answer." and "BAD" not in "".join(out)


def test_whole_text_validators_and_fix_buffer_the_stream() -> None:
    guard = make("railguard: 1\nname: r\noutput:\n  - length: {max: 3, unit: words, on_fail: fix}\n")
    out, result = streamed(guard, ["one two ", "three four five"])
    assert out == ["one two three"] and result.stream["mode"] == "buffered"


def test_input_block_in_a_stream_never_calls_the_model() -> None:
    calls = []
    guard = make(SPEC + "input:\n  - find: {find: [attack], on_fail: block}\n")
    stream = guard.stream(lambda p: calls.append(p) or iter(["x"]), "an attack")
    assert list(stream) == ["Sorry, I can't help with that request."] and calls == []
    assert stream.result.blocked_stage == "input"


def test_decorated_generator_and_async_generator() -> None:
    guard = make(SPEC + "input:\n  - find: {find: ['bob@x.io'], type: EMAIL}\n")
    seen = []

    @guard
    def chat(question: str):
        seen.append(question)
        yield "Your SSN is 123-"
        yield "45-6789."

    stream = chat("I am bob@x.io")
    assert "".join(stream) == "Your SSN is {SSN}." and seen == ["I am {EMAIL}"]
    assert stream.result.stream["released_chars"] == len("Your SSN is {SSN}.")

    @guard
    async def achat(question: str):
        for piece in ["darn", " it"]:
            await asyncio.sleep(0)
            yield piece

    async def consume():
        s = achat("hi")
        return [c async for c in s], s.result

    out, result = asyncio.run(consume())
    assert "".join(out) == "{WORD} it" and result.action == "GUARDRAIL_INTERVENED"


def test_astream_over_an_async_model() -> None:
    async def model(prompt):
        for piece in ["card 4111-1111", "-1111-1111 ok"]:
            yield piece

    async def main():
        s = make().astream(model, "q")
        return await s.text()

    assert asyncio.run(main()) == "card {CARD} ok"


def test_a_ready_iterator_is_guarded_but_cannot_receive_a_masked_prompt() -> None:
    guard = make(SPEC + "input:\n  - find: {find: ['bob@x.io'], type: EMAIL}\n")
    assert guard.stream(iter(["darn"])).text() == "{WORD}"
    assert guard.stream(iter(["ok"]), "plain prompt").text() == "ok"
    with pytest.raises(RailguardError, match="produced before railguard saw it"):
        guard.stream(iter(["ok"]), "I am bob@x.io").text()


def test_stream_can_only_be_iterated_once_and_closes_early() -> None:
    closed = []

    def model(prompt):
        try:
            for i in range(1000):
                yield "word "
        finally:
            closed.append(True)

    stream = make().stream(model, "q")
    with stream:
        for _ in stream:
            break
    assert closed == [True]
    with pytest.raises(RailguardError, match="only once"):
        list(stream)
