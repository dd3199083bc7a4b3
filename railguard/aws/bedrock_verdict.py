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
  automated-reasoning finding) blocks;
- an answer that is not well-formed (no ``action`` or one railguard does not know, a missing
  ``outputs``/``assessments``/``usage``, an entry without the fields its policy requires or with an
  unknown ``action``) raises :class:`MalformedVerdict`, a validator error handled by ``on_error``:
  botocore reads an HTML page, an empty or truncated body as ``{}``, which must never read as
  "no intervention".

Outcomes keep no matched text: spans carry offsets and types, details carry the findings
without their ``match`` values, and messages name policies and types only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..errors import ValidatorError
from ..results import Outcome, Span

__all__ = ["PII_TYPES", "text_units", "read_verdict", "Entity", "MalformedVerdict", "response_problems",
           "assessment_problems", "ACTIONS"]

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
ACTIONS = (NONE, INTERVENED)
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


# -- strict reading: only a well-formed answer is read at all ---------------------------------
class MalformedVerdict(ValidatorError):
    """A guardrail answer that is not well-formed; never read as "no intervention"."""


_ENTRY_ACTIONS = (BLOCKED, NONE)
_MASKABLE = (ANONYMIZED, BLOCKED, NONE)
# policy -> list key -> (required members, allowed actions); from bedrock-runtime 2023-09-30.
_POLICY_SHAPES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "topicPolicy": {"topics": (("name", "type", "action"), _ENTRY_ACTIONS)},
    "contentPolicy": {"filters": (("type", "confidence", "action"), _ENTRY_ACTIONS)},
    "wordPolicy": {"customWords": (("match", "action"), _ENTRY_ACTIONS),
                   "managedWordLists": (("match", "type", "action"), _ENTRY_ACTIONS)},
    "sensitiveInformationPolicy": {"piiEntities": (("match", "type", "action"), _MASKABLE),
                                   "regexes": (("action",), _MASKABLE)},
    "contextualGroundingPolicy": {"filters": (("type", "threshold", "score", "action"), _ENTRY_ACTIONS)},
}
# Lists the shape marks required (contextualGroundingPolicy.filters is optional there).
_REQUIRED_LISTS = {"topicPolicy": ("topics",), "contentPolicy": ("filters",),
                   "wordPolicy": ("customWords", "managedWordLists"),
                   "sensitiveInformationPolicy": ("piiEntities", "regexes"), "contextualGroundingPolicy": ()}
_NUMBERS = ("threshold", "score")
_MAX_PROBLEMS = 5


def _shown(value: Any) -> str:
    """A value for an error message, cut short (answers may be huge or hostile)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _entry_problems(entry: Any, path: str, required: Sequence[str], actions: Sequence[str]) -> list[str]:
    if not isinstance(entry, Mapping):
        return [f"{path} is {_kind(entry)}, not an object"]
    out = [f"{path} has no {name!r}" for name in required if name not in entry]
    action = entry.get("action")
    if "action" in entry and action not in actions:
        out.append(f"{path}.action {_shown(action)} is not one of {list(actions)}")
    for key, value in entry.items():
        if key in _NUMBERS:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
                out.append(f"{path}.{key} is {_shown(value)}, not a number")
        elif key == "detected":
            if not isinstance(value, bool):
                out.append(f"{path}.detected is {_shown(value)}, not true or false")
        elif key in ("name", "type", "match", "regex", "confidence", "filterStrength", "action"):
            if not isinstance(value, str):
                out.append(f"{path}.{key} is {_kind(value)}, not a string")
    return out


def assessment_problems(assessments: Any, path: str = "$.assessments") -> list[str]:
    """Where a list of guardrail assessments is not well-formed (empty when it is)."""
    if not isinstance(assessments, (list, tuple)):
        return [f"{path} is {_kind(assessments)}, not a list"]
    out: list[str] = []
    for n, a in enumerate(assessments):
        where = f"{path}[{n}]"
        if not isinstance(a, Mapping):
            out.append(f"{where} is {_kind(a)}, not an object")
            continue
        for policy, lists in _POLICY_SHAPES.items():
            if policy not in a:
                continue
            body = a[policy]
            if not isinstance(body, Mapping):
                out.append(f"{where}.{policy} is {_kind(body)}, not an object")
                continue
            for key, (required, actions) in lists.items():
                if key not in body:
                    if key in _REQUIRED_LISTS[policy]:
                        out.append(f"{where}.{policy} has no {key!r}")
                    continue
                entries = body[key]
                if not isinstance(entries, (list, tuple)):
                    out.append(f"{where}.{policy}.{key} is {_kind(entries)}, not a list")
                    continue
                for k, entry in enumerate(entries):
                    out += _entry_problems(entry, f"{where}.{policy}.{key}[{k}]", required, actions)
                    if len(out) >= _MAX_PROBLEMS:
                        return out
        reasoning = a.get("automatedReasoningPolicy")
        if reasoning is not None:
            findings = reasoning.get("findings", []) if isinstance(reasoning, Mapping) else None
            if not isinstance(findings, (list, tuple)) or not all(isinstance(f, Mapping) for f in findings):
                out.append(f"{where}.automatedReasoningPolicy.findings is not a list of objects")
    return out


def response_problems(response: Any) -> list[str]:
    """Where an ApplyGuardrail answer is not well-formed: an ``action`` railguard knows, ``outputs``,
    ``assessments`` and ``usage`` as the API defines them, every entry with the fields its policy
    requires. botocore reads a body it cannot parse (HTML, empty, truncated) as ``{}``."""
    if not isinstance(response, Mapping):
        return [f"the answer is {_kind(response)}, not an object"]
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if not body:
        return ["the answer has no content (an empty, truncated or non-JSON body, such as a proxy's HTML page)"]
    out: list[str] = []
    if "action" not in body:
        out.append("the answer has no 'action'")
    elif body["action"] not in ACTIONS:
        out.append(f"action {_shown(body['action'])} is not one of {list(ACTIONS)}")
    for key, kind in (("outputs", list), ("assessments", list), ("usage", Mapping)):
        if key not in body:
            out.append(f"the answer has no {key!r}")
        elif not isinstance(body[key], kind):
            out.append(f"{key!r} is {_kind(body[key])}, not {'a list' if kind is list else 'an object'}")
    outputs = body.get("outputs")
    if isinstance(outputs, list):
        for n, o in enumerate(outputs):
            if not isinstance(o, Mapping) or not isinstance(o.get("text", ""), str):
                out.append(f"$.outputs[{n}] is not an object with a string 'text'")
    if "actionReason" in body and not isinstance(body["actionReason"], str):
        out.append(f"actionReason is {_kind(body['actionReason'])}, not a string")
    if isinstance(body.get("assessments"), list):
        out += assessment_problems(body["assessments"])
    return out[:_MAX_PROBLEMS]


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
    Raises :class:`MalformedVerdict` when an assessment is not well-formed.
    """
    problems = assessment_problems(list(assessments) if isinstance(assessments, (list, tuple)) else assessments)
    if problems:
        raise MalformedVerdict(f"Bedrock {label}: malformed guardrail assessment: " + "; ".join(problems))
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
