"""``prompt_attack`` (input stage): jailbreaks, prompt injection, prompt extraction and obfuscation.

Families: ``jailbreak`` (personas, role-play attacks, DAN and developer modes, refusal suppression,
adversarial suffixes), ``instruction_override`` ("ignore previous instructions", goal hijacking),
``prompt_extraction`` (asking for the system prompt or its secrets), ``indirect_injection``
(instructions planted in documents, tool results or web pages) and ``obfuscation`` (base64, hex,
rot13, leetspeak, homoglyphs, invisible and tag characters, payload splitting).

``strength`` has Bedrock's meaning (HIGH acts on LOW, MEDIUM and HIGH confidence; MEDIUM on MEDIUM
and HIGH; LOW on HIGH only). Engines: ``local`` (default; offline, numpy), ``prompt_guard`` (Meta's
Prompt Guard on a SageMaker endpoint or from a local model directory) and ``bedrock`` (the
PROMPT_ATTACK filter of an existing Bedrock guardrail). Each judged text (see ``roles`` and
``history``) is assessed on its own; the assessment gives the family, the score and the
confidence of the strongest one, and what was judged.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from railguard import Context, Outcome, ParamIssue, Validator, hookimpl

from ..content_filter.levels import STRENGTHS, acts
from . import scope

__all__ = ["PromptAttack"]

ENGINES = ("local", "prompt_guard", "bedrock")
DEFAULT_ROLES = ("user", "tool", "document")
DEFAULT_STRENGTH = "MEDIUM"


def make_engine(params: Mapping[str, Any]) -> Any:
    name = params.get("engine", "local")
    if name == "local":
        from .local import LocalEngine  # numpy and the weights load only when an entry uses them

        return LocalEngine()
    if name == "prompt_guard":
        from .prompt_guard import PromptGuardEngine

        return PromptGuardEngine(params.get("model") or {})
    from ..content_filter.bedrock import BedrockEngine

    return BedrockEngine(params.get("guardrail") or {}, kind="prompt_attack")


class PromptAttack(Validator):
    name = "prompt_attack"
    description = ("Jailbreaks, prompt injection (also inside documents and tool results), prompt extraction and "
                   "obfuscated attacks, at Bedrock's LOW/MEDIUM/HIGH strengths; engines local (default), "
                   "prompt_guard, bedrock.")
    params_schema = {
        "type": "object",
        "properties": {
            "strength": {"enum": [s for s in STRENGTHS if s != "NONE"],
                         "description": f"Bedrock's filter strength (default {DEFAULT_STRENGTH})."},
            "engine": {"enum": list(ENGINES), "description": "local (default), prompt_guard or bedrock."},
            "model": {"type": "object", "description": "engine prompt_guard: {sagemaker: {...}} or {path: DIR}."},
            "guardrail": {"type": "object", "description": "engine bedrock: {id, version, region, endpoint_url}."},
            **scope.schema(DEFAULT_ROLES),
        },
    }
    default_on_fail = "block"
    stages = ("input",)

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "input"):
        super().__init__(params, stage=stage)
        p = self.params
        self.strength: str = p.get("strength", DEFAULT_STRENGTH)
        self.engine_name: str = p.get("engine", "local")
        self.roles = tuple(p.get("roles", DEFAULT_ROLES))
        self.history = scope.history_of(p)
        self.engine = make_engine(p)
        self.inline = self.engine_name == "local"

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        engine = params.get("engine", "local")
        for key, needs in (("model", "prompt_guard"), ("guardrail", "bedrock")):
            if key in params and engine != needs:
                yield ParamIssue((key,), f"{key!r} applies to engine {needs!r} only; this entry uses {engine!r}")
            if key not in params and engine == needs:
                yield ParamIssue(("engine",), f"engine {needs!r} needs '{key}'")
        if engine == "prompt_guard" and "model" in params:
            from .prompt_guard import config_problems

            for path, problem in config_problems(params["model"]):
                yield ParamIssue(("model",) + path, problem)
        if engine == "bedrock" and "guardrail" in params:
            from ..content_filter.bedrock import config_problems as bedrock_problems

            for path, problem in bedrock_problems(params["guardrail"]):
                yield ParamIssue(("guardrail",) + path, problem)

    def link(self, spec: Any, resources: Mapping[str, Any]) -> None:
        super().link(spec, resources)
        if hasattr(self.engine, "link"):
            self.engine.link(self.resource)

    def setup(self) -> None:
        self.engine.setup()

    def validate(self, text: str, context: Context) -> Outcome:
        try:
            judged = scope.pieces(text, context.stage, context.messages, context.metadata, self.roles, self.history)
        except ValueError as exc:
            return Outcome.fail(f"prompt_attack cannot read what to judge: {exc}", details={"engine": self.engine_name})
        details: dict[str, Any] = {"engine": self.engine_name, "strength": self.strength,
                                   "judged": [p.describe() for p in judged]}
        if not judged:
            return Outcome.ok(details={**details, "skipped": "no text in scope"})
        verdicts = self.engine.judge([p.text for p in judged])
        worst = max(range(len(judged)), key=lambda i: verdicts[i].score)
        top = verdicts[worst]
        piece = judged[worst]
        family = top.family
        if piece.role in ("document", "tool"):
            # Whatever it asks for, an instruction inside content the model only reads is an indirect
            # injection; the technique the classifier recognised stays in details.technique.
            details["technique"] = family
            family = "indirect_injection"
        details.update({"score": round(top.score, 4), "confidence": top.confidence, "family": family,
                        "families": top.families, "source": piece.describe(), **top.details})
        if not acts(self.strength, top.confidence):
            return Outcome.ok(details=details, score=top.score)
        where = "the user's message" if piece.role == "user" else (
            f"a {piece.role} message" if piece.role != "document" else "a document")
        return Outcome.fail(f"prompt attack ({family}) in {where} at {top.confidence} confidence",
                            categories=[family or "prompt_attack"], score=top.score, details=details)


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [PromptAttack]
