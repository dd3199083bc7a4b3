"""Result values: what a validator found, what each stage did, what the guard returned.

Everything here is frozen. Results never hold the matched text of a span, only its
type and offsets, so a result can be logged or serialised without leaking a secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ._frozen import EMPTY, FrozenMap, freeze, thaw

__all__ = ["Span", "Outcome", "Assessment", "StageResult", "Reask", "GuardResult"]

NONE = "NONE"
INTERVENED = "GUARDRAIL_INTERVENED"


@dataclass(frozen=True, order=True)
class Span:
    """A region of the validated text: ``text[start:end]`` is an entity of ``type``.

    ``action`` optionally overrides the validator's ``on_fail`` for this span (for
    example a PII entity configured to ``block`` while the others ``mask``).
    ``explanation`` says why it matched (recognizer, pattern, context words).
    """

    start: int
    end: int
    type: str
    score: float | None = None
    action: str | None = None
    explanation: str | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"invalid span offsets {self.start}..{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def shifted(self, offset: int) -> "Span":
        return Span(self.start + offset, self.end + offset, self.type, self.score, self.action, self.explanation)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "start": self.start, "end": self.end}
        if self.score is not None:
            d["score"] = self.score
        if self.action is not None:
            d["action"] = self.action
        if self.explanation is not None:
            d["explanation"] = self.explanation
        return d


@dataclass(frozen=True)
class Outcome:
    """What a validator's ``validate`` returns: pass, or fail with details.

    Build one with :meth:`ok` or :meth:`fail`. ``message`` must never quote the
    offending text (it is shown to users, written to logs and sent back to the
    model on reask); name the entity type or rule instead.
    """

    passed: bool
    message: str | None = None
    spans: tuple[Span, ...] = ()
    categories: tuple[str, ...] = ()
    score: float | None = None
    fix: str | None = None
    action: str | None = None
    details: FrozenMap = EMPTY
    usage: FrozenMap = EMPTY

    @classmethod
    def ok(cls, *, details: Mapping[str, Any] | None = None, usage: Mapping[str, Any] | None = None,
           spans: Iterable[Span] = (), categories: Iterable[str] = (), score: float | None = None) -> "Outcome":
        """A pass. Spans and categories may still be recorded (detected but not acted on)."""
        if details is None and usage is None and not spans and not categories and score is None:
            return _OK
        return cls(True, None, tuple(spans), tuple(categories), score, None, None,
                   freeze(details or {}), freeze(usage or {}))

    @classmethod
    def fail(cls, message: str, *, spans: Iterable[Span] = (), categories: Iterable[str] = (),
             score: float | None = None, fix: str | None = None, action: str | None = None,
             details: Mapping[str, Any] | None = None, usage: Mapping[str, Any] | None = None) -> "Outcome":
        """A failure. ``action`` overrides the spec's on_fail for this outcome."""
        return cls(False, message, tuple(sorted(spans)), tuple(categories), score, fix, action,
                   freeze(details or {}), freeze(usage or {}))


_OK = Outcome(True)


@dataclass(frozen=True)
class Assessment:
    """One validator's verdict within one stage run, and what was done about it."""

    validator: str
    id: str
    stage: str
    passed: bool
    action: str = "none"
    message: str | None = None
    spans: tuple[Span, ...] = ()
    categories: tuple[str, ...] = ()
    score: float | None = None
    latency_ms: float = 0.0
    error: str | None = None
    details: FrozenMap = EMPTY
    usage: FrozenMap = EMPTY
    checked_chars: int = 0
    on_fail: str | None = None  # the entry's configured action (per-span/outcome actions may differ)
    # Monitor mode: the verdict is recorded, ``action`` stays "none" and ``would_action`` names
    # the action enforce mode would have taken.
    monitored: bool = False
    would_action: str | None = None
    # Not run: a size check (``length``) blocked the stage first, so this validator gave no verdict.
    skipped: bool = False

    def summary(self) -> str:
        what = self.error or self.message or ("passed" if self.passed else "failed")
        return f"{self.id}: {what}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "validator": self.validator,
            "id": self.id,
            "stage": self.stage,
            "passed": self.passed,
            "action": self.action,
            "message": self.message,
            "spans": [s.to_dict() for s in self.spans],
            "categories": list(self.categories),
            "score": self.score,
            "latency_ms": round(self.latency_ms, 3),
            "error": self.error,
            "details": thaw(self.details),
            "usage": thaw(self.usage),
            "checked_chars": self.checked_chars,
            "on_fail": self.on_fail,
            **({"monitored": True, "would_action": self.would_action} if self.monitored else {}),
            **({"skipped": True} if self.skipped else {}),
        }


@dataclass(frozen=True)
class StageResult:
    """What one stage did to one text."""

    stage: str
    text: str
    blocked: bool
    changed: bool
    assessments: tuple[Assessment, ...]
    total_chars: int
    checked_chars: int
    latency_ms: float = 0.0
    reask: bool = False
    raise_: bool = False
    # Set when a monitored validator failed: the action this stage would have taken (and the text
    # it would have passed on: masked, fixed or the blocked message; None for reask) had every
    # monitored validator enforced. None when no monitored verdict would change anything.
    would_action: str | None = None
    would_text: str | None = None
    # The text the stage checked, kept for renderings that quote matches (Bedrock's shape);
    # never part of to_dict() or repr.
    source_text: str = field(default="", repr=False, compare=False)

    @property
    def failures(self) -> tuple[Assessment, ...]:
        """Failed verdicts that were acted on (monitored ones are in :attr:`monitored`)."""
        return tuple(a for a in self.assessments if not a.passed and not a.monitored)

    @property
    def monitored(self) -> tuple[Assessment, ...]:
        """Failed verdicts of validators in monitor mode: recorded, not acted on."""
        return tuple(a for a in self.assessments if a.monitored and not a.passed)

    def to_dict(self) -> dict[str, Any]:
        extra = {"would_action": self.would_action, "would_text": self.would_text} if self.would_action else {}
        return {
            **extra,
            "stage": self.stage,
            "blocked": self.blocked,
            "changed": self.changed,
            "total_chars": self.total_chars,
            "checked_chars": self.checked_chars,
            "latency_ms": round(self.latency_ms, 3),
            "assessments": [a.to_dict() for a in self.assessments],
        }


@dataclass(frozen=True)
class Reask:
    """One reask round: which checks the rejected answer failed and what the model was told."""

    attempt: int
    failed: tuple[str, ...]
    correction: str
    stage: StageResult

    def to_dict(self) -> dict[str, Any]:
        return {"attempt": self.attempt, "failed": list(self.failed), "correction": self.correction,
                "stage": self.stage.to_dict()}


def _sum_usage(parts: Iterable[Mapping[str, Any]]) -> FrozenMap:
    total: dict[str, Any] = {}
    for usage in parts:
        for key, value in usage.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return FrozenMap(total)


@dataclass(frozen=True)
class GuardResult:
    """The outcome of a guarded call or of ``guard.validate``.

    ``output`` is the text to hand on: the original, masked or fixed text, or the
    spec's blocked message. ``action`` is ``GUARDRAIL_INTERVENED`` when the guard
    changed or blocked anything, as in Bedrock's ApplyGuardrail.
    """

    guard: str
    action: str
    blocked: bool
    output: str
    blocked_stage: str | None = None
    input: StageResult | None = None
    output_stage: StageResult | None = None
    reasks: tuple[Reask, ...] = ()
    model_called: bool = False
    latency_ms: float = 0.0
    stream: FrozenMap | None = None
    # How to render this result in other systems' shapes, by name ("bedrock"), attached by the
    # layer that built it: this module stays at the bottom layer and imports no renderer.
    renderers: FrozenMap = field(default=EMPTY, repr=False, compare=False)

    @property
    def stages(self) -> tuple[StageResult, ...]:
        return tuple(s for s in (self.input, self.output_stage) if s is not None)

    @property
    def assessments(self) -> tuple[Assessment, ...]:
        """Assessments of the input stage and of the final output stage round."""
        return tuple(a for s in self.stages for a in s.assessments)

    @property
    def failures(self) -> tuple[Assessment, ...]:
        return tuple(a for a in self.assessments if not a.passed and not a.monitored)

    @property
    def monitored(self) -> tuple[Assessment, ...]:
        """Failed verdicts of monitored validators (recorded, not acted on)."""
        return tuple(a for a in self.assessments if a.monitored and not a.passed)

    @property
    def intervened(self) -> bool:
        return self.action == INTERVENED

    @property
    def would_intervene(self) -> bool:
        """Whether the guard would have intervened had every monitored validator enforced."""
        return self.intervened or any(s.would_action not in (None, "none") for s in self.stages)

    @property
    def usage(self) -> FrozenMap:
        rounds = [a.usage for a in self.assessments]
        rounds += [a.usage for r in self.reasks for a in r.stage.assessments]
        return _sum_usage(rounds)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "guard": self.guard,
            "action": self.action,
            "blocked": self.blocked,
            "blocked_stage": self.blocked_stage,
            "output": self.output,
            "model_called": self.model_called,
            "latency_ms": round(self.latency_ms, 3),
            "stages": [s.to_dict() for s in self.stages],
            "reasks": [r.to_dict() for r in self.reasks],
            "usage": thaw(self.usage),
        }
        if self.stream is not None:
            d["stream"] = thaw(self.stream)
        return d

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    def to_bedrock(self) -> dict[str, Any]:
        """This result in the shape of Bedrock's ApplyGuardrail response.

        Rendered by :func:`railguard.aws.bedrock_shape.result_to_bedrock`, which the guard attaches
        to every result it returns. A GuardResult built by hand has no renderer attached: call
        ``result_to_bedrock(result)`` directly."""
        render = self.renderers.get("bedrock")
        if render is None:
            from .errors import RailguardError

            raise RailguardError("this GuardResult was built by hand, so no Bedrock renderer is attached: use "
                                 "railguard.aws.bedrock_shape.result_to_bedrock(result)")
        return render(self)

    def __repr__(self) -> str:
        return (f"GuardResult(guard={self.guard!r}, action={self.action!r}, blocked={self.blocked!r}, "
                f"failures={[a.id for a in self.failures]!r})")
