"""Reading a Bedrock guardrail verdict (an ApplyGuardrail response, or the guardrail trace of a
Converse call) as a railguard :class:`~railguard.results.Outcome`.

Rules (the ``bedrock_guardrail`` validator and the native Converse mode share them):

- an entry with action ``BLOCKED`` is a failure handled by the spec's ``on_fail``;
- an ``ANONYMIZED`` entry becomes a span with action ``mask`` on the original text, found by
  aligning the original with Bedrock's masked ``outputs`` around the ``{TYPE}`` placeholders,
  or else by locating the entry's ``match``; one that cannot be located fails closed (blocks);
- an entry with action ``NONE`` and ``detected: true`` is recorded (a span with action ``log``),
  never acted on;
- a guardrail that intervened for a reason railguard cannot map (a policy added later, an
  automated-reasoning finding) blocks.

Outcomes keep no matched text: spans carry offsets and types, details carry the findings
without their ``match`` values, and messages name policies and types only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..results import Outcome, Span

__all__ = ["PII_TYPES", "text_units", "read_verdict", "Entity"]

# GuardrailPiiEntityType in bedrock-runtime 2023-09-30 (a test compares it with botocore's model).
PII_TYPES = frozenset({
    "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD", "PHONE",
    "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
})

BLOCKED, ANONYMIZED, NONE = "BLOCKED", "ANONYMIZED", "NONE"
INTERVENED = "GUARDRAIL_INTERVENED"
UNIT_CHARS = 1000

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_ .!?-]{1,100})\}")


def text_units(chars: int) -> int:
    """Bedrock text units for a text of ``chars`` characters (one unit per started 1,000)."""
    return math.ceil(chars / UNIT_CHARS) if chars > 0 else 0


@dataclass(frozen=True)
class Entity:
    """An entry of the sensitive-information or word policy: it has a match in the text."""

    policy: str  # piiEntities | regexes | customWords | managedWordLists
    type: str
    action: str
    detected: bool
    match: str | None


def _entities(assessment: Mapping[str, Any]) -> Iterable[Entity]:
    sip = assessment.get("sensitiveInformationPolicy") or {}
    for e in sip.get("piiEntities") or ():
        yield Entity("piiEntities", e.get("type", "PII"), e.get("action", NONE), _detected(e), e.get("match"))
    for e in sip.get("regexes") or ():
        yield Entity("regexes", e.get("name") or "REGEX", e.get("action", NONE), _detected(e), e.get("match"))
    words = assessment.get("wordPolicy") or {}
    for e in words.get("customWords") or ():
        yield Entity("customWords", "CUSTOM_WORD", e.get("action", NONE), _detected(e), e.get("match"))
    for e in words.get("managedWordLists") or ():
        yield Entity("managedWordLists", e.get("type", "PROFANITY"), e.get("action", NONE), _detected(e),
                     e.get("match"))


def _detected(entry: Mapping[str, Any]) -> bool:
    # Older answers list only what was detected and carry no "detected" flag.
    return bool(entry.get("detected", True)) or entry.get("action", NONE) != NONE


def _items(assessment: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    """Findings without a location: topics, content filters, grounding, automated reasoning."""
    for t in (assessment.get("topicPolicy") or {}).get("topics") or ():
        yield {"policy": "topic", "name": t.get("name", ""), "action": t.get("action", NONE),
               "detected": _detected(t)}
    for f in (assessment.get("contentPolicy") or {}).get("filters") or ():
        item = {"policy": "content", "name": f.get("type", ""), "confidence": f.get("confidence", "NONE"),
                "action": f.get("action", NONE), "detected": _detected(f)}
        if "filterStrength" in f:
            item["filterStrength"] = f["filterStrength"]
        yield item
    for f in (assessment.get("contextualGroundingPolicy") or {}).get("filters") or ():
        yield {"policy": "grounding", "name": f.get("type", ""), "threshold": f.get("threshold"),
               "score": f.get("score"), "action": f.get("action", NONE), "detected": _detected(f)}
    for finding in (assessment.get("automatedReasoningPolicy") or {}).get("findings") or ():
        for kind in finding:
            # Findings carry no action; the answer's top-level action says whether they intervened.
            yield {"policy": "automated_reasoning", "name": kind, "action": NONE, "detected": kind != "valid"}


def category(item: Mapping[str, Any]) -> str:
    """The category string of a blocking finding: ``topic:NAME``, ``content:TYPE:CONFIDENCE``..."""
    if item["policy"] == "content":
        return f"content:{item['name']}:{item.get('confidence', 'NONE')}"
    return f"{item['policy']}:{item['name']}"


# -- locating entities in the original text -------------------------------------------------
def _align(text: str, masked: str, matches: Mapping[str, Sequence[str]]) -> list[tuple[int, int, str]] | None:
    """Spans of the ``{TYPE}`` placeholders of ``masked`` on ``text``; None if they do not line up."""
    segments: list[tuple[str, str]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(masked):
        if m.group(1) in matches:
            segments.append(("lit", masked[pos:m.start()]))
            segments.append(("ph", m.group(1)))
            pos = m.end()
    segments.append(("lit", masked[pos:]))
    spans: list[tuple[int, int, str]] = []
    i = 0
    for k, (kind, value) in enumerate(segments):
        if kind == "lit":
            if not text.startswith(value, i):
                return None
            i += len(value)
            continue
        after = segments[k + 1][1]
        last = k + 2 == len(segments)
        end = None
        for cand in sorted(set(matches[value]), key=len, reverse=True):
            if cand and text.startswith(cand, i) and (text.startswith(after, i + len(cand)) if after
                                                      else last and i + len(cand) == len(text)):
                end = i + len(cand)
                break
        if end is None:
            if after:
                j = text.find(after, i + 1)
                end = j if j > i else None
            elif last:
                end = len(text) if len(text) > i else None
        if end is None:
            return None
        spans.append((i, end, value))
        i = end
    return spans if i == len(text) else None


def _occurrences(text: str, match: str) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of ``match``, preferring those that are whole words."""
    if not match:
        return []
    found = []
    start = 0
    while True:
        j = text.find(match, start)
        if j < 0:
            break
        found.append((j, j + len(match)))
        start = j + len(match)

    def whole(s: int, e: int) -> bool:
        left = s == 0 or not (text[s - 1].isalnum() and match[0].isalnum())
        right = e == len(text) or not (text[e].isalnum() and match[-1].isalnum())
        return left and right

    words = [o for o in found if whole(*o)]
    return words or found


def _locate(text: str, masked: str | None, entities: Sequence[Entity]) -> dict[int, list[tuple[int, int]]]:
    """For each entity (by index) its spans on ``text``; an entity that cannot be located is absent."""
    out: dict[int, list[tuple[int, int]]] = {}
    anonymized = [(n, e) for n, e in enumerate(entities) if e.action == ANONYMIZED]
    if masked is not None and anonymized:
        matches: dict[str, list[str]] = {}
        for _, e in anonymized:
            matches.setdefault(e.type, []).append(e.match or "")
        aligned = _align(text, masked, matches)
        if aligned is not None:
            by_type: dict[str, list[tuple[int, int]]] = {}
            for s, e, t in aligned:
                by_type.setdefault(t, []).append((s, e))
            for n, e in anonymized:
                if e.type in by_type:
                    out[n] = by_type[e.type]
    for n, e in enumerate(entities):
        if n not in out and e.match:
            spans = _occurrences(text, e.match)
            if spans:
                out[n] = spans
    return out


# -- the verdict ----------------------------------------------------------------------------
def _usage(usage: Mapping[str, Any] | None) -> dict[str, int]:
    return {k: int(v) for k, v in (usage or {}).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _count(names: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return ", ".join(f"{n} x{c}" if c > 1 else n for n, c in counts.items())


def read_verdict(text: str, assessments: Sequence[Mapping[str, Any]], *, intervened: bool,
                 outputs_text: str | None, label: str, unlocated_action: str | None,
                 usage: Mapping[str, Any] | None = None, action_reason: str | None = None,
                 extra_details: Mapping[str, Any] | None = None, masked_upstream: bool = False) -> Outcome:
    """The Outcome of a guardrail verdict on ``text``.

    ``outputs_text`` is Bedrock's output text (the masked text, or the blocked message).
    ``unlocated_action`` is the action for a block with no location in the text (a topic, a
    content filter): the spec's on_fail where it applies to a whole text, else ``block``.
    An anonymized value that cannot be located blocks, unless ``masked_upstream`` says Bedrock
    already masked it where it matters (a Converse call with a native guardrail).
    """
    entities = [e for a in assessments for e in _entities(a)]
    items = [i for a in assessments for i in _items(a)]
    any_blocked = any(e.action == BLOCKED for e in entities) or any(i["action"] == BLOCKED for i in items)
    masked = outputs_text if (intervened and not any_blocked) else None
    located = _locate(text, masked, entities)

    spans: dict[tuple[int, int, str], Span] = {}
    blocked_names: list[str] = []
    masked_names: list[str] = []
    for n, e in enumerate(entities):
        if not e.detected:
            continue
        where = located.get(n)
        if e.action == ANONYMIZED:
            masked_names.append(e.type)
        elif e.action == BLOCKED:
            blocked_names.append(e.type)
        if not where:
            continue
        action = "mask" if e.action == ANONYMIZED else None if e.action == BLOCKED else "log"
        for s, end in where:
            key = (s, end, e.type)
            old = spans.get(key)
            # One place reported twice: the strongest report wins (block > mask > log).
            if old is None or _rank(action) > _rank(old.action):
                spans[key] = Span(s, end, e.type, action=action, explanation=f"bedrock {e.policy}")

    categories = []
    item_blocks = []
    for i in items:
        if i["action"] == BLOCKED:
            item_blocks.append(i)
            c = category(i)
            if c not in categories:
                categories.append(c)
    findings = [{"policy": e.policy, "type": e.type, "action": e.action, "detected": e.detected}
                for e in entities if e.detected] + [dict(i) for i in items if i["detected"] or i["action"] != NONE]
    details: dict[str, Any] = {**(extra_details or {}), "findings": findings}
    if action_reason is not None:
        details["action_reason"] = action_reason
    used = _usage(usage)
    failed = any_blocked or bool(masked_names) or intervened
    if not failed:
        return Outcome.ok(spans=sorted(spans.values()), details=details, usage=used)

    lost = [e.type for n, e in enumerate(entities) if e.detected and e.action == ANONYMIZED and not located.get(n)]
    span_less_block = bool(item_blocks) or any(e.detected and e.action == BLOCKED and not located.get(n)
                                               for n, e in enumerate(entities))
    reasons = []
    for i in item_blocks:
        what = {"topic": "topic", "content": "content filter", "grounding": "contextual grounding",
                "automated_reasoning": "automated reasoning"}[i["policy"]]
        extra = f" ({i['confidence']})" if i["policy"] == "content" else ""
        reasons.append(f"blocked {what} {i['name']!r}{extra}")
    if blocked_names:
        reasons.append("blocked " + _count(blocked_names))
    if masked_names:
        reasons.append("anonymized " + _count(masked_names))
    if lost and not masked_upstream:
        reasons.append(f"could not locate the anonymized {_count(lost)} in the text (blocked rather than risk a "
                       "leak)")
    if not (item_blocks or blocked_names or masked_names):
        reasons.append("intervened for a reason railguard does not map" +
                       (f" (reason: {action_reason})" if action_reason else "") + "; blocked")
    message = f"Bedrock {label}: " + "; ".join(reasons)
    action = None
    if lost and not masked_upstream:
        # An anonymized value railguard cannot mask must not pass, whatever on_fail says.
        action = "raise" if unlocated_action == "raise" else "block"
    elif span_less_block:
        action = unlocated_action or "block"
    elif not (blocked_names or masked_names):
        action = "block"
    return Outcome.fail(message, spans=spans.values(), categories=categories, action=action, details=details,
                        usage=used)


def _rank(action: str | None) -> int:
    return {"log": 0, "mask": 1, None: 2}.get(action, 2)
