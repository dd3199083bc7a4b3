"""The document schema (the envelope) and what the spec layer needs to know of validators.

The spec layer knows nothing of plugins: whoever loads a spec passes a
:class:`Catalog`, which the plugin registry implements.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping, Protocol

from ..validator import ParamIssue
from .cases import TESTS_SCHEMA

SPEC_VERSION = 1
NAME_PATTERN = r"^[0-9a-zA-Z_-]{1,50}$"
ID_PATTERN = r"^[A-Za-z0-9_.#-]{1,64}$"
ON_ERROR = ["allow", "block"]
MODES = ["enforce", "monitor"]
STAGES = ("input", "output")

DEFAULT_MESSAGES = {
    "blocked_input": "Sorry, I can't help with that request.",
    "blocked_output": "Sorry, I can't share that answer.",
}
DEFAULT_SETTINGS = {
    "on_error": "block",
    "timeout_s": 10.0,
    "max_reasks": 1,
    "on_block": "return",
    "mask_format": "{TYPE}",
    "stream_reask": "buffer",
    "mode": "enforce",
}


class Catalog(Protocol):
    """What spec checking needs from a validator/action registry."""

    def validator_names(self) -> list[str]: ...

    def params_schema(self, name: str) -> Mapping[str, Any]: ...

    def default_on_fail(self, name: str) -> str: ...

    def can(self, name: str, kind: str) -> bool: ...

    def stages(self, name: str) -> tuple[str, ...]: ...

    def check_params(self, name: str, params: Mapping[str, Any]) -> Iterable[ParamIssue]: ...

    def action_names(self) -> list[str]: ...

    def action_kind(self, name: str) -> str: ...

    def action_stages(self, name: str) -> tuple[str, ...]: ...


def common_properties(action_names: Iterable[str]) -> dict[str, Any]:
    """Keys every validator entry accepts, whatever the validator."""
    return {
        "on_fail": {"enum": sorted(action_names), "description": "Action when the validator fails."},
        "id": {"type": "string", "pattern": ID_PATTERN, "description": "Name for this entry in results."},
        "on_error": {"enum": ON_ERROR, "description": "When the validator errors or times out."},
        "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
        "mode": {"enum": MODES, "description": "monitor: run and record the action it would take, never act."},
    }


def entry_schema(params_schema: Mapping[str, Any], action_names: Iterable[str]) -> dict[str, Any]:
    """A validator's parameter schema with the common keys added; unknown keys are refused."""
    schema = copy.deepcopy(dict(params_schema))
    schema.setdefault("type", "object")
    props = schema.setdefault("properties", {})
    for key, sub in common_properties(action_names).items():
        props.setdefault(key, sub)
    schema.setdefault("additionalProperties", False)
    return schema


def envelope_schema(action_names: Iterable[str]) -> dict[str, Any]:
    entry = {
        "anyOf": [
            {"type": "string"},
            {"type": "object", "minProperties": 1, "maxProperties": 1},
        ],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["railguard", "name"],
        "additionalProperties": False,
        "properties": {
            "railguard": {"enum": [SPEC_VERSION], "description": "Spec language version."},
            "name": {"type": "string", "pattern": NAME_PATTERN},
            "description": {"type": "string", "maxLength": 1000},
            "messages": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "blocked_input": {"type": "string", "minLength": 1, "maxLength": 500},
                    "blocked_output": {"type": "string", "minLength": 1, "maxLength": 500},
                },
            },
            "settings": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "on_error": {"enum": ON_ERROR},
                    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
                    "max_reasks": {"type": "integer", "minimum": 0, "maximum": 10},
                    "on_block": {"enum": ["raise", "return"]},
                    "mask_format": {"type": "string", "minLength": 1, "maxLength": 100},
                    "stream_reask": {"enum": ["block", "buffer"],
                                     "description": "In a stream, reask buffers the answer or blocks."},
                    "mode": {"enum": MODES, "description": "Default mode of every validator entry."},
                },
            },
            "input": {"type": "array", "items": entry},
            "output": {"type": "array", "items": entry},
            "tests": TESTS_SCHEMA,
        },
    }
