"""What the sinks may know about a guard call: counts, names, offsets, timings. Never text.

A :class:`GuardResult` holds the checked text and validator messages (which a careless
validator might fill with the text); the facts drawn from it here are the only thing
metrics, EMF lines and audit records are built from. Error messages are reduced to the
exception type; messages and details are dropped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["Verdict", "StageFacts", "CallFacts", "call_facts", "text_units", "spec_hash", "error_kind"]


@dataclass(frozen=True)
class Verdict:
    """One failed validator verdict of one stage run: acted on (enforce) or only recorded (monitor)."""

    stage: str
    validator: str  # the entry id
    name: str  # the validator's registered name
    action: str  # the action taken ("none" for a monitored verdict)
    mode: str  # "enforce" | "monitor"
    would_action: str | None
    error: str | None  # None, "timeout" or the exception type name
    entity_types: tuple[str, ...]
    spans: tuple[tuple[str, int, int], ...]  # (type, start, end) in the stage's checked text
    categories: tuple[str, ...]
    score: float | None
    attempt: int = 0  # 0, or the reask round this output stage checked
    hashes: tuple[str, ...] = ()  # keyed hashes of the detected values, aligned with spans (audit only)


@dataclass(frozen=True)
class StageFacts:
    stage: str
    latency_ms: float
    intervened: bool
    blocked: bool
    would_action: str | None
    text_units: float
    chars: int
    validator_ms: tuple[tuple[str, str, float], ...]  # (entry id, validator name, ms)
    errors: tuple[tuple[str, str], ...]  # (entry id, "error" | "timeout")
    verdicts: tuple[Verdict, ...]


@dataclass(frozen=True)
class CallFacts:
    guard: str
    kind: str  # "validate" | "call" | "stream"
    spec_hash: str
    latency_ms: float
    intervened: bool
    would_intervene: bool
    blocked_stage: str | None
    reasks: int
    stages: tuple[StageFacts, ...]
    held_back: int | None  # a stream's largest hold-back, in characters


def spec_hash(spec: Any) -> str:
    """A short, stable hash of a spec's meaning (its plain-data form), to tell versions apart."""
    data = json.dumps(spec.to_dict(), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def text_units(usage: Any) -> float:
    """Text units sent to Bedrock: ``text_units``/``*_text_units`` keys, or the sum of ApplyGuardrail's
    per-policy ``*Units`` (free units included: they are text Bedrock processed)."""
    total = 0.0
    for key, value in usage.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if key == "text_units" or key.endswith("_text_units") or (key.endswith("Units") and "Policy" in key):
            total += value
    return total


def error_kind(error: str | None) -> str | None:
    """An assessment's error reduced to what sinks may carry: "timeout" or the exception type name."""
    if error is None:
        return None
    if error.startswith("timeout:"):
        return "timeout"
    head = error.split(":", 1)[0].strip()
    return head if head.isidentifier() else "error"


Hasher = Callable[[str], str]


def _verdicts(stage: Any, attempt: int, hasher: Hasher | None) -> list[Verdict]:
    out = []
    text = stage.source_text
    for a in stage.assessments:
        if a.passed:
            continue
        types = tuple(sorted({s.type for s in a.spans}))
        hashes = ()
        if hasher is not None:
            hashes = tuple(hasher(text[s.start:s.end]) if s.end <= len(text) else "" for s in a.spans)
        out.append(Verdict(a.stage, a.id, a.validator, a.action, "monitor" if a.monitored else "enforce",
                           a.would_action, error_kind(a.error), types,
                           tuple((s.type, s.start, s.end) for s in a.spans), tuple(a.categories), a.score, attempt,
                           hashes))
    return out


def _stage(stage: Any, extra_rounds: Iterable[Any] = (), hasher: Hasher | None = None) -> StageFacts:
    verdicts = []
    units = 0.0
    timings = []
    errors = []
    for n, round_ in enumerate(extra_rounds, start=1):  # rejected answers of reask rounds come first
        verdicts += _verdicts(round_, n, hasher)
        units += sum(text_units(a.usage) for a in round_.assessments)
    for a in stage.assessments:
        units += text_units(a.usage)
        timings.append((a.id, a.validator, a.latency_ms))
        kind = error_kind(a.error)
        if kind is not None:
            errors.append((a.id, "timeout" if kind == "timeout" else "error"))
    verdicts += _verdicts(stage, 0, hasher)
    return StageFacts(stage.stage, stage.latency_ms, stage.blocked or stage.changed, stage.blocked,
                      stage.would_action, units, stage.total_chars, tuple(timings), tuple(errors), tuple(verdicts))


def call_facts(result: Any, kind: str, hash_: str, hasher: Hasher | None = None) -> CallFacts:
    """The facts of one guard call; ``hasher`` (the audit log's keyed hash) adds a hash per detected value."""
    stages = []
    if result.input is not None:
        stages.append(_stage(result.input, (), hasher))
    if result.output_stage is not None:
        stages.append(_stage(result.output_stage, [r.stage for r in result.reasks], hasher))
    held = None
    if result.stream is not None:
        held = result.stream.get("max_held_back")
    return CallFacts(result.guard, kind, hash_, result.latency_ms, result.intervened, result.would_intervene,
                     result.blocked_stage, len(result.reasks), tuple(stages),
                     int(held) if isinstance(held, (int, float)) else None)
