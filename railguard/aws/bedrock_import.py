"""A Bedrock guardrail definition (a CreateGuardrail request or a GetGuardrail response) as a
railguard spec, written as YAML or RAIL.

Per stage, entities, regexes, words and topics whose action is ``BLOCK`` or ``ANONYMIZE``
become ``pii`` / ``regex`` / ``words`` / ``denied_topics`` entries; those with action ``NONE``
(detect only) become a second entry of the same validator with ``on_fail: log``; content
filters become ``content_filter`` and ``prompt_attack`` entries the same way. Contextual grounding, automated reasoning, cross-Region and KMS settings have no
railguard counterpart and are listed as not imported. The written spec is loaded back with
the installed validators before it is returned, so an import never writes a spec that fails
to load; :func:`railguard.aws.bedrock_export.spec_to_request` on it gives back the imported
fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .bedrock_content import import_content
from .bedrock_export import check_request, policy_to_config
from ..errors import RailguardError, SpecError

__all__ = ["Imported", "normalise", "request_to_spec", "to_yaml", "to_rail"]

_RESPONSE_ONLY = ("guardrailId", "guardrailArn", "version", "status", "createdAt", "updatedAt", "statusReasons",
                  "failureRecommendations", "ResponseMetadata")
_NOT_IMPORTED = {
    "contextualGroundingPolicyConfig": "contextual grounding checks",
    "automatedReasoningPolicyConfig": "automated reasoning checks",
    "crossRegionConfig": "cross-Region inference",
    "kmsKeyId": "the KMS key",
    "tags": "tags",
}
_NAME = re.compile(r"[^A-Za-z0-9_-]")
_ACTION = {"BLOCK": "block", "ANONYMIZE": "mask"}


@dataclass
class Imported:
    spec: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def normalise(data: Any, source: str = "<json>") -> dict[str, Any]:
    """A CreateGuardrail request from either accepted form, checked against botocore's model."""
    if not isinstance(data, Mapping):
        raise RailguardError(f"{source}: expected a JSON object (a CreateGuardrail request or a GetGuardrail "
                             f"response), got {type(data).__name__}")
    if "guardrailId" in data or "status" in data:  # a GetGuardrail response
        request = {k: v for k, v in data.items() if k not in _RESPONSE_ONLY and k not in
                   ("topicPolicy", "contentPolicy", "wordPolicy", "sensitiveInformationPolicy",
                    "contextualGroundingPolicy", "automatedReasoningPolicy", "crossRegionDetails", "kmsKeyArn")}
        request.update(policy_to_config(data))
        if "kmsKeyArn" in data:
            request["kmsKeyId"] = data["kmsKeyArn"]
        if "crossRegionDetails" in data:
            request["crossRegionConfig"] = {"guardrailProfileIdentifier":
                                            data["crossRegionDetails"].get("guardrailProfileId", "")}
        if "automatedReasoningPolicy" in data:
            request["automatedReasoningPolicyConfig"] = {"policies": data["automatedReasoningPolicy"].get(
                "policies", [])}
    else:
        request = dict(data)
    problems = check_request(request)
    if problems:
        raise RailguardError(f"{source} is not a valid CreateGuardrail request or GetGuardrail response:\n  " +
                             "\n  ".join(problems))
    return request


def _stage_items(items: list[Mapping[str, Any]], stage: str) -> list[tuple[Mapping[str, Any], str]]:
    """(item, Bedrock action) for the items enabled in ``stage``."""
    out = []
    for item in items:
        if not item.get(f"{stage}Enabled", True):
            continue
        out.append((item, item.get(f"{stage}Action") or item.get("action") or "BLOCK"))
    return out


def request_to_spec(request: Mapping[str, Any], *, name: str | None = None, registry: Any = None) -> Imported:
    notes: list[str] = []
    for key, what in _NOT_IMPORTED.items():
        if key in request:
            notes.append(f"{key}: not imported: {what} have no railguard counterpart" if what.endswith("s") else
                         f"{key}: not imported: {what} has no railguard counterpart")
    if (request.get("topicPolicyConfig") or {}).get("tierConfig"):
        notes.append("topicPolicyConfig.tierConfig: not imported: railguard's denied_topics has its own engines")
    sensitive = request.get("sensitiveInformationPolicyConfig") or {}
    words = request.get("wordPolicyConfig") or {}
    topics = (request.get("topicPolicyConfig") or {}).get("topicsConfig") or []
    spec: dict[str, Any] = {"railguard": 1, "name": name or request["name"]}
    if request.get("description"):
        spec["description"] = request["description"]
    spec["messages"] = {"blocked_input": request["blockedInputMessaging"],
                        "blocked_output": request["blockedOutputsMessaging"]}
    for stage in ("input", "output"):
        entries: list[dict[str, Any]] = []
        entries += _pii(_stage_items(sensitive.get("piiEntitiesConfig") or [], stage))
        entries += _regex(_stage_items(sensitive.get("regexesConfig") or [], stage), stage, notes, registry)
        entries += _words(_stage_items(words.get("wordsConfig") or [], stage),
                          _stage_items(words.get("managedWordListsConfig") or [], stage))
        entries += _topics(_stage_items(topics, stage))
        entries += import_content(request.get("contentPolicyConfig") or {}, stage, notes)
        spec[stage] = entries
    if not spec["input"] and not spec["output"]:
        raise RailguardError("nothing in this guardrail maps to railguard validators" +
                             (": " + "; ".join(notes) if notes else ""))
    return Imported(spec, notes)


def _split(pairs: list[tuple[Mapping[str, Any], str]]) -> tuple[list, list]:
    acted = [(i, a) for i, a in pairs if a in _ACTION]
    detect = [(i, a) for i, a in pairs if a not in _ACTION]
    return acted, detect


def _pii(pairs: list[tuple[Mapping[str, Any], str]]) -> list[dict[str, Any]]:
    acted, detect = _split(pairs)
    out = []
    if acted:
        actions = {_ACTION[a] for _, a in acted}
        if len(actions) == 1:
            out.append({"pii": {"entities": [i["type"] for i, _ in acted], "on_fail": actions.pop()}})
        else:
            out.append({"pii": {"entities": [{"type": i["type"], "action": _ACTION[a]} for i, a in acted],
                                "on_fail": "block"}})
    if detect:
        out.append({"pii": {"entities": [i["type"] for i, _ in detect], "on_fail": "log"}})
    return out


def _regex(pairs: list[tuple[Mapping[str, Any], str]], stage: str, notes: list[str],
           registry: Any) -> list[dict[str, Any]]:
    acted, detect = _split(pairs)
    out = []
    for group, on_fail in ((acted, "block"), (detect, "log")):
        patterns = []
        for item, action in group:
            name = item["name"]
            if _NAME.search(name) or not name:
                fixed = _NAME.sub("_", name)[:100] or "pattern"
                notes.append(f"regexesConfig {name!r} ({stage}): renamed {fixed!r} (railguard pattern names are "
                             f"letters, digits, '_' and '-')")
                name = fixed
            p: dict[str, Any] = {"name": name, "pattern": item["pattern"]}
            if action in _ACTION:
                p["action"] = _ACTION[action]
            if item.get("description"):
                p["description"] = item["description"]
            problem = _regex_problem(p, registry)
            if problem:
                notes.append(f"regexesConfig {item['name']!r} ({stage}): not imported: {problem}")
                continue
            patterns.append(p)
        if patterns:
            out.append({"regex": {"patterns": patterns, "on_fail": on_fail}})
    return out


def _regex_problem(pattern: Mapping[str, Any], registry: Any) -> str | None:
    if registry is None or "regex" not in registry.validator_names():
        return None
    issues = list(registry.check_params("regex", {"patterns": [dict(pattern)]}))
    return "; ".join(i.message for i in issues) or None


def _words(pairs: list[tuple[Mapping[str, Any], str]],
           managed: list[tuple[Mapping[str, Any], str]]) -> list[dict[str, Any]]:
    out = []
    for wanted, on_fail in ((lambda a: a == "BLOCK", "block"), (lambda a: a != "BLOCK", "log")):
        params: dict[str, Any] = {}
        texts = [i["text"] for i, a in pairs if wanted(a)]
        lists = [i["type"] for i, a in managed if wanted(a)]
        if texts:
            params["words"] = texts
        if lists:
            params["managed"] = lists
        if params:
            out.append({"words": {**params, "on_fail": on_fail}})
    return out


def _topics(pairs: list[tuple[Mapping[str, Any], str]]) -> list[dict[str, Any]]:
    out = []
    for wanted, on_fail in ((lambda a: a == "BLOCK", "block"), (lambda a: a != "BLOCK", "log")):
        topics = []
        for item, action in pairs:
            if wanted(action):
                t = {"name": item["name"], "definition": item["definition"]}
                if item.get("examples"):
                    t["examples"] = list(item["examples"])
                topics.append(t)
        if topics:
            out.append({"denied_topics": {"topics": topics, "on_fail": on_fail}})
    return out


# -- writing --------------------------------------------------------------------------------
def to_yaml(spec: Mapping[str, Any], header: str = "") -> str:
    import yaml

    body = yaml.safe_dump(dict(spec), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return lines + body


def _singular(key: str) -> str:
    if key.endswith("ies"):
        return key[:-3] + "y"
    if key.endswith("s"):
        return key[:-1]
    return key


def _rail_value(el: Any, key: str, value: Any, schema: Mapping[str, Any] | None) -> None:
    from lxml import etree

    tag = key.replace("_", "-")
    text_key = (schema or {}).get("x-rail-text")
    props = (schema or {}).get("properties") or {}
    if isinstance(value, bool):
        el.set(tag, "true" if value else "false")
    elif isinstance(value, (int, float, str)) and key != text_key:
        if isinstance(value, str) and (len(value) > 60 or "\n" in value):
            etree.SubElement(el, tag).text = value
        else:
            el.set(tag, str(value))
    elif isinstance(value, str):
        el.text = value
    elif isinstance(value, list):
        item_schema = (props.get(key) or {}).get("items") if isinstance(props.get(key), Mapping) else None
        if all(isinstance(v, str) and v and not re.search(r"[\s,]", v) for v in value):
            el.set(tag, " ".join(value))
            return
        for v in value:
            child = etree.SubElement(el, _singular(tag))
            if isinstance(v, Mapping):
                for k, vv in v.items():
                    _rail_value(child, k, vv, item_schema if isinstance(item_schema, Mapping) else None)
            else:
                child.text = str(v)
    elif isinstance(value, Mapping):
        child = etree.SubElement(el, tag)
        for k, v in value.items():
            _rail_value(child, k, v, props.get(key) if isinstance(props.get(key), Mapping) else None)


def to_rail(spec: Mapping[str, Any], registry: Any, header: str = "") -> str:
    """``spec`` (plain data, the YAML form) as a RAIL document with the same meaning."""
    from lxml import etree

    root = etree.Element("rail", version=str(spec["railguard"]), name=spec["name"])
    if spec.get("description"):
        etree.SubElement(root, "description").text = spec["description"]
    if spec.get("messages"):
        m = etree.SubElement(root, "messages")
        for k, v in spec["messages"].items():
            m.set(k.replace("_", "-"), v)
    for stage in ("input", "output"):
        if not spec.get(stage):
            continue
        st = etree.SubElement(root, stage)
        for entry in spec[stage]:
            (vname, params), = entry.items()
            schema = registry.params_schema(vname) if registry is not None else None
            el = etree.SubElement(st, vname.replace("_", "-"))
            for k, v in params.items():
                _rail_value(el, k, v, schema)
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    comment = "".join(f"<!-- {line.replace('--', '- -')} -->\n" for line in header.splitlines() if line)
    return comment + body + "\n"


def load_check(text: str, fmt: str, registry: Any) -> None:
    """Load written spec text with the installed validators; a spec that does not load is an error."""
    from ..spec import load_text

    try:
        load_text(text, registry, format=fmt)
    except SpecError as exc:
        raise RailguardError(f"the imported spec does not load with the installed validators:\n{exc}") from None
