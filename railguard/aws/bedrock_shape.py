"""Any railguard result in the shape of Bedrock's ApplyGuardrail response.

``GuardResult.to_bedrock()`` calls :func:`result_to_bedrock` (the runtime attaches it to the
results it builds: :mod:`railguard.results` is the bottom layer and imports nothing from here),
so code written for Bedrock reads railguard's answers unchanged. One assessment is written per
stage that ran (input, then output), merging every validator of the stage:

=================  ==============================================================================
validator          where its findings go
=================  ==============================================================================
pii                ``sensitiveInformationPolicy.piiEntities`` (types outside Bedrock's list go to
                   ``regexes`` named by the type)
regex              ``sensitiveInformationPolicy.regexes`` (``name`` is the pattern's name)
words              ``wordPolicy.customWords`` / ``managedWordLists``; a masked word goes to
                   ``regexes`` with ``ANONYMIZED``, since Bedrock's word policy cannot mask
denied_topics      ``topicPolicy.topics`` (one per matched topic, type ``DENY``)
llama_guard        ``contentPolicy.filters`` for the codes with a Bedrock counterpart (S1, S9 to
                   VIOLENCE; S2 to MISCONDUCT; S3, S4, S12 to SEXUAL; S10 to HATE); the other
                   codes have none and are omitted from the policies
content_filter     ``contentPolicy.filters`` as its ``details.filters`` list them (confidence,
                   strength, detected)
prompt_attack      ``contentPolicy.filters`` type ``PROMPT_ATTACK`` when its confidence is not NONE
bedrock_guardrail  back where Bedrock reported them (topics, content filters, entities)
others             located spans as ``piiEntities`` (Bedrock type) or ``regexes``; otherwise
                   omitted from the policies
=================  ==============================================================================

Every failing validator, mapped or not, counts in ``action``; ``actionReason`` names per stage
what blocked it (a validator that only masked did not), else what fixed and masked it. Actions map
``block``/``raise``/``reask`` to ``BLOCKED``, ``mask`` to ``ANONYMIZED``, and a finding that was
recorded but not acted on (``log``, ``allow``, a passing validator) to ``NONE`` with
``detected: true``. ``match`` values are read from the text the stage checked
(``StageResult.source_text``); they are produced only here, on request, as Bedrock does.
"""

from __future__ import annotations

from typing import Any

from .bedrock_verdict import PII_TYPES
from ..results import Assessment, GuardResult, Span, StageResult

__all__ = ["result_to_bedrock", "USAGE_KEYS", "LLAMA_GUARD_CONTENT"]

USAGE_KEYS = ("topicPolicyUnits", "contentPolicyUnits", "wordPolicyUnits", "sensitiveInformationPolicyUnits",
              "sensitiveInformationPolicyFreeUnits", "contextualGroundingPolicyUnits", "contentPolicyImageUnits",
              "automatedReasoningPolicyUnits", "automatedReasoningPolicies")
_REQUIRED_USAGE = USAGE_KEYS[:6]
LLAMA_GUARD_CONTENT = {"S1": "VIOLENCE", "S2": "MISCONDUCT", "S3": "SEXUAL", "S4": "SEXUAL", "S9": "VIOLENCE",
                       "S10": "HATE", "S12": "SEXUAL"}
MANAGED_WORD_LISTS = ("PROFANITY",)
_ACTIONS = {"block": "BLOCKED", "raise": "BLOCKED", "reask": "BLOCKED", "mask": "ANONYMIZED", "log": "NONE",
            "none": "NONE", "allow": "NONE"}


def _bedrock_action(span_action: str | None, a: Assessment, blocked: bool) -> str:
    if a.passed:
        return "NONE"
    name = span_action
    if name is None:
        # A span without its own action follows the entry's on_fail when other spans of the same
        # assessment carried their own (a pii EMAIL masked while an SSN blocked the stage).
        mixed = a.on_fail is not None and any(s.action for s in a.spans)
        name = a.on_fail if mixed else a.action
    if name in _ACTIONS:
        if span_action is None or a.action not in ("log", "allow"):
            return _ACTIONS[name]
        return "NONE"
    # A plugin's action: it masked if the stage went through changed, else it blocked.
    return "BLOCKED" if blocked else "ANONYMIZED"


def _confidence(score: float | None) -> str:
    if score is None:
        return "HIGH"  # a yes/no verdict (Llama Guard's "unsafe") has no graded confidence
    return "HIGH" if score >= 0.8 else "MEDIUM" if score >= 0.5 else "LOW"


class _Policies:
    def __init__(self, stage: StageResult):
        self.stage = stage
        self.text = stage.source_text
        self.pii: list[dict[str, Any]] = []
        self.regexes: list[dict[str, Any]] = []
        self.custom_words: list[dict[str, Any]] = []
        self.managed: list[dict[str, Any]] = []
        self.topics: list[dict[str, Any]] = []
        self.filters: list[dict[str, Any]] = []
        self.grounding: list[dict[str, Any]] = []

    def _match(self, span: Span) -> str:
        return self.text[span.start:span.end] if span.end <= len(self.text) else ""

    def entity(self, span: Span, where: str, action: str) -> None:
        entry = {"match": self._match(span), "action": action, "detected": True}
        if action == "ANONYMIZED" and where in ("customWords", "managedWordLists"):
            where = "regexes"  # Bedrock's word policy cannot mask; its masks are sensitive information
        if where == "piiEntities" and span.type in PII_TYPES:
            self.pii.append({"match": entry["match"], "type": span.type, "action": action, "detected": True})
        elif where == "customWords":
            self.custom_words.append(entry)
        elif where == "managedWordLists" and span.type in MANAGED_WORD_LISTS:
            self.managed.append({"match": entry["match"], "type": span.type, "action": action, "detected": True})
        elif where == "managedWordLists":
            self.custom_words.append(entry)
        else:
            self.regexes.append({"name": span.type, "match": entry["match"], "action": action, "detected": True})

    def add(self, a: Assessment) -> None:
        blocked = self.stage.blocked
        name = a.validator
        if name == "bedrock_guardrail":
            self._bedrock(a, blocked)
            return
        for span in a.spans:
            action = _bedrock_action(span.action, a, blocked)
            if name == "words":
                self.entity(span, "customWords" if span.type == "CUSTOM_WORD" else "managedWordLists", action)
            elif name == "regex":
                self.entity(span, "regexes", action)
            else:
                self.entity(span, "piiEntities", action)
        # Topic and content policies know only BLOCKED and NONE.
        topic_action = "BLOCKED" if _bedrock_action(None, a, blocked) == "BLOCKED" else "NONE"
        if name == "denied_topics":
            for topic in a.categories:
                self.topics.append({"name": topic, "type": "DENY", "action": topic_action, "detected": True})
        elif name == "content_filter":
            for f in a.details.get("filters", ()):
                self.filters.append({"type": f["type"], "confidence": f["confidence"],
                                     "filterStrength": f["filterStrength"],
                                     "action": topic_action if f["detected"] else "NONE", "detected": f["detected"]})
        elif name == "prompt_attack" and a.details.get("confidence", "NONE") != "NONE":
            self.filters.append({"type": "PROMPT_ATTACK", "confidence": a.details["confidence"],
                                 "filterStrength": a.details.get("strength", "MEDIUM"),
                                 "action": "NONE" if a.passed else topic_action, "detected": not a.passed})
        elif name == "llama_guard":
            seen = set()
            for code in a.categories:
                kind = LLAMA_GUARD_CONTENT.get(code)
                if kind and kind not in seen:
                    seen.add(kind)
                    self.filters.append({"type": kind, "confidence": _confidence(a.score), "action": topic_action,
                                         "detected": True})

    def _bedrock(self, a: Assessment, blocked: bool) -> None:
        where_of = {"bedrock piiEntities": "piiEntities", "bedrock regexes": "regexes",
                    "bedrock customWords": "customWords", "bedrock managedWordLists": "managedWordLists"}
        for span in a.spans:
            action = "NONE" if span.action == "log" else _bedrock_action(span.action, a, blocked)
            self.entity(span, where_of.get(span.explanation or "", "piiEntities"), action)
        findings = [f for f in a.details.get("findings", ()) if f.get("policy") in
                    ("topic", "content", "grounding")]
        listed = set()
        for c in a.categories:
            policy, _, rest = c.partition(":")
            if policy == "topic":
                self.topics.append({"name": rest, "type": "DENY", "action": "BLOCKED", "detected": True})
            elif policy == "content":
                kind, _, confidence = rest.partition(":")
                record = next((f for f in findings if f["policy"] == "content" and f["name"] == kind), {})
                entry = {"type": kind, "confidence": confidence or "HIGH", "action": "BLOCKED", "detected": True}
                if "filterStrength" in record:
                    entry["filterStrength"] = record["filterStrength"]
                self.filters.append(entry)
            else:
                continue
            listed.add((policy, rest.partition(":")[0]))
        for f in findings:
            if (f["policy"], f["name"]) in listed:
                continue
            if f["policy"] == "topic":
                self.topics.append({"name": f["name"], "type": "DENY", "action": f["action"],
                                    "detected": f["detected"]})
            elif f["policy"] == "content":
                entry = {"type": f["name"], "confidence": f.get("confidence", "NONE"), "action": f["action"],
                         "detected": f["detected"]}
                if "filterStrength" in f:
                    entry["filterStrength"] = f["filterStrength"]
                self.filters.append(entry)
            elif f["policy"] == "grounding" and f.get("threshold") is not None and f.get("score") is not None:
                self.grounding.append({"type": f["name"], "threshold": f["threshold"], "score": f["score"],
                                       "action": f["action"], "detected": f["detected"]})

    def to_assessment(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.topics:
            out["topicPolicy"] = {"topics": self.topics}
        if self.filters:
            out["contentPolicy"] = {"filters": self.filters}
        if self.custom_words or self.managed:
            out["wordPolicy"] = {"customWords": self.custom_words, "managedWordLists": self.managed}
        if self.pii or self.regexes:
            out["sensitiveInformationPolicy"] = {"piiEntities": self.pii, "regexes": self.regexes}
        if self.grounding:
            out["contextualGroundingPolicy"] = {"filters": self.grounding}
        return out


def _usage(assessments: tuple[Assessment, ...]) -> dict[str, int]:
    usage = {k: 0 for k in _REQUIRED_USAGE}
    for a in assessments:
        for k in USAGE_KEYS:
            v = a.usage.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                usage[k] = usage.get(k, 0) + int(v)
    return usage


def _coverage(guarded: int, total: int) -> dict[str, Any]:
    return {"textCharacters": {"guarded": guarded, "total": total}}


def _reason(result: GuardResult) -> str:
    if not result.intervened:
        return "No action."
    parts = []
    for stage in result.stages:
        by = {action: [a.id for a in stage.failures if a.action == action]
              for action in ("raise", "block", "reask", "fix", "mask")}
        if stage.blocked:
            # Only what blocked: a masking validator in a blocked stage did not block it.
            blockers = by["raise"] + by["block"] + by["reask"] or by["fix"]  # a fix that kept failing blocks
            parts.append(f"{stage.stage} blocked by {', '.join(blockers) or 'a check'}")
        elif stage.changed:
            if by["fix"]:
                parts.append(f"{stage.stage} fixed by {', '.join(by['fix'])}")
            if by["mask"] or not by["fix"]:
                parts.append(f"{stage.stage} masked by {', '.join(by['mask']) or 'a check'}")
    if result.reasks:
        parts.append(f"{len(result.reasks)} reask(s)")
    verb = "blocked" if result.blocked else "masked"
    return f"Guardrail {verb}: " + "; ".join(parts) + "."


def result_to_bedrock(result: GuardResult) -> dict[str, Any]:
    """``result`` as an ApplyGuardrailResponse dict (see the module docstring for the mapping)."""
    assessments = []
    guarded = total = 0
    for stage in result.stages:
        policies = _Policies(stage)
        for a in stage.assessments:
            policies.add(a)
        entry = policies.to_assessment()
        entry["invocationMetrics"] = {
            "guardrailProcessingLatency": int(round(stage.latency_ms)),
            "usage": _usage(stage.assessments),
            "guardrailCoverage": _coverage(stage.checked_chars, stage.total_chars),
        }
        assessments.append(entry)
        guarded += stage.checked_chars
        total += stage.total_chars
    every = result.assessments + tuple(a for r in result.reasks for a in r.stage.assessments)
    return {
        "usage": _usage(every),
        "action": result.action,
        "actionReason": _reason(result),
        "outputs": [{"text": result.output}] if result.intervened else [],
        "assessments": assessments,
        "guardrailCoverage": _coverage(guarded, total),
    }
