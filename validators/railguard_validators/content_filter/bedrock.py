"""The ``bedrock`` engine of content_filter and prompt_attack: ApplyGuardrail on an existing guardrail,
reading ``contentPolicy.filters`` (HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT, PROMPT_ATTACK).

The guardrail's confidence levels are read; the entry's own strengths decide (so a guardrail
configured at HIGH can serve a spec asking for MEDIUM). The request asks for ``outputScope: FULL``
so filters that detected without acting are reported too. Only a well-formed answer is read
(:func:`railguard.aws.bedrock_verdict.response_problems`, plus a known filter type and confidence
for every filter); anything else raises :class:`BedrockEngineError`, handled by ``on_error``.
Clients come from :func:`railguard.aws.make_client`: a ``bedrock_runtime_client`` or
``boto3_session`` resource, or region/profile/endpoint_url from the spec.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from railguard.aws import ClientOptions, error_code, make_client
from railguard.aws.bedrock_verdict import response_problems
from railguard.errors import ValidatorError

from .levels import CATEGORIES, CONFIDENCES, Judgement, Verdict

__all__ = ["BedrockEngine", "BedrockEngineError", "config_problems"]

GUARDRAIL_ID = re.compile(r"^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$")
GUARDRAIL_VERSION = re.compile(r"^(DRAFT|[1-9][0-9]{0,7})$")
KNOWN = CATEGORIES + ("PROMPT_ATTACK",)
_KEYS = ("id", "version", "region", "profile", "endpoint_url")
# Bedrock gives a confidence level, no score: the score reported is the level's rank.
_SCORE = {"NONE": 0.0, "LOW": 1 / 3, "MEDIUM": 2 / 3, "HIGH": 1.0}


class BedrockEngineError(ValidatorError):
    """ApplyGuardrail failed or answered with something that is not a readable verdict."""


def _cut(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def config_problems(config: Mapping[str, Any]) -> Iterable[tuple[tuple[str, ...], str]]:
    for key in config:
        if key not in _KEYS:
            yield (key,), f"unknown key {key!r}; a guardrail reference takes {list(_KEYS)}"
    gid = config.get("id")
    if not isinstance(gid, str) or not GUARDRAIL_ID.fullmatch(gid):
        yield ("id",), (f"{_cut(gid)} is not a Bedrock guardrail id (lowercase letters and digits) or guardrail ARN"
                        if gid is not None else "a guardrail reference needs 'id' (the guardrail id or ARN)")
    version = config.get("version", "DRAFT")
    if isinstance(version, bool) or not GUARDRAIL_VERSION.fullmatch(str(version)):
        yield ("version",), f"{_cut(version)} is not a guardrail version: use DRAFT or a number"
    for key in ("region", "profile", "endpoint_url"):
        if key in config and not isinstance(config[key], str):
            yield (key,), f"{key} must be a string"


class BedrockEngine:
    name = "bedrock"

    def __init__(self, config: Mapping[str, Any], *, kind: str):
        self.config = dict(config)
        self.kind = kind  # "content" or "prompt_attack"
        self.guardrail_id = str(config.get("id", ""))
        self.version = str(config.get("version", "DRAFT"))
        self.options = ClientOptions(region=config.get("region"), profile=config.get("profile"),
                                     endpoint_url=config.get("endpoint_url"))
        self._resource: Callable[..., Any] = lambda key, default=None: default
        self._client: Any = None

    @property
    def label(self) -> str:
        return f"guardrail {self.guardrail_id} version {self.version}"

    def link(self, resource: Callable[..., Any]) -> None:
        self._resource = resource

    def setup(self) -> None:
        try:
            self._client = make_client("bedrock-runtime", self.options,
                                       client=self._resource("bedrock_runtime_client"),
                                       session=self._resource("boto3_session"))
        except Exception as exc:  # botocore's NoRegionError and friends
            raise BedrockEngineError(f"cannot create a bedrock-runtime client for {self.label}: {exc}") from None

    def _apply(self, text: str, source: str) -> Mapping[str, Any]:
        if self._client is None:
            self.setup()
        try:
            response = self._client.apply_guardrail(
                guardrailIdentifier=self.guardrail_id, guardrailVersion=self.version, source=source,
                content=[{"text": {"text": text}}], outputScope="FULL")
        except Exception as exc:
            code = error_code(exc)
            raise BedrockEngineError(f"ApplyGuardrail on {self.label} failed: {code or type(exc).__name__}: "
                                     f"{str(exc)[:200]}") from None
        problems = response_problems(response)
        if problems:
            raise BedrockEngineError(f"Bedrock {self.label} sent a malformed answer: {'; '.join(problems)}; not "
                                     "read as a verdict (fail closed)")
        return response

    def filters(self, text: str, source: str) -> dict[str, str]:
        """Confidence per filter type found in the answer (the highest over assessments)."""
        response = self._apply(text, source)
        found: dict[str, str] = {}
        for n, assessment in enumerate(response["assessments"]):
            policy = assessment.get("contentPolicy") if isinstance(assessment, Mapping) else None
            if policy is None:
                continue
            for k, entry in enumerate(policy["filters"]):
                where = f"$.assessments[{n}].contentPolicy.filters[{k}]"
                ftype, conf = entry["type"], entry["confidence"]
                if ftype not in KNOWN:
                    raise BedrockEngineError(f"Bedrock {self.label}: {where}.type {_cut(ftype)} is not one of "
                                             f"{list(KNOWN)} (fail closed)")
                if conf not in CONFIDENCES:
                    raise BedrockEngineError(f"Bedrock {self.label}: {where}.confidence {_cut(conf)} is not one of "
                                             f"{list(CONFIDENCES)} (fail closed)")
                if CONFIDENCES.index(conf) >= CONFIDENCES.index(found.get(ftype, "NONE")):
                    found[ftype] = conf
        return found

    # content_filter's engine interface
    def judge(self, texts: Sequence[str], context: Any = None) -> list[Any]:
        source = "OUTPUT" if context is not None and getattr(context, "stage", "input") == "output" else "INPUT"
        if self.kind == "prompt_attack":
            return [self._attack(t) for t in texts]
        out = []
        for text in texts:
            found = self.filters(text, source)
            cats = {c: (found.get(c, "NONE"), _SCORE[found.get(c, "NONE")]) for c in CATEGORIES}
            out.append(Verdict(cats, details={"guardrail": self.guardrail_id, "version": self.version}))
        return out

    def _attack(self, text: str) -> Any:
        conf = self.filters(text, "INPUT").get("PROMPT_ATTACK", "NONE")
        return Judgement(_SCORE[conf], conf, "prompt_attack" if conf != "NONE" else None, {},
                         {"guardrail": self.guardrail_id, "version": self.version})
