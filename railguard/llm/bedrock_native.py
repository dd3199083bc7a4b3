"""A spec's Bedrock guardrail passed natively to Converse: one call instead of three.

:func:`call_with_native_guardrail` runs a guard whose ``bedrock_guardrail`` entries (one
guardrail, in both stages) are sent as the Converse call's ``guardrailConfig`` instead of two
ApplyGuardrail calls. Local validators run around the call as usual. The guardrail's trace
(``stopReason == "guardrail_intervened"``, ``trace.guardrail.inputAssessment`` /
``outputAssessments``) is read by the same rules as the ``bedrock_guardrail`` validator, so the
result has the same shape: one assessment per stage for the guardrail entry, the spec's
blocked messages, Bedrock's usage.

Trade-offs, against the default (ApplyGuardrail) path:

- fewer requests and less latency (one round trip), and no ApplyGuardrail text-unit quota;
- the guardrail checks the input *after* the local input validators (it sees their masks)
  rather than beside them, and checks the whole conversation Converse receives;
- Bedrock, not the spec, decides what a blocked call returns, so every ``on_fail`` of the
  guardrail entry acts as ``block`` (``raise`` still raises); masks Bedrock applies inside the
  call are in the model's input and answer, not in ``result.input.text``;
- local output validators check the text Bedrock returns (masked, or its blocked message);
- no client-side chunking or rate limiting: Converse's own input limits apply;
- the trace must be on (``NativeGuardrail(trace="enabled")``, the default).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Mapping, Sequence

from ..aws.bedrock_verdict import MalformedVerdict, read_verdict, text_units
from ..errors import GuardBlocked, RailguardError
from ..messages import Conversation
from ..results import INTERVENED, Assessment, GuardResult, Outcome, StageResult
from .base import Model
from .bedrock import BedrockConverse, ConverseReply

__all__ = ["call_with_native_guardrail"]


def _nodes(guard: Any, model: BedrockConverse) -> dict[str, Any]:
    native = model.guardrail
    if native is None:
        raise RailguardError("call_with_native_guardrail needs BedrockConverse(..., guardrail=NativeGuardrail(id, "
                             "version))")
    if native.trace == "disabled":
        raise RailguardError("the native guardrail's trace is disabled; railguard needs it to build the result "
                             "(use trace='enabled')")
    found: dict[str, Any] = {}
    wanted = native.id.rsplit("/", 1)[-1]
    for stage in ("input", "output"):
        nodes = [n for n in guard.graph.stage(stage).nodes if n.spec.name == "bedrock_guardrail"]
        if len(nodes) != 1:
            raise RailguardError(f"native mode needs exactly one bedrock_guardrail entry in the {stage} stage; the "
                                 f"spec has {len(nodes)} (Converse checks both input and output with one guardrail)")
        v = nodes[0].validator
        if v.guardrail_id.rsplit("/", 1)[-1] != wanted or v.version != str(native.version):
            raise RailguardError(f"the spec's {stage} guardrail is {v.guardrail_id} version {v.version}, the model "
                                 f"sends {native.id} version {native.version}")
        found[stage] = nodes[0]
    return found


class _Recorder(Model):
    """Calls Converse and keeps every reply; after a blocked input it stops calling."""

    def __init__(self, model: BedrockConverse):
        self.model = model
        self.name = model.name
        self.replies: list[tuple[Conversation, ConverseReply]] = []

    def invoke(self, conversation: Conversation) -> str:
        if self.replies and _input_blocked(self.replies[-1][1]):
            return self.replies[-1][1].text
        reply = self.model.converse(conversation.messages)
        self.replies.append((conversation, reply))
        return reply.text


def _trace(reply: ConverseReply) -> Mapping[str, Any]:
    return (reply.trace or {}).get("guardrail") or {}


def _input_blocked(reply: ConverseReply) -> bool:
    t = _trace(reply)
    return reply.guardrail_intervened and not t.get("outputAssessments")


def _usage(assessments: Sequence[Mapping[str, Any]], chars: int) -> dict[str, Any]:
    usage: dict[str, Any] = {}
    for a in assessments:
        metrics = a.get("invocationMetrics") if isinstance(a, Mapping) else None
        used = metrics.get("usage") if isinstance(metrics, Mapping) else None
        for k, v in (used.items() if isinstance(used, Mapping) else ()):
            if isinstance(v, int) and not isinstance(v, bool):
                usage[k] = usage.get(k, 0) + v
    usage["guardrail_text_units"] = text_units(chars)
    return usage


def _assessment(node: Any, out: Outcome, stage: str, checked: int, keep_spans: bool) -> Assessment:
    spans = out.spans if keep_spans else ()
    if out.passed:
        return Assessment(node.spec.name, node.id, stage, True, "none", None, spans, out.categories, out.score, 0.0,
                          None, out.details, out.usage, checked)
    action = "raise" if node.spec.on_fail == "raise" else "block"
    if out.action is None and out.spans and all(s.action in ("mask", "log") for s in out.spans):
        action = "mask"
    return Assessment(node.spec.name, node.id, stage, False, action, out.message, spans, out.categories, out.score,
                      0.0, None, out.details, out.usage, checked)


def _verdict(node: Any, assessments: list[Mapping[str, Any]], intervened: bool, checked: str,
             reply: ConverseReply, present: bool = True) -> Outcome:
    """The guardrail's verdict on ``checked``, the text it saw (for the output: the model's own answer).
    A trace without the assessment, or a malformed one, blocks: it cannot clear the text."""
    label = f"guardrail {node.validator.guardrail_id} version {node.validator.version} (native)"
    if not present:
        return Outcome.fail(f"Bedrock {label}: the Converse answer carries no guardrail trace for this stage; "
                            "blocked (fail closed)", action="block", details={"mode": "native", "malformed": True})
    try:
        return _read(node, assessments, intervened, checked, reply)
    except MalformedVerdict as exc:
        return Outcome.fail(f"{exc}; blocked (fail closed)", action="block", details={"mode": "native",
                                                                                      "malformed": True})


def _read(node: Any, assessments: list[Mapping[str, Any]], intervened: bool, checked: str,
          reply: ConverseReply) -> Outcome:
    return read_verdict(checked, assessments, intervened=intervened, outputs_text=reply.text if intervened else None,
                        label=f"guardrail {node.validator.guardrail_id} version {node.validator.version} (native)",
                        unlocated_action="block", usage=_usage(assessments, len(checked)),
                        action_reason=_trace(reply).get("actionReason"),
                        extra_details={"guardrail": node.validator.guardrail_id, "version": node.validator.version,
                                       "mode": "native"}, masked_upstream=True)


def call_with_native_guardrail(guard: Any, model: BedrockConverse, prompt_or_messages: Any, *,
                               metadata: Mapping[str, Any] | None = None) -> GuardResult:
    """Run ``guard`` around ``model`` with the spec's Bedrock guardrail passed in ``guardrailConfig``."""
    t0 = time.perf_counter()
    nodes = _nodes(guard, model)
    graph = guard.graph
    local = replace(graph, input=replace(graph.input, nodes=tuple(n for n in graph.input.nodes
                                                                   if n is not nodes["input"])),
                    output=replace(graph.output, nodes=tuple(n for n in graph.output.nodes
                                                             if n is not nodes["output"])))
    recorder = _Recorder(model)
    try:
        # The same Guard class over the local part of the graph (this layer does not import the facade).
        base = type(guard)(local, guard.registry).call(recorder, prompt_or_messages, metadata=metadata)
    except GuardBlocked as exc:
        base = exc.result
    result = _merge(guard, base, recorder, nodes, prompt_or_messages)
    result = replace(result, latency_ms=(time.perf_counter() - t0) * 1000.0)
    if any(s.raise_ for s in result.stages) or (result.blocked and graph.spec.settings.on_block == "raise"):
        raise GuardBlocked(result)
    return result


def _stage(stage: str, local: StageResult | None, text: str, checked: str | None = None) -> StageResult:
    """The local stage's result, or (no local validators) a stage whose checked text is what Bedrock saw."""
    if local is not None and local.assessments:
        return local
    checked = text if checked is None else checked
    return StageResult(stage, text, False, text != checked, (), len(checked), len(checked), 0.0,
                       source_text=checked)


def _merge(guard: Any, base: GuardResult, recorder: _Recorder, nodes: Mapping[str, Any],
           prompt: Any) -> GuardResult:
    graph = guard.graph
    if not recorder.replies:  # the local input stage blocked: the guardrail was never asked
        return base
    first_conv, first = recorder.replies[0]
    t = _trace(first)
    user_text = Conversation.parse(prompt).user_text()[0]
    in_stage = _stage("input", base.input, user_text)
    sent = "\n".join(m.content for m in first_conv.messages if m.role in ("user", "assistant"))
    in_assessments = list((t.get("inputAssessment") or {}).values())
    blocked_in = _input_blocked(first)
    out_in = _verdict(nodes["input"], in_assessments, blocked_in, in_stage.source_text, first,
                      present=isinstance(t.get("inputAssessment"), Mapping))
    keep = sent == in_stage.source_text
    a_in = _assessment(nodes["input"], out_in, "input", len(sent), keep)
    if blocked_in or (not out_in.passed and a_in.action in ("block", "raise")):
        message = graph.input.blocked_message
        stage = replace(in_stage, text=message, blocked=True, changed=True, assessments=in_stage.assessments + (a_in,),
                        raise_=a_in.action == "raise" or in_stage.raise_)
        return GuardResult(base.guard, INTERVENED, True, message, "input", stage, None, (), False, base.latency_ms,
                           renderers=base.renderers)
    in_stage = replace(in_stage, assessments=in_stage.assessments + (a_in,),
                       changed=in_stage.changed or not out_in.passed)
    _, last = recorder.replies[-1]
    lt = _trace(last)
    out_assessments = [a for group in (lt.get("outputAssessments") or {}).values() for a in group]
    original = (lt.get("modelOutput") or [None])[0] if last.guardrail_intervened else None
    out_stage = _stage("output", base.output_stage, last.text, original)
    out_out = _verdict(nodes["output"], out_assessments, last.guardrail_intervened, original or last.text, last)
    a_out = _assessment(nodes["output"], out_out, "output", len(original or last.text),
                        keep_spans=(original or last.text) == out_stage.source_text)
    if not out_out.passed and a_out.action in ("block", "raise"):
        message = graph.output.blocked_message
        out_stage = replace(out_stage, text=message, blocked=True, changed=True,
                            assessments=out_stage.assessments + (a_out,), raise_=a_out.action == "raise")
        return GuardResult(base.guard, INTERVENED, True, message, "output", in_stage, out_stage, base.reasks, True,
                           base.latency_ms, renderers=base.renderers)
    out_stage = replace(out_stage, assessments=out_stage.assessments + (a_out,),
                        changed=out_stage.changed or not out_out.passed)
    intervened = base.intervened or not out_in.passed or not out_out.passed
    return replace(base, action=INTERVENED if intervened else base.action, input=in_stage, output_stage=out_stage)
