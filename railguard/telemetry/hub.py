"""The active telemetry: spans around guard calls, stages, validators and model calls; sinks fed per call.

The runtime calls in at four points, each behind one check of ``state.hub``:

- :meth:`Telemetry.flow` wraps a flow generator (validate, call, stream): the guard span,
  model-call spans, and at the end the call's facts to every metric sink and the audit log;
- :meth:`Telemetry.stage` wraps a stage run (tracing only);
- :meth:`Telemetry.validator` / :meth:`avalidator` run one validator inside its span, which
  stays open until :meth:`decided` records the action the stage took on its verdict.

Span context: a wrapper attaches its span while the flow runs and while the driver handles
the flow's requests (so the pool jobs it submits, which copy the context, get the right
parent), and detaches before released text goes back to the caller of a stream.
Only ``opentelemetry-api`` is used; span attributes are names, counts, offsets and timings.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Generator

from .facts import call_facts, error_kind, text_units

__all__ = ["Telemetry"]

log = logging.getLogger("railguard.telemetry")

_ONE_STAGE = "railguard.one_stage"  # context key: this call runs one stage (validate), its span stands for it


class Telemetry:
    """Build one with :func:`railguard.telemetry.configure`."""

    def __init__(self, *, tracer: Any = None, sinks: tuple = (), audit: Any = None):
        self.tracer = tracer
        self.sinks = tuple(sinks)
        self.audit = audit
        if tracer is not None:
            from opentelemetry import context as otel_context
            from opentelemetry import trace

            self._attach = otel_context.attach
            self._detach = otel_context.detach
            self._get_value = otel_context.get_value
            self._set_value = otel_context.set_value
            self._current = trace.get_current_span
            self._in = trace.set_span_in_context
            self._error = trace.Status(trace.StatusCode.ERROR)
            self._client = trace.SpanKind.CLIENT

    def __repr__(self) -> str:
        parts = (["traces"] if self.tracer is not None else []) + [type(s).__name__ for s in self.sinks]
        return f"<Telemetry {' '.join(parts + (['audit'] if self.audit is not None else [])) or 'off'}>"

    # -- sinks ------------------------------------------------------------------------------------
    def record(self, result: Any, graph: Any, kind: str) -> None:
        """Feed one finished call to every sink. A failing sink is logged (its exception type) and skipped."""
        if not self.sinks and self.audit is None:
            return
        try:
            hasher = self.audit.hasher if self.audit is not None else None
            facts = call_facts(result, kind, graph.spec_hash, hasher)
        except Exception as exc:  # pragma: no cover - a bug here must not break the guarded call
            log.warning("telemetry: could not summarise a %s call of guard %s (%s)", kind, graph.name,
                        type(exc).__name__)
            return
        for sink in (*self.sinks, *((self.audit,) if self.audit is not None else ())):
            try:
                sink.record(facts)
            except Exception as exc:
                log.warning("telemetry: sink %s failed (%s)", type(sink).__name__, type(exc).__name__)

    def failed(self, graph: Any, kind: str, exc: BaseException) -> None:
        """A call that ended with an exception (the model failed, a plugin raised): counted by error type."""
        if isinstance(exc, GeneratorExit):
            return
        for sink in self.sinks:
            record_error = getattr(sink, "record_error", None)
            if record_error is None:
                continue
            try:
                record_error(graph.name, kind, type(exc).__name__)
            except Exception as err:
                log.warning("telemetry: sink %s failed (%s)", type(sink).__name__, type(err).__name__)

    # -- a guard call -----------------------------------------------------------------------------
    def flow(self, gen: Generator[Any, Any, Any], graph: Any, kind: str, source: str | None,
             chars: int | None) -> Generator[Any, Any, Any]:
        if self.tracer is None:
            return self._counted(gen, graph, kind)
        return self._traced(gen, graph, kind, source, chars)

    def _counted(self, gen: Generator[Any, Any, Any], graph: Any, kind: str) -> Generator[Any, Any, Any]:
        try:
            result = yield from gen
        except BaseException as exc:
            self.failed(graph, kind, exc)
            raise
        self.record(result, graph, kind)
        return result

    def _traced(self, gen: Generator[Any, Any, Any], graph: Any, kind: str, source: str | None,
                chars: int | None) -> Generator[Any, Any, Any]:
        attrs: dict[str, Any] = {"railguard.guard.name": graph.name, "railguard.spec.version": graph.spec.version,
                                 "railguard.spec.hash": graph.spec_hash, "railguard.call.kind": kind}
        if source is not None:
            attrs["railguard.source"] = source
        if chars is not None:
            attrs["railguard.text.length"] = chars
        span = self.tracer.start_span(f"railguard {kind}", attributes=attrs)
        ctx = self._in(span)
        if kind == "validate":  # one stage: the call's span is the stage's span too (one span fewer per call)
            ctx = self._set_value(_ONE_STAGE, True, ctx)
        token = None
        model: Any = None
        pieces = chars_in = 0
        value: Any = None
        throw: BaseException | None = None
        done = False
        try:
            while True:
                if token is None:
                    token = self._attach(ctx)
                try:
                    op = gen.throw(throw) if throw is not None else gen.send(value)
                except StopIteration as stop:
                    result = stop.value
                    break
                value, throw = None, None
                name = op.__class__.__name__
                if name == "Emit":  # released text goes to the caller's code: not in our context
                    self._detach(token)
                    token = None
                    try:
                        value = yield op
                    except GeneratorExit:
                        raise
                    except BaseException as exc:
                        throw = exc
                    continue
                if name == "CallModel" or name == "OpenStream":
                    model = self._model_span(op, stream=name == "OpenStream")
                    pieces = chars_in = 0
                mtoken = self._attach(self._in(model)) if model is not None else None
                try:
                    value = yield op
                except GeneratorExit:
                    raise
                except BaseException as exc:
                    throw = exc
                finally:
                    if mtoken is not None:
                        self._detach(mtoken)
                if model is not None and name in ("CallModel", "Pull"):
                    if isinstance(value, str):
                        pieces, chars_in = pieces + 1, chars_in + len(value)
                    if throw is not None or name == "CallModel" or value is None:
                        self._end_model(model, chars_in, pieces if name == "Pull" else None, throw)
                        model = None
            done = True
        except GeneratorExit:
            gen.close()
            span.set_attribute("railguard.cancelled", True)
            raise
        except BaseException as exc:
            span.set_status(self._error)
            span.set_attribute("error.type", type(exc).__name__)  # never the message: it may quote text
            self.failed(graph, kind, exc)
            raise
        finally:
            if model is not None:
                model.end()
            if token is not None:
                self._detach(token)
            if not done:
                span.end()
        _result_attrs(span, result)
        span.end()
        self.record(result, graph, kind)
        return result

    def _model_span(self, op: Any, stream: bool) -> Any:
        conv = op.conversation
        attrs = {"gen_ai.operation.name": "chat", "railguard.stream": stream,
                 "railguard.prompt.messages": len(conv.messages), "railguard.attempt": getattr(op, "attempt", 0)}
        return self.tracer.start_span("chat", kind=self._client, attributes=attrs)

    def _end_model(self, span: Any, chars: int, pieces: int | None, error: BaseException | None) -> None:
        if error is not None:
            span.set_status(self._error)
            span.set_attribute("error.type", type(error).__name__)
        span.set_attribute("railguard.response.length", chars)
        if pieces is not None:
            span.set_attribute("railguard.stream.pieces", pieces)
        span.end()

    # -- a stage ----------------------------------------------------------------------------------
    def stage(self, gen: Generator[Any, Any, Any], sg: Any, chars: int) -> Generator[Any, Any, Any]:
        if self._get_value(_ONE_STAGE):
            run = yield from gen
            self._current().set_attributes(_stage_attrs(run.result))
            return run
        span = self.tracer.start_span(f"railguard.stage {sg.stage}", attributes={
            "railguard.stage": sg.stage, "railguard.text.length": chars, "railguard.validators": len(sg.nodes)})
        token = self._attach(self._in(span))
        try:
            run = yield from gen
        except BaseException as exc:
            if not isinstance(exc, GeneratorExit):
                span.set_status(self._error)
                span.set_attribute("error.type", type(exc).__name__)
            span.end()
            raise
        finally:
            self._detach(token)
        span.set_attributes(_stage_attrs(run.result))
        span.end()
        return run

    # -- a validator ------------------------------------------------------------------------------
    def _validator_span(self, node: Any, chars: int, start_time: int | None = None) -> Any:
        spec = node.spec
        return self.tracer.start_span(f"railguard.validator {spec.name}", start_time=start_time, attributes={
            "railguard.validator.id": spec.id, "railguard.validator.name": spec.name, "railguard.stage": spec.stage,
            "railguard.mode": spec.mode, "railguard.on_fail": spec.on_fail, "railguard.text.length": chars})

    def validator(self, run: Callable[..., Any], node: Any, text: str, ctx: Any, stops: Any) -> Any:
        span = self._validator_span(node, len(text))
        token = self._attach(self._in(span))
        try:
            raw = run(node, text, ctx, stops)
        finally:
            self._detach(token)
        return _opened(span, raw)

    async def avalidator(self, run: Callable[..., Any], node: Any, text: str, ctx: Any, stops: Any) -> Any:
        span = self._validator_span(node, len(text))
        token = self._attach(self._in(span))
        try:
            raw = await run(node, text, ctx, stops)
        finally:
            self._detach(token)
        return _opened(span, raw)

    def decided(self, nodes: Any, raws: Any, assessments: Any) -> None:
        """Close each validator span with the action its stage took (or would take, monitored)."""
        if self.tracer is None:
            return
        for node, raw, a in zip(nodes, raws, assessments):
            handle = raw.span
            if handle is None:
                if a.error is None:
                    continue  # an inline validator run before tracing was switched on
                # No span: the job never answered (a timeout) or its setup failed. Draw it now.
                end = time.time_ns()
                span = self._validator_span(node, 0, end - int(raw.latency * 1e9))
                span.set_attributes({"railguard.decision": "error", "error.type": error_kind(a.error) or "error"})
                handle = (span, end)
            span, end_ns = handle
            attrs = {"railguard.action": a.action, "railguard.passed": a.passed}
            if a.monitored:
                attrs["railguard.monitored"] = True
                if a.would_action is not None:
                    attrs["railguard.would_action"] = a.would_action
            if error_kind(a.error) == "timeout":
                attrs["railguard.decision"] = "timeout"
                attrs["error.type"] = "timeout"
            span.set_attributes(attrs)
            span.end(end_time=end_ns)


def _opened(span: Any, raw: Any) -> Any:
    """Describe the run on its span (left open for the decision) and hand the span back with the Raw."""
    end_ns = time.time_ns()
    out = raw.outcome
    if raw.error is not None:
        span.set_attributes({"railguard.decision": "error", "error.type": type(raw.error).__name__})
    elif out is not None:
        counts: dict[str, int] = {}
        for s in out.spans:
            counts[s.type] = counts.get(s.type, 0) + 1
        attrs: dict[str, Any] = {"railguard.decision": "pass" if out.passed else "fail",
                                 "railguard.checked_chars": raw.checked, "railguard.entity_count": len(out.spans)}
        if counts:
            types = sorted(counts)
            attrs["railguard.entity_types"] = types
            attrs["railguard.entity_counts"] = [counts[t] for t in types]
        if out.categories:
            attrs["railguard.categories"] = list(out.categories)
        if out.score is not None:
            attrs["railguard.score"] = float(out.score)
        units = text_units(out.usage)
        if units:
            attrs["railguard.text_units"] = units
        chunks = out.details.get("chunks") if out.details else None
        if isinstance(chunks, int) and not isinstance(chunks, bool):
            attrs["railguard.chunks"] = chunks
        span.set_attributes(attrs)
    return type(raw)(raw.outcome, raw.error, raw.latency, raw.checked, (span, end_ns))


def _stage_attrs(r: Any) -> dict[str, Any]:
    attrs = {"railguard.stage": r.stage, "railguard.stage.action": _stage_action(r), "railguard.changed": r.changed,
             "railguard.reask": r.reask, "railguard.checked_chars": r.checked_chars}
    if r.would_action is not None:
        attrs["railguard.stage.would_action"] = r.would_action
    return attrs


def _stage_action(r: Any) -> str:
    if r.blocked:
        return "raise" if r.raise_ else "block"
    if r.reask:
        return "reask"
    if r.changed:
        acted = {a.action for a in r.assessments if not a.passed and not a.monitored}
        return "fix" if "fix" in acted else "mask"
    return "none"


def _result_attrs(span: Any, result: Any) -> None:
    attrs: dict[str, Any] = {"railguard.action": result.action, "railguard.blocked": result.blocked,
                             "railguard.would_intervene": result.would_intervene,
                             "railguard.reasks": len(result.reasks), "railguard.model_called": result.model_called,
                             "railguard.output.length": len(result.output)}
    if result.blocked_stage is not None:
        attrs["railguard.blocked_stage"] = result.blocked_stage
    units = text_units(result.usage)
    if units:
        attrs["railguard.text_units"] = units
    if result.stream is not None:
        for key in ("mode", "max_held_back", "released_chars", "validator_calls"):
            value = result.stream.get(key)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                attrs[f"railguard.stream.{key}"] = value
    span.set_attributes(attrs)
