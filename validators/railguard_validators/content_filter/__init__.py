"""``content_filter`` (input and output): Bedrock's content filters HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT.

``filters: {HATE: HIGH, INSULTS: MEDIUM, ...}`` gives each category a strength with Bedrock's
meaning: HIGH acts on LOW, MEDIUM and HIGH confidence; MEDIUM on MEDIUM and HIGH; LOW on HIGH only;
NONE turns the category off. Categories not named are off (as in a Bedrock guardrail); without
``filters`` all five are at MEDIUM. The assessment lists every category's confidence as Bedrock's
``contentPolicy.filters`` does (``details.filters``: type, confidence, filterStrength, action,
detected).

Engines: ``local`` (default; offline, numpy), ``llama_guard`` (any Llama Guard backend; flagged
S-codes map to the five categories, codes without a counterpart are reported in
``details.unmapped``) and ``bedrock`` (the contentPolicy of an existing Bedrock guardrail).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from railguard import Context, Outcome, ParamIssue, Validator, hookimpl

from ..prompt_attack import scope
from .levels import CATEGORIES, CONFIDENCES, STRENGTHS, acts

__all__ = ["ContentFilter", "CATEGORIES"]

ENGINES = ("local", "llama_guard", "bedrock")
DEFAULT_STRENGTH = "MEDIUM"


def make_engine(params: Mapping[str, Any], stage: str) -> Any:
    name = params.get("engine", "local")
    if name == "local":
        from .local import LocalEngine  # numpy and the weights load only when an entry uses them

        return LocalEngine()
    if name == "llama_guard":
        from .llama_guard import LlamaGuardEngine

        return LlamaGuardEngine(params.get("llama_guard") or {}, stage)
    from .bedrock import BedrockEngine

    return BedrockEngine(params.get("guardrail") or {}, kind="content")


class ContentFilter(Validator):
    name = "content_filter"
    description = ("Bedrock's content filters (HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT) at NONE/LOW/MEDIUM/HIGH "
                   "strength; engines local (default), llama_guard, bedrock.")
    params_schema = {
        "type": "object",
        "properties": {
            "filters": {"type": "object", "minProperties": 1, "additionalProperties": False,
                        "properties": {c: {"enum": list(STRENGTHS)} for c in CATEGORIES},
                        "description": f"Strength per category (default: all at {DEFAULT_STRENGTH})."},
            "engine": {"enum": list(ENGINES), "description": "local (default), llama_guard or bedrock."},
            "llama_guard": {"type": "object", "description": "engine llama_guard: the llama_guard validator's "
                                                             "parameters (model, version, ...)."},
            "guardrail": {"type": "object", "description": "engine bedrock: {id, version, region, endpoint_url}."},
            **scope.schema(["user (input) / assistant (output)"]),
        },
    }
    default_on_fail = "block"
    stages = ("input", "output")

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        p = self.params
        given = p.get("filters")
        self.filters: dict[str, str] = ({c: given.get(c, "NONE") for c in CATEGORIES} if given
                                        else {c: DEFAULT_STRENGTH for c in CATEGORIES})
        self.engine_name: str = p.get("engine", "local")
        self.roles = tuple(p.get("roles", ("user",) if stage == "input" else ("assistant",)))
        self.history = scope.history_of(p)
        self.engine = make_engine(p, stage)
        self.inline = self.engine_name == "local"

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        engine = params.get("engine", "local")
        for key, needs in (("llama_guard", "llama_guard"), ("guardrail", "bedrock")):
            if key in params and engine != needs:
                yield ParamIssue((key,), f"{key!r} applies to engine {needs!r} only; this entry uses {engine!r}")
            if key not in params and engine == needs:
                yield ParamIssue(("engine",), f"engine {needs!r} needs '{key}'")
        if engine == "llama_guard" and isinstance(params.get("llama_guard"), Mapping):
            from .llama_guard import config_problems

            for path, problem in config_problems(params["llama_guard"]):
                yield ParamIssue(("llama_guard",) + path, problem)
        if engine == "bedrock" and isinstance(params.get("guardrail"), Mapping):
            from .bedrock import config_problems as bedrock_problems

            for path, problem in bedrock_problems(params["guardrail"]):
                yield ParamIssue(("guardrail",) + path, problem)
        filters = params.get("filters")
        if isinstance(filters, Mapping) and filters and all(v == "NONE" for v in filters.values()):
            yield ParamIssue(("filters",), "every filter is NONE: this entry would never act; remove it or set a "
                             "strength")

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
            return Outcome.fail(f"content_filter cannot read what to judge: {exc}",
                                details={"engine": self.engine_name})
        details: dict[str, Any] = {"engine": self.engine_name, "judged": [p.describe() for p in judged]}
        if not judged:
            return Outcome.ok(details={**details, "skipped": "no text in scope"})
        verdicts = self.engine.judge([p.text for p in judged], context)
        # Per category, the most confident detection over the judged texts.
        best: dict[str, tuple[str, float, int]] = {c: ("NONE", 0.0, 0) for c in CATEGORIES}
        unmapped: list[str] = []
        for n, verdict in enumerate(verdicts):
            for cat, (conf, score) in verdict.categories.items():
                old = best[cat]
                if (CONFIDENCES.index(conf), score) > (CONFIDENCES.index(old[0]), old[1]):
                    best[cat] = (conf, score, n)
            unmapped.extend(c for c in verdict.unmapped if c not in unmapped)
        filters, failed = [], []
        for cat in CATEGORIES:
            conf, score, _ = best[cat]
            strength = self.filters[cat]
            hit = acts(strength, conf)
            if conf != "NONE" or hit:
                filters.append({"type": cat, "confidence": conf, "filterStrength": strength,
                                "action": "BLOCKED" if hit else "NONE", "detected": hit, "score": round(score, 4)})
            if hit:
                failed.append(cat)
        details["filters"] = filters
        details["scores"] = {c: round(best[c][1], 4) for c in CATEGORIES}
        if unmapped:
            details["unmapped"] = unmapped
        for verdict in verdicts:
            details.update(verdict.details)
        if not failed:
            return Outcome.ok(details=details, categories=unmapped)
        score = max(best[c][1] for c in failed)
        source = judged[best[failed[0]][2]]
        details["source"] = source.describe()
        what = ", ".join(f"{c} ({best[c][0]})" for c in failed)
        return Outcome.fail(f"harmful content: {what}", categories=failed + unmapped, score=score, details=details)


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [ContentFilter]
