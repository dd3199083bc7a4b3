"""OpenTelemetry spans: one per guard call, children per stage, validator and model call; context flows
into the thread pool, the background loop and asyncio; nothing sensitive becomes an attribute."""

from __future__ import annotations

import asyncio
import time

import pytest
from opentelemetry import trace

from railguard import Context, Outcome, Span, Validator, telemetry
from railguard.telemetry import state

from coretest import guard_from
from fakes import ALL


class Remote(Validator):
    """A thread validator that makes a 'remote call' traced by the application's own tracer."""

    name = "remote"
    params_schema = {"type": "object", "properties": {}}
    provider = None

    def validate(self, text: str, context: Context) -> Outcome:
        with Remote.provider.get_tracer("app").start_as_current_span("remote-call"):
            time.sleep(0.005)
        return Outcome.ok(usage={"text_units": 2})


class AsyncRemote(Validator):
    name = "async_remote"
    params_schema = {"type": "object", "properties": {}}

    async def validate(self, text: str, context: Context) -> Outcome:
        with Remote.provider.get_tracer("app").start_as_current_span("async-remote-call"):
            await asyncio.sleep(0.005)
        return Outcome.fail("found", spans=[Span(0, 2, "TOKEN"), Span(3, 5, "TOKEN")], categories=["S1"],
                            score=0.9)


def guard(text: str):
    return guard_from(text, *ALL, Remote, AsyncRemote)


SPEC = """railguard: 1
name: traced
input:
  - find: {find: [cat], type: CAT}
  - remote: {}
  - async_remote: {on_fail: log}
output:
  - find: {find: [dog], on_fail: block, mode: monitor}
"""


def by_name(spans):
    out = {}
    for s in spans:
        out.setdefault(s.name, []).append(s)
    return out


def parent_of(span, spans):
    return next((s for s in spans if span.parent is not None and s.context.span_id == span.parent.span_id), None)


def all_attribute_text(spans) -> str:
    return repr([(s.name, dict(s.attributes), [(e.name, dict(e.attributes)) for e in s.events]) for s in spans])


def test_a_call_is_one_tree_guard_stage_validator_model(tracing) -> None:
    provider, exporter = tracing
    Remote.provider = provider
    g = guard(SPEC)
    r = g.call(lambda prompt: "a dog barks", "my cat ab cd")
    assert r.output == "a dog barks" and r.input.text == "my {CAT} ab cd"
    spans = exporter.get_finished_spans()
    names = by_name(spans)
    (root,) = names["railguard call"]
    assert root.parent is None
    assert root.attributes["railguard.guard.name"] == "traced"
    assert root.attributes["railguard.spec.hash"] == g.graph.spec_hash
    assert root.attributes["railguard.spec.version"] == 1
    assert root.attributes["railguard.action"] == "GUARDRAIL_INTERVENED"
    assert root.attributes["railguard.would_intervene"] is True
    stage_in, stage_out = names["railguard.stage input"][0], names["railguard.stage output"][0]
    assert parent_of(stage_in, spans) is root and parent_of(stage_out, spans) is root
    assert stage_in.attributes["railguard.stage.action"] == "mask"
    assert stage_out.attributes["railguard.stage.would_action"] == "block"
    (chat,) = names["chat"]
    assert parent_of(chat, spans) is root and chat.attributes["gen_ai.operation.name"] == "chat"
    assert chat.attributes["railguard.response.length"] == len("a dog barks")
    assert chat.kind == trace.SpanKind.CLIENT
    finds = names["railguard.validator find"]
    f_in = next(s for s in finds if s.attributes["railguard.stage"] == "input")
    f_out = next(s for s in finds if s.attributes["railguard.stage"] == "output")
    assert parent_of(f_in, spans) is stage_in and parent_of(f_out, spans) is stage_out
    assert f_in.attributes["railguard.action"] == "mask" and f_in.attributes["railguard.entity_types"] == ("CAT",)
    assert f_out.attributes["railguard.action"] == "none" and f_out.attributes["railguard.would_action"] == "block"
    assert f_out.attributes["railguard.monitored"] is True and f_out.attributes["railguard.mode"] == "monitor"
    # The thread-pool validator and the background-loop validator are children of the stage span,
    # and the spans their own code opens are children of theirs.
    (remote,) = names["railguard.validator remote"]
    (aremote,) = names["railguard.validator async_remote"]
    assert parent_of(remote, spans) is stage_in and parent_of(aremote, spans) is stage_in
    assert parent_of(names["remote-call"][0], spans) is remote
    assert parent_of(names["async-remote-call"][0], spans) is aremote
    assert remote.attributes["railguard.text_units"] == 2
    assert aremote.attributes["railguard.entity_counts"] == (2,)
    assert aremote.attributes["railguard.categories"] == ("S1",)
    assert aremote.attributes["railguard.score"] == pytest.approx(0.9)
    assert aremote.attributes["railguard.action"] == "log"
    text = all_attribute_text(spans)
    assert "my cat" not in text and "a dog barks" not in text and "ab cd" not in text


def test_async_calls_keep_the_tree(tracing) -> None:
    provider, exporter = tracing
    Remote.provider = provider
    g = guard(SPEC)

    async def main():
        return await asyncio.gather(g.acall(_amodel, "cat one"), g.acall(_amodel, "cat two"))

    results = asyncio.run(main())
    assert [r.input.text for r in results] == ["{CAT} one", "{CAT} two"]
    spans = exporter.get_finished_spans()
    roots = [s for s in spans if s.name == "railguard call"]
    assert len(roots) == 2 and all(r.parent is None for r in roots)
    for name in ("railguard.validator remote", "railguard.validator async_remote"):
        for s in (x for x in spans if x.name == name):
            stage = parent_of(s, spans)
            assert stage.name == "railguard.stage input" and parent_of(stage, spans) in roots
    for s in (x for x in spans if x.name == "remote-call"):
        assert parent_of(s, spans).name == "railguard.validator remote"
    # the two concurrent calls do not adopt each other's spans
    trees = {r.context.trace_id for r in roots}
    assert len(trees) == 2 and {s.context.trace_id for s in spans} == trees


async def _amodel(prompt):
    await asyncio.sleep(0)
    return "fine"


def test_a_stream_traces_the_model_stream_and_never_leaks_context_to_the_consumer(tracing) -> None:
    _, exporter = tracing
    g = guard("railguard: 1\nname: s\noutput:\n  - find: {find: [dog], type: DOG}\n")
    seen = []
    with trace.get_tracer("consumer").start_as_current_span("consumer") as mine:
        stream = g.stream(lambda prompt: iter(["a do", "g and ", "more text ", "here"]), "q")
        for piece in stream:
            seen.append((piece, trace.get_current_span() is mine))
    assert "".join(p for p, _ in seen) == "a {DOG} and more text here"
    assert all(ok for _, ok in seen)  # the consumer's own span stays current while it reads the stream
    spans = exporter.get_finished_spans()
    (root,) = [s for s in spans if s.name == "railguard stream"]
    assert root.attributes["railguard.stream.mode"] == "incremental"
    assert root.attributes["railguard.stream.max_held_back"] >= 0
    (chat,) = [s for s in spans if s.name == "chat"]
    assert chat.attributes["railguard.stream"] is True and chat.attributes["railguard.stream.pieces"] == 4
    assert chat.attributes["railguard.response.length"] == len("a dog and more text here")
    finds = [s for s in spans if s.name == "railguard.validator find"]
    assert finds and all(parent_of(s, spans) is root for s in finds)


def test_timeouts_and_errors_are_attributes_without_messages(tracing) -> None:
    _, exporter = tracing
    g = guard("railguard: 1\nname: e\ninput:\n  - sleep: {ms: 300, timeout_s: 0.05}\n  - boom: {}\n")
    r = g.validate("secret words here")
    assert r.blocked
    spans = exporter.get_finished_spans()
    # validate runs one stage: its span is the call's span, which carries the stage's attributes
    (root,) = [s for s in spans if s.name == "railguard validate"]
    assert not [s for s in spans if s.name.startswith("railguard.stage")]
    assert root.attributes["railguard.stage"] == "input" and root.attributes["railguard.stage.action"] == "block"
    assert all(parent_of(s, spans) is root for s in spans if s is not root)
    (sleep,) = [s for s in spans if s.name == "railguard.validator sleep"]
    (boom,) = [s for s in spans if s.name == "railguard.validator boom"]
    assert sleep.attributes["railguard.decision"] == "timeout" and sleep.attributes["error.type"] == "timeout"
    assert boom.attributes["railguard.decision"] == "error" and boom.attributes["error.type"] == "RuntimeError"
    assert boom.attributes["railguard.action"] == "block"
    assert "secret words" not in all_attribute_text(spans)


def test_a_failing_model_marks_its_span(tracing) -> None:
    _, exporter = tracing
    g = guard("railguard: 1\nname: m\noutput:\n  - find: {find: [dog]}\n")

    def broken(prompt):
        raise ConnectionError("the prompt was: private stuff")

    with pytest.raises(Exception):
        g.call(broken, "private stuff")
    spans = exporter.get_finished_spans()
    (chat,) = [s for s in spans if s.name == "chat"]
    (root,) = [s for s in spans if s.name == "railguard call"]
    assert chat.status.status_code == trace.StatusCode.ERROR and root.status.status_code == trace.StatusCode.ERROR
    assert root.attributes["error.type"] == "ModelError"
    assert "private stuff" not in all_attribute_text(spans)


def test_off_means_no_hub_and_no_spans(tracing) -> None:
    _, exporter = tracing
    telemetry.disable()
    assert state.hub is None and telemetry.current() is None
    guard(SPEC.replace("  - remote: {}\n  - async_remote: {on_fail: log}\n", "")).validate("cat")
    assert exporter.get_finished_spans() == ()
