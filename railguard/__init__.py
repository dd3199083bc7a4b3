"""railguard: declarative safety guardrails around LLM calls.

    import railguard
    guard = railguard.Guard.from_file("specs/bank.yaml")
    result = guard.validate("my card is 4111 1111 1111 1111", source="input")

Importing railguard is cheap: every name below is loaded on first use, and nothing
(no plugin, no boto3, no logging handler) is set up at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Guard",
    "load_spec",
    "GuardResult",
    "StageResult",
    "Assessment",
    "Outcome",
    "Span",
    "Validator",
    "Context",
    "ParamIssue",
    "ChunkPolicy",
    "Action",
    "Kind",
    "Model",
    "CallableModel",
    "Message",
    "hookimpl",
    "Registry",
    "RailguardError",
    "SpecError",
    "SpecIssue",
    "PluginError",
    "GuardBlocked",
    "ValidatorError",
    "ValidatorTimeout",
    "ModelError",
    "MissingDependency",
    "__version__",
]

_LAZY = {
    "Guard": "railguard.guard",
    "load_spec": "railguard.guard",
    "GuardResult": "railguard.results",
    "StageResult": "railguard.results",
    "Assessment": "railguard.results",
    "Outcome": "railguard.results",
    "Span": "railguard.results",
    "Validator": "railguard.validator",
    "Context": "railguard.validator",
    "ParamIssue": "railguard.validator",
    "ChunkPolicy": "railguard.chunking",
    "Action": "railguard.actions",
    "Kind": "railguard.actions",
    "Model": "railguard.llm.base",
    "CallableModel": "railguard.llm.base",
    "Message": "railguard.messages",
    "hookimpl": "railguard.hookspecs",
    "Registry": "railguard.plugins",
    "RailguardError": "railguard.errors",
    "SpecError": "railguard.errors",
    "SpecIssue": "railguard.errors",
    "PluginError": "railguard.errors",
    "GuardBlocked": "railguard.errors",
    "ValidatorError": "railguard.errors",
    "ValidatorTimeout": "railguard.errors",
    "ModelError": "railguard.errors",
    "MissingDependency": "railguard.errors",
}

if TYPE_CHECKING:  # pragma: no cover
    from .actions import Action, Kind
    from .chunking import ChunkPolicy
    from .errors import (GuardBlocked, MissingDependency, ModelError, PluginError, RailguardError, SpecError,
                         SpecIssue, ValidatorError, ValidatorTimeout)
    from .guard import Guard, load_spec
    from .hookspecs import hookimpl
    from .llm.base import CallableModel, Model
    from .messages import Message
    from .plugins import Registry
    from .results import Assessment, GuardResult, Outcome, Span, StageResult
    from .validator import Context, ParamIssue, Validator


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("railguard")
        except PackageNotFoundError:
            value = "0+unknown"
        globals()[name] = value
        return value
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'railguard' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    if isinstance(value, type) and value.__module__.startswith("railguard."):
        value.__module__ = "railguard"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
