"""The guarded call as one generator: input stage, model call, output stage, reask loop.

Drivers (:mod:`railguard.runtime.drive`) run it synchronously or asynchronously;
there is one copy of the logic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Generator

from .._frozen import EMPTY, FrozenMap
from ..graph import GuardGraph
from ..messages import Conversation, Message
from ..results import INTERVENED, NONE, GuardResult, Reask, StageResult
from ..telemetry import state as _telemetry
from ..validator import Context
from .stage import StageRun, apply_masks_ranges, run_stage

__all__ = ["CallModel", "GuardCall", "validate_flow", "call_flow", "correction_message"]


@dataclass(frozen=True)
class CallModel:
    """Ask the driver to call the model with this conversation and send back its text."""

    conversation: Conversation
    attempt: int = 0


@dataclass(frozen=True)
class GuardCall:
    """What a ``guard_call`` hook wrapper sees about the call it wraps."""

    guard: str
    kind: str  # "validate" | "call" | "stream"
    source: str | None = None
    metadata: FrozenMap = EMPTY


def _result(graph: GuardGraph, t0: float, *, output: str, blocked_stage: str | None = None,
            input: StageResult | None = None, output_stage: StageResult | None = None,
            reasks: tuple[Reask, ...] = (), model_called: bool = False) -> GuardResult:
    changed = any(s.changed for s in (input, output_stage) if s is not None) or bool(reasks)
    blocked = blocked_stage is not None
    return GuardResult(graph.name, INTERVENED if (blocked or changed) else NONE, blocked, output, blocked_stage,
                       input, output_stage, reasks, model_called, (time.perf_counter() - t0) * 1000.0,
                       renderers=RENDERERS)


def _to_bedrock(result: GuardResult) -> dict:
    from ..aws.bedrock_shape import result_to_bedrock  # on first use: the guard's import stays cheap

    return result_to_bedrock(result)


# What GuardResult.to_bedrock() and friends call: results (layer 0) import no renderer themselves.
RENDERERS = FrozenMap({"bedrock": _to_bedrock})


def validate_flow(graph: GuardGraph, text: str, source: str, metadata: FrozenMap = EMPTY,
                  messages: tuple[Message, ...] = ()) -> Generator[Any, Any, GuardResult]:
    """One stage on one text, no model. With no model to ask again, ``reask`` acts as ``block``."""
    gen = _validate_flow(graph, text, source, metadata, messages)
    hub = _telemetry.hub
    return gen if hub is None else hub.flow(gen, graph, "validate", source, len(text))


def _validate_flow(graph: GuardGraph, text: str, source: str, metadata: FrozenMap,
                   messages: tuple[Message, ...]) -> Generator[Any, Any, GuardResult]:
    t0 = time.perf_counter()
    sg = graph.stage(source)
    if not messages and source == "input":
        messages = (Message("user", text),)
    run: StageRun = yield from run_stage(sg, text, Context(source, "", graph.name, messages, metadata),
                                         graph.actions)
    res = run.result
    if res.reask:
        res = _reask_blocked(res, sg.blocked_message, "no model to ask again; blocked")
    if res.would_action == "reask":
        res = replace(res, would_action="block", would_text=sg.blocked_message)
    kw = {"input": res} if source == "input" else {"output_stage": res}
    return _result(graph, t0, output=res.text, blocked_stage=source if res.blocked else None, **kw)


def _reask_blocked(res: StageResult, blocked_message: str, why: str) -> StageResult:
    """A stage that wanted a reask but ends blocked: the assessments say ``block`` (what was done), with why."""
    assessments = tuple(replace(a, action="block", message=f"{a.message} ({why})") if a.action == "reask" else a
                        for a in res.assessments)
    return replace(res, text=blocked_message, blocked=True, changed=True, reask=False, assessments=assessments)


def _reask_failures(stage: StageResult) -> tuple:
    """The failures a reask is about: those whose action was reask (masked findings are masked anyway)."""
    return tuple(a for a in stage.failures if a.action == "reask")


def correction_message(stage: StageResult) -> str:
    """What the model is told on reask: each failure by validator and message, never the matched text."""
    lines = ["Your previous answer did not pass these checks:"]
    for a in _reask_failures(stage):
        why = a.message or a.error or "failed"
        lines.append(f"- {a.id}: {why}")
    lines.append("Answer the original request again, fixing every problem listed. Do not mention these checks.")
    return "\n".join(lines)


def _masked_answer(answer: str, stage: StageResult) -> str:
    """The rejected answer with every reported span replaced by its type, to show the model without echoing secrets."""
    spans = sorted((s for a in stage.failures for s in a.spans), key=lambda s: (s.start, -s.end))
    out, pos = [], 0
    for s in spans:
        if s.start < pos:
            pos = max(pos, s.end)
            continue
        out.append(answer[pos:s.start])
        out.append("{" + s.type + "}")
        pos = s.end
    out.append(answer[pos:])
    return "".join(out)


def _write_back(conversation: Conversation, run: StageRun, segments: list) -> Conversation | None:
    """The conversation with the input stage's changes applied to each user text; None if impossible."""
    if not run.result.changed:
        return conversation
    if run.fixed:
        if len(segments) != 1:
            return None
        return conversation.with_texts({segments[0][0]: run.result.text})
    joined, _ = conversation.user_text()
    new = {}
    # One sweep over turns and regions together: linear in the text, however many turns.
    masked_parts = apply_masks_ranges(joined, run.merged, [(start, end) for _, start, end in segments])
    for (key, start, end), masked in zip(segments, masked_parts):
        if masked != joined[start:end]:
            new[key] = masked
    return conversation.with_texts(new)


def input_part(graph: GuardGraph, conversation: Conversation, metadata: FrozenMap
               ) -> Generator[Any, Any, tuple[StageResult | None, Conversation | None]]:
    """The input stage over every user turn; the conversation to send on, or None when blocked."""
    if not graph.input:
        return None, conversation
    text, segments = conversation.user_text()
    run: StageRun = yield from run_stage(graph.input, text,
                                         Context("input", "", graph.name, conversation.messages, metadata),
                                         graph.actions)
    result = run.result
    if result.blocked:
        return result, None
    rewritten = _write_back(conversation, run, segments)
    if rewritten is None:
        return replace(result, text=graph.input.blocked_message, blocked=True, changed=True), None
    return result, rewritten


def output_part(graph: GuardGraph, conversation: Conversation, answer: str, metadata: FrozenMap
                ) -> Generator[Any, Any, tuple[StageResult, tuple[Reask, ...]]]:
    """The output stage on a whole answer, with the reask loop (each reask is a CallModel request)."""
    reasks: list[Reask] = []
    max_reasks = graph.spec.settings.max_reasks
    while True:
        run = yield from run_stage(graph.output, answer,
                                   Context("output", "", graph.name, conversation.messages, metadata),
                                   graph.actions)
        res = run.result
        if not res.reask:
            return res, tuple(reasks)
        if len(reasks) >= max_reasks:
            why = f"still failing after {max_reasks} reask(s); blocked" if max_reasks else "max_reasks is 0; blocked"
            return _reask_blocked(res, graph.output.blocked_message, why), tuple(reasks)
        correction = correction_message(res)
        reasks.append(Reask(len(reasks) + 1, tuple(a.id for a in _reask_failures(res)), correction, res))
        retry = conversation.appended(Message("assistant", _masked_answer(answer, res)), Message("user", correction))
        answer = yield CallModel(retry, len(reasks))


def call_flow(graph: GuardGraph, conversation: Conversation, metadata: FrozenMap = EMPTY
              ) -> Generator[Any, Any, GuardResult]:
    """Input stage, model call, output stage, reasks. A blocked input never reaches the model."""
    gen = _call_flow(graph, conversation, metadata)
    hub = _telemetry.hub
    return gen if hub is None else hub.flow(gen, graph, "call", None, None)


def _call_flow(graph: GuardGraph, conversation: Conversation, metadata: FrozenMap
               ) -> Generator[Any, Any, GuardResult]:
    t0 = time.perf_counter()
    input_result, sent = yield from input_part(graph, conversation, metadata)
    if sent is None:
        assert input_result is not None
        return _result(graph, t0, output=input_result.text, blocked_stage="input", input=input_result)
    answer = yield CallModel(sent, 0)
    res, reasks = yield from output_part(graph, sent, answer, metadata)
    return _result(graph, t0, output=res.text, blocked_stage="output" if res.blocked else None, input=input_result,
                   output_stage=res, reasks=reasks, model_called=True)
