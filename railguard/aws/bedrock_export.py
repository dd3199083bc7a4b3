"""A spec's Bedrock-expressible validators as a CreateGuardrail request, and back.

Export (:func:`spec_to_request`) maps, per stage, ``pii`` entities (per-entity or on_fail
actions), ``regex`` patterns, ``words`` and managed word lists, ``denied_topics`` topics and the
spec's blocked messages onto one CreateGuardrail request with per-stage actions
(``inputAction``/``outputAction``, ``inputEnabled``/``outputEnabled``), and ``content_filter`` /
``prompt_attack`` onto ``contentPolicyConfig`` (:mod:`railguard.aws.bedrock_content`). Everything with no
Bedrock counterpart (other validators, ``mask_format``, allow lists, engines, guardrail
references) is listed in :attr:`Export.notes` with its spec location: nothing is dropped
silently. :func:`check_request` runs botocore's own parameter validator and then the limits
botocore does not enforce (lengths, counts, patterns, enums) read from the same service model.

Import is in :mod:`railguard.aws.bedrock_import`; the control-plane calls (create or update, wait
until READY, create a version) are :func:`create_or_update`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .._frozen import thaw
from ..errors import RailguardError
from .bedrock_content import ContentExport

__all__ = ["Export", "spec_to_request", "check_request", "shape_problems", "create_or_update", "service_shape",
           "config_to_policy", "policy_to_config", "STAGE_ACTIONS"]

SERVICE = "bedrock"
DEFAULT_MASK_FORMAT = "{TYPE}"
# on_fail -> Bedrock action, per policy family. reask is exported as BLOCK (Bedrock cannot reask).
STAGE_ACTIONS = {
    "sensitive": {"mask": "ANONYMIZE", "block": "BLOCK", "raise": "BLOCK", "reask": "BLOCK", "log": "NONE"},
    "block_only": {"block": "BLOCK", "raise": "BLOCK", "reask": "BLOCK", "log": "NONE"},
}
_RANK = {"NONE": 0, "ANONYMIZE": 1, "BLOCK": 2}
# CreateGuardrail request member -> GetGuardrail response member, per policy.
_POLICY_KEYS = {
    "topicPolicyConfig": ("topicPolicy", {"topicsConfig": "topics", "tierConfig": "tier"}),
    "contentPolicyConfig": ("contentPolicy", {"filtersConfig": "filters", "tierConfig": "tier"}),
    "wordPolicyConfig": ("wordPolicy", {"wordsConfig": "words", "managedWordListsConfig": "managedWordLists"}),
    "sensitiveInformationPolicyConfig": ("sensitiveInformationPolicy",
                                         {"piiEntitiesConfig": "piiEntities", "regexesConfig": "regexes"}),
    "contextualGroundingPolicyConfig": ("contextualGroundingPolicy",
                                        {"filtersConfig": "filters", "tierConfig": "tier"}),
}


def service_shape(operation: str, *, output: bool = False, service: str = SERVICE) -> Any:
    """The botocore input (or output) shape of ``operation``."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    op = model.operation_model(operation)
    return op.output_shape if output else op.input_shape


def config_to_policy(request: Mapping[str, Any]) -> dict[str, Any]:
    """The policies of a CreateGuardrail request in GetGuardrail's response shape."""
    out: dict[str, Any] = {}
    for req_key, (resp_key, members) in _POLICY_KEYS.items():
        if req_key in request:
            out[resp_key] = {members.get(k, k): thaw(v) for k, v in request[req_key].items()}
    return out


def policy_to_config(response: Mapping[str, Any]) -> dict[str, Any]:
    """The policies of a GetGuardrail response in CreateGuardrail's request shape."""
    out: dict[str, Any] = {}
    for req_key, (resp_key, members) in _POLICY_KEYS.items():
        if resp_key in response:
            back = {v: k for k, v in members.items()}
            out[req_key] = {back.get(k, k): thaw(v) for k, v in response[resp_key].items()}
    return out


# -- shape checking -------------------------------------------------------------------------
def _pattern(p: str) -> re.Pattern[str] | None:
    try:
        return re.compile(p)
    except re.error:
        return None


def shape_problems(value: Any, shape: Any, path: str = "$", *, unenforced_only: bool = False) -> list[str]:
    """Where ``value`` breaks ``shape`` (a botocore shape): types, required and unknown members,
    enums, min/max lengths and counts, patterns. With ``unenforced_only``, only what botocore's
    ParamValidator leaves unchecked (maxima, patterns, enums)."""
    out: list[str] = []
    t = shape.type_name
    md = shape.metadata
    full = not unenforced_only
    if t == "structure":
        if not isinstance(value, Mapping):
            return [f"{path}: expected an object, got {type(value).__name__}"] if full else []
        if full:
            out += [f"{path}: missing required member {r!r}" for r in md.get("required", ()) if r not in value]
        for k, v in value.items():
            member = shape.members.get(k)
            if member is None:
                if full:
                    out.append(f"{path}: unknown member {k!r}; valid: {sorted(shape.members)}")
                continue
            out += shape_problems(v, member, f"{path}.{k}", unenforced_only=unenforced_only)
        if md.get("union") and full and len(value) != 1:
            out.append(f"{path}: exactly one of {sorted(shape.members)} must be set")
        return out
    if t == "list":
        if not isinstance(value, (list, tuple)):
            return [f"{path}: expected a list, got {type(value).__name__}"] if full else []
        if "max" in md and len(value) > md["max"]:
            out.append(f"{path}: {len(value)} items; Bedrock allows at most {md['max']}")
        if full and "min" in md and len(value) < md["min"]:
            out.append(f"{path}: {len(value)} items; Bedrock needs at least {md['min']}")
        for i, item in enumerate(value):
            out += shape_problems(item, shape.member, f"{path}[{i}]", unenforced_only=unenforced_only)
        return out
    if t == "map":
        if not isinstance(value, Mapping):
            return [f"{path}: expected an object, got {type(value).__name__}"] if full else []
        for k, v in value.items():
            out += shape_problems(v, shape.value, f"{path}.{k}", unenforced_only=unenforced_only)
        return out
    if t == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {type(value).__name__}"] if full else []
        enum = getattr(shape, "enum", None) or md.get("enum")
        if enum and value not in enum:
            out.append(f"{path}: {value!r} is not one of {list(enum)}")
        if "max" in md and len(value) > md["max"]:
            out.append(f"{path}: {len(value)} characters; Bedrock allows at most {md['max']}")
        if full and "min" in md and len(value) < md["min"]:
            out.append(f"{path}: {len(value)} characters; Bedrock needs at least {md['min']}")
        rx = _pattern(md["pattern"]) if "pattern" in md else None
        if rx is not None and value and not rx.fullmatch(value):
            shown = value if len(value) <= 60 else value[:57] + "..."
            out.append(f"{path}: {shown!r} does not match Bedrock's pattern {md['pattern']}")
        return out
    if t in ("integer", "long", "double", "float"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if t in ("integer", "long"):
            ok = ok and float(value).is_integer()
        if not ok:
            return [f"{path}: expected a number, got {type(value).__name__}"] if full else []
        if "max" in md and value > md["max"]:
            out.append(f"{path}: {value} is above the maximum {md['max']}")
        if full and "min" in md and value < md["min"]:
            out.append(f"{path}: {value} is below the minimum {md['min']}")
        return out
    if t == "boolean" and full and not isinstance(value, bool):
        return [f"{path}: expected true or false, got {type(value).__name__}"]
    return out


def check_request(request: Mapping[str, Any], operation: str = "CreateGuardrail") -> list[str]:
    """Problems of a request: botocore's ParamValidator first, then the limits it does not check."""
    from botocore.validate import ParamValidator

    shape = service_shape(operation)
    report = ParamValidator().validate(dict(request), shape)
    problems = [line.strip() for line in report.generate_report().splitlines() if line.strip()] \
        if report.has_errors() else []
    return problems + shape_problems(request, shape, unenforced_only=True)


# -- export ---------------------------------------------------------------------------------
@dataclass
class Export:
    request: dict[str, Any]
    notes: list[str] = field(default_factory=list)


class _Merged:
    """Items keyed by identity, each with an action per stage, in order of first appearance."""

    def __init__(self) -> None:
        self.items: dict[Any, dict[str, Any]] = {}
        self.actions: dict[Any, dict[str, str]] = {}

    def add(self, key: Any, stage: str, action: str, item: dict[str, Any], where: str, notes: list[str]) -> None:
        self.items.setdefault(key, item)
        stages = self.actions.setdefault(key, {})
        old = stages.get(stage)
        if old is not None and old != action:
            notes.append(f"{where}: {key if isinstance(key, str) else key[0]!r} appears twice in the {stage} "
                         f"stage with actions {old} and {action}; exported as the stronger")
            action = old if _RANK.get(old, 0) >= _RANK.get(action, 0) else action
        stages[stage] = action

    def configs(self, with_action: bool) -> list[dict[str, Any]]:
        out = []
        for key, item in self.items.items():
            stages = self.actions[key]
            ia, oa = stages.get("input"), stages.get("output")
            cfg = dict(item)
            if with_action:
                cfg["action"] = ia if ia is not None else oa
            cfg.update(inputAction=ia or "NONE", outputAction=oa or "NONE",
                       inputEnabled=ia is not None, outputEnabled=oa is not None)
            out.append(cfg)
        return out


def _stage_action(family: str, on_fail: str, where: str, notes: list[str]) -> str | None:
    action = STAGE_ACTIONS[family].get(on_fail)
    if action is None:
        notes.append(f"{where}: on_fail {on_fail!r} has no Bedrock counterpart; entry not exported")
    elif on_fail == "reask":
        notes.append(f"{where}: on_fail 'reask' exported as BLOCK (Bedrock cannot ask the model again)")
    elif on_fail == "raise":
        notes.append(f"{where}: on_fail 'raise' exported as BLOCK")
    return action


def _unknown_keys(params: Mapping[str, Any], known: Iterable[str], where: str, notes: list[str]) -> None:
    for key in params:
        if key not in known:
            notes.append(f"{where}.{key}: no Bedrock counterpart; not exported")


def spec_to_request(spec: Any, *, name: str | None = None, description: str | None = None) -> Export:
    """The CreateGuardrail request for ``spec`` (a loaded :class:`~railguard.spec.model.Spec`)."""
    notes: list[str] = []
    pii, regexes, words, managed, topics = _Merged(), _Merged(), _Merged(), _Merged(), _Merged()
    content = ContentExport()
    if spec.settings.mask_format != DEFAULT_MASK_FORMAT:
        notes.append(f"$.settings.mask_format: {spec.settings.mask_format!r} not exported; Bedrock masks as {{TYPE}}")
    for stage in ("input", "output"):
        for entry in spec.stage(stage):
            where = spec.location(entry)
            params = thaw(entry.params)
            if entry.name == "pii":
                _export_pii(params, entry, stage, where, pii, notes)
            elif entry.name == "regex":
                _export_regex(params, entry, stage, where, regexes, notes)
            elif entry.name == "words":
                _export_words(params, entry, stage, where, words, managed, notes)
            elif entry.name == "denied_topics":
                _export_topics(params, entry, stage, where, topics, notes)
            elif entry.name == "content_filter":
                content.add_content(params, entry, stage, where, notes)
            elif entry.name == "prompt_attack":
                content.add_attack(params, entry, stage, where, notes)
            elif entry.name == "bedrock_guardrail":
                notes.append(f"{where}: not exported: a reference to Bedrock guardrail {entry.id} "
                             f"(a guardrail cannot include another)")
            else:
                notes.append(f"{where}: not exported: {entry.name!r} has no Bedrock counterpart")
    request: dict[str, Any] = {"name": name or spec.name}
    desc = description if description is not None else spec.description
    if desc:
        request["description"] = desc
    if topics.items:
        request["topicPolicyConfig"] = {"topicsConfig": topics.configs(False)}
    if content.config():
        request["contentPolicyConfig"] = content.config()
    word_policy: dict[str, Any] = {}
    if words.items:
        word_policy["wordsConfig"] = words.configs(False)
    if managed.items:
        word_policy["managedWordListsConfig"] = managed.configs(False)
    if word_policy:
        request["wordPolicyConfig"] = word_policy
    sensitive: dict[str, Any] = {}
    if pii.items:
        sensitive["piiEntitiesConfig"] = pii.configs(True)
    if regexes.items:
        sensitive["regexesConfig"] = regexes.configs(True)
    if sensitive:
        request["sensitiveInformationPolicyConfig"] = sensitive
    request["blockedInputMessaging"] = spec.messages.blocked_input
    request["blockedOutputsMessaging"] = spec.messages.blocked_output
    return Export(request, notes)


def _export_pii(params: dict, entry: Any, stage: str, where: str, merged: _Merged, notes: list[str]) -> None:
    from .bedrock_verdict import PII_TYPES

    default = _stage_action("sensitive", entry.on_fail, where, notes)
    if default is None:
        return
    fmt = params.get("mask_format")
    if fmt is not None and fmt != DEFAULT_MASK_FORMAT:
        notes.append(f"{where}.mask_format: {fmt!r} not exported; Bedrock masks as {{TYPE}}")
    if params.get("allow"):
        notes.append(f"{where}.allow: no Bedrock counterpart (allow lists); not exported")
    _unknown_keys(params, ("entities", "mask_format", "allow"), where, notes)
    for i, item in enumerate(params.get("entities") or ()):
        etype = item if isinstance(item, str) else item.get("type")
        own = None if isinstance(item, str) else item.get("action")
        action = {"mask": "ANONYMIZE", "block": "BLOCK"}.get(own, default) if own else default
        if etype not in PII_TYPES:
            notes.append(f"{where}.entities[{i}]: {etype!r} is not a Bedrock PII type; not exported")
            continue
        merged.add(etype, stage, action, {"type": etype}, where, notes)


def _export_regex(params: dict, entry: Any, stage: str, where: str, merged: _Merged, notes: list[str]) -> None:
    default = _stage_action("sensitive", entry.on_fail, where, notes)
    if default is None:
        return
    _unknown_keys(params, ("patterns", "normalize", "max_match"), where, notes)
    if params.get("normalize", True):
        notes.append(f"{where}: Bedrock matches regexes against the text as written; railguard's reading "
                     f"(normalize: invisible characters dropped, full-width and other-script digits as ASCII) "
                     f"is not exported")
    for p in params.get("patterns") or ():
        own = p.get("action")
        action = {"mask": "ANONYMIZE", "block": "BLOCK"}[own] if own else default
        item = {"name": p["name"]}
        if p.get("description"):
            item["description"] = p["description"]
        item["pattern"] = p["pattern"]
        merged.add((p["name"], p["pattern"]), stage, action, item, where, notes)
    _unknown_keys({k: v for p in params.get("patterns") or () for k, v in p.items()},
                  ("name", "pattern", "action", "description"), where + ".patterns", notes)


def _export_words(params: dict, entry: Any, stage: str, where: str, words: _Merged, managed: _Merged,
                  notes: list[str]) -> None:
    def action_for(name: str, at: str) -> str | None:
        if name == "mask":
            notes.append(f"{at}: 'mask' exported as BLOCK (Bedrock's word filters cannot mask)")
            return "BLOCK"
        return _stage_action("block_only", name, at, notes)

    default = action_for(entry.on_fail, where)
    if default is None:
        return
    if params.get("normalize"):
        notes.append(f"{where}.normalize: not exported; Bedrock matches words its own way")
    _unknown_keys(params, ("words", "managed", "normalize"), where, notes)
    for i, w in enumerate(params.get("words") or ()):
        text = w if isinstance(w, str) else w.get("text")
        own = None if isinstance(w, str) else w.get("action")
        action = action_for(own, f"{where}.words[{i}]") if own else default
        if action is not None:
            words.add(text, stage, action, {"text": text}, where, notes)
    for i, kind in enumerate(params.get("managed") or ()):
        if kind != "PROFANITY":
            notes.append(f"{where}.managed[{i}]: {kind!r} is not a Bedrock managed word list; not exported")
            continue
        managed.add(kind, stage, default, {"type": kind}, where, notes)


def _export_topics(params: dict, entry: Any, stage: str, where: str, merged: _Merged, notes: list[str]) -> None:
    action = _stage_action("block_only", entry.on_fail, where, notes)
    if action is None:
        return
    _unknown_keys(params, ("topics",), where, notes)
    for i, t in enumerate(params.get("topics") or ()):
        item = {"name": t["name"], "definition": t.get("definition", "")}
        if t.get("examples"):
            item["examples"] = list(t["examples"])
        item["type"] = "DENY"
        old = merged.items.get(t["name"])
        if old is not None and old != item:
            notes.append(f"{where}.topics[{i}]: topic {t['name']!r} is defined differently in another entry; the "
                         f"first definition is exported")
        merged.add(t["name"], stage, action, item, where, notes)
        _unknown_keys(t, ("name", "definition", "examples"), f"{where}.topics[{i}]", notes)


# -- control plane --------------------------------------------------------------------------
def _call(fn: Any, what: str, **kwargs: Any) -> Any:
    from .client import error_code

    try:
        return fn(**kwargs)
    except Exception as exc:
        code = error_code(exc)
        if code:
            message = (getattr(exc, "response", {}).get("Error") or {}).get("Message", "")
            raise RailguardError(f"{what} failed: {code}: {message}") from None
        raise RailguardError(f"{what} failed: {type(exc).__name__}: {exc}") from None


def _wait_ready(client: Any, guardrail_id: str, timeout: float, poll: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        got = _call(client.get_guardrail, "GetGuardrail", guardrailIdentifier=guardrail_id, guardrailVersion="DRAFT")
        status = got.get("status")
        if status == "READY":
            return got
        if status == "FAILED":
            reasons = "; ".join(got.get("statusReasons") or ()) or "no reason given"
            raise RailguardError(f"guardrail {guardrail_id} is FAILED: {reasons}")
        if time.monotonic() >= deadline:
            raise RailguardError(f"guardrail {guardrail_id} is still {status} after {timeout:g}s; try again later "
                                 f"or raise --wait-timeout")
        time.sleep(poll)


def create_or_update(request: Mapping[str, Any], client: Any, *, update_id: str | None = None,
                     version_description: str | None = None, wait_timeout: float = 120.0,
                     poll: float = 1.0) -> dict[str, Any]:
    """Create (or update) the guardrail, wait until it is READY, then create a version."""
    if update_id is None:
        made = _call(client.create_guardrail, "CreateGuardrail", **request)
        gid, arn = made["guardrailId"], made["guardrailArn"]
    else:
        made = _call(client.update_guardrail, "UpdateGuardrail", guardrailIdentifier=update_id, **request)
        gid, arn = made["guardrailId"], made["guardrailArn"]
    _wait_ready(client, gid, wait_timeout, poll)
    kwargs: dict[str, Any] = {"guardrailIdentifier": gid}
    if version_description:
        kwargs["description"] = version_description
    version = _call(client.create_guardrail_version, "CreateGuardrailVersion", **kwargs)
    return {"guardrailId": gid, "guardrailArn": arn, "version": version["version"], "name": request["name"]}
