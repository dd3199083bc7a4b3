"""Helpers shared by the Bedrock tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

from railguard.testing.bedrock import check_shape

GID = "ab12cd34ef56"

# A server-side guardrail computed by railguard itself (regex only, so it needs no other validator).
SERVER_SPEC = r"""
railguard: 1
name: server-guardrail
messages: {blocked_input: "Bedrock says no (input).", blocked_output: "Bedrock says no (output)."}
input:
  - regex:
      patterns:
        - {name: US_SOCIAL_SECURITY_NUMBER, pattern: '\b\d{3}[- ]\d{2}[- ]\d{4}\b', action: mask}
        - {name: EMAIL, pattern: '[\w.+-]+@[\w-]+\.[\w.]+', action: mask}
        - {name: PROJECT_X, pattern: '(?i)project x', action: block}
output:
  - regex:
      patterns:
        - {name: US_SOCIAL_SECURITY_NUMBER, pattern: '\b\d{3}[- ]\d{2}[- ]\d{4}\b', action: mask}
        - {name: PROJECT_X, pattern: '(?i)project x', action: block}
"""


def client_spec(extra: str = "", *, stage: str = "input", on_fail: str | None = None, messages: str = "") -> str:
    """A client spec with one bedrock_guardrail entry referencing GID version 1."""
    fail = f", on_fail: {on_fail}" if on_fail else ""
    return (f"railguard: 1\nname: client\n{messages}{stage}:\n"
            f"  - bedrock_guardrail: {{id: {GID}, version: \"1\"{fail}{extra}}}\n")


def usage(**policies: int) -> dict:
    base = {"topicPolicyUnits": 0, "contentPolicyUnits": 0, "wordPolicyUnits": 0, "sensitiveInformationPolicyUnits": 0,
            "sensitiveInformationPolicyFreeUnits": 0, "contextualGroundingPolicyUnits": 0}
    base.update(policies)
    return base


def response(action="GUARDRAIL_INTERVENED", output=None, pii=(), regexes=(), topics=(), filters=(), words=(),
             reason="Guardrail intervened.", **extra) -> dict:
    """A scripted ApplyGuardrail response, checked against botocore's output shape."""
    assessment: dict = {}
    if pii or regexes:
        assessment["sensitiveInformationPolicy"] = {"piiEntities": list(pii), "regexes": list(regexes)}
    if topics:
        assessment["topicPolicy"] = {"topics": list(topics)}
    if filters:
        assessment["contentPolicy"] = {"filters": list(filters)}
    if words:
        assessment["wordPolicy"] = {"customWords": list(words), "managedWordLists": []}
    assessment.update(extra)
    out = {"usage": usage(sensitiveInformationPolicyUnits=1), "action": action, "actionReason": reason,
           "outputs": [{"text": output}] if output is not None else [], "assessments": [assessment]}
    assert check_shape(out, "ApplyGuardrail") == []
    return out
