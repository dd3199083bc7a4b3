"""The ``llama_guard`` parameters: JSON Schema, and the checks a schema cannot express."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from railguard import ParamIssue

from .categories import DEFAULT_VARIANT, MODEL_NAMES, VARIANTS, catalogue, default_categories
from .prompt import RENDERERS

__all__ = ["PARAMS_SCHEMA", "CATEGORY_ACTIONS", "check"]

CODE = r"^[A-Za-z][A-Za-z0-9_-]{0,15}$"
# Actions a category may override the entry's on_fail with (Llama Guard reports no spans or fixes).
CATEGORY_ACTIONS = ("raise", "block", "reask", "log")
_AWS = {
    "region": {"type": "string", "pattern": r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$"},
    "endpoint_url": {"type": "string", "pattern": r"^https?://\S+$"},
    "profile": {"type": "string", "minLength": 1, "maxLength": 128},
    "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
    "read_timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
    "parameters": {"type": "object", "description": "Generation parameters merged over the deterministic defaults."},
}
_SM_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"

PARAMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["model"],
    "properties": {
        "version": {"enum": [1, 2, 3], "description": "Llama Guard 1, 2 or 3 (default 3)."},
        "model_variant": {"enum": ["7b", "8b", "1b", "11b-vision"],
                          "description": "1: 7b; 2: 8b; 3: 1b, 8b (default) or 11b-vision."},
        "categories": {
            "type": "array", "minItems": 1, "maxItems": 50,
            "description": "Codes of the model's categories (kept with their codes) and/or custom categories.",
            "items": {"anyOf": [
                {"type": "string", "pattern": CODE},
                {"type": "object", "required": ["code"], "additionalProperties": False,
                 "x-rail-text": "description",
                 "properties": {"code": {"type": "string", "pattern": CODE},
                                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                                "description": {"type": "string", "maxLength": 4000}}},
            ]},
        },
        "descriptions": {"type": "boolean", "description": "List each category's policy text under its name."},
        "renderer": {"enum": list(RENDERERS)},
        "category_actions": {
            "type": "object", "additionalProperties": False,
            "description": "Per-category actions overriding on_fail, e.g. {block: [S1, S2], log: [S6]}.",
            "properties": {a: {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": CODE}}
                           for a in CATEGORY_ACTIONS},
        },
        "model": {
            "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
            "description": "Where the model runs: exactly one of sagemaker, bedrock, openai, callable.",
            "properties": {
                "sagemaker": {"type": "object", "required": ["endpoint"], "additionalProperties": False,
                              "properties": {"endpoint": {"type": "string", "pattern": _SM_NAME, "maxLength": 63},
                                             "inference_component": {"type": "string", "maxLength": 63,
                                                                     "pattern": r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$"},
                                             "target_variant": {"type": "string", "pattern": _SM_NAME, "maxLength": 63},
                                             "custom_attributes": {"type": "string", "maxLength": 1024},
                                             **_AWS}},
                "bedrock": {"type": "object", "required": ["model_id"], "additionalProperties": False,
                            "properties": {"model_id": {"type": "string", "minLength": 1, "maxLength": 2048},
                                           "payload": {"enum": ["llama", "tgi", "openai_completion"]},
                                           **_AWS}},
                "openai": {"type": "object", "required": ["base_url"], "additionalProperties": False,
                           "properties": {"base_url": {"type": "string", "pattern": r"^https?://\S+$"},
                                          "model": {"type": "string", "minLength": 1, "maxLength": 256},
                                          "api_key_env": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                                          "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
                                          "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
                                          "parameters": _AWS["parameters"]}},
                "callable": {"anyOf": [
                    {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"},
                    {"type": "object", "required": ["name"], "additionalProperties": False,
                     "properties": {"name": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"}}},
                ]},
            },
        },
        "max_new_tokens": {"type": "integer", "minimum": 1, "maximum": 256},
        "batch_chars": {"type": "integer", "minimum": 50, "maximum": 1_000_000,
                        "description": "When streaming, check the answer every this many characters."},
        "max_chars": {"type": "integer", "minimum": 1000, "maximum": 10_000_000,
                      "description": "Split longer texts into chunks checked separately (default: never split)."},
        "include_denied_topics": {"type": "boolean",
                                  "description": "Add this stage's denied_topics entries as custom categories."},
        "denied_topics_from": {"type": "string", "pattern": r"^[A-Za-z0-9_.#-]{1,64}$",
                               "description": "Add the topics of the denied_topics entry with this id."},
    },
}


def _did_you_mean(value: str, choices: list[str]) -> str:
    from railguard.spec.check import did_you_mean

    return did_you_mean(value, choices)


def check(params: Mapping[str, Any]) -> Iterator[ParamIssue]:
    version = params.get("version", 3)
    if version not in VARIANTS:
        return
    variant = params.get("model_variant", DEFAULT_VARIANT[version])
    if variant not in VARIANTS[version]:
        yield ParamIssue(("model_variant",), f"{variant!r} is not a Llama Guard {version} model; "
                         f"valid for version {version}: {list(VARIANTS[version])}")
        return
    model = MODEL_NAMES[(version, variant)]
    known = {c.code: c for c in default_categories(version, variant)}
    every = {c.code: c for c in catalogue(version)}
    configured: list[str] = []
    raw = params.get("categories")
    for i, item in enumerate(raw if isinstance(raw, (list, tuple)) else ()):
        if isinstance(item, Mapping) and "name" in item:
            code = str(item.get("code", ""))
        else:
            code = str(item.get("code", "")) if isinstance(item, Mapping) else str(item)
            path: tuple = ("categories", i) + (("code",) if isinstance(item, Mapping) else ())
            if code.upper() not in known:
                why = (f" ({every[code.upper()].name.rstrip('.')} exists only on Llama-Guard-3-8B)"
                       if code.upper() in every else _did_you_mean(code, list(known)))
                yield ParamIssue(path, f"{code!r} is not a category of {model}{why}; its categories are "
                                 f"{list(known)}; a category of your own needs a name: "
                                 f"{{code: {code}, name: ..., description: ...}}")
                continue
            if isinstance(item, Mapping) and item.get("description"):
                yield ParamIssue(path[:-1] + ("description",), f"{code!r} is one of {model}'s own categories, "
                                 f"whose policy text is fixed; give a name to define a custom category")
            code = code.upper()
        if code in configured:
            yield ParamIssue(("categories", i), f"{code!r} is listed twice")
        configured.append(code)
    if params.get("include_denied_topics") and params.get("denied_topics_from"):
        yield ParamIssue(("denied_topics_from",), "give either include_denied_topics or denied_topics_from, not both")
    topics = bool(params.get("include_denied_topics") or params.get("denied_topics_from"))
    targets = configured or list(known)
    seen: dict[str, str] = {}
    actions = params.get("category_actions")
    for action, codes in (actions.items() if isinstance(actions, Mapping) else ()):
        for j, code in enumerate(codes if isinstance(codes, (list, tuple)) else ()):
            path = ("category_actions", action, j)
            if not isinstance(code, str):
                continue
            if code in seen:
                yield ParamIssue(path, f"{code!r} already has the action {seen[code]!r}")
                continue
            seen[code] = action
            if code not in targets and not topics:
                yield ParamIssue(path, f"{code!r} is not among the categories this entry checks "
                                 f"{targets}{_did_you_mean(code, targets)}")
    model_cfg = params.get("model")
    openai = model_cfg.get("openai") if isinstance(model_cfg, Mapping) else None
    if isinstance(openai, Mapping) and isinstance(openai.get("base_url"), str) and "chat" in openai["base_url"]:
        yield ParamIssue(("model", "openai", "base_url"), f"{openai['base_url']!r} is a chat route: the server would "
                         f"apply the chat template to an already rendered prompt; give the base URL "
                         f"(for example http://host:8000/v1), the completions route is used")
