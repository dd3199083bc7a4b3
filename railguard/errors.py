"""The exception tree. Every error railguard raises derives from one base.

    RailguardError
     ├── SpecError            a spec is invalid; carries every SpecIssue found
     ├── PluginError          a plugin is broken or two plugins clash
     ├── GuardBlocked         the guard blocked and the spec (or action) says raise
     ├── ValidatorError       a validator failed to run (wrapped, handled by on_error)
     │    └── ValidatorTimeout
     ├── ModelError           the guarded model call failed
     └── MissingDependency    an optional extra is needed and not installed
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .results import GuardResult

__all__ = [
    "RailguardError",
    "SpecError",
    "SpecIssue",
    "PluginError",
    "GuardBlocked",
    "ValidatorError",
    "ValidatorTimeout",
    "ModelError",
    "MissingDependency",
]


class RailguardError(Exception):
    """Base of every railguard error."""


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec: where it is and what is wrong."""

    message: str
    path: str = "$"
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file or "<spec>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}"


class SpecError(RailguardError):
    """A spec is invalid. ``issues`` lists every problem found, in document order."""

    def __init__(self, issues: Iterable[SpecIssue] | str):
        if isinstance(issues, str):
            issues = [SpecIssue(issues)]
        self.issues: tuple[SpecIssue, ...] = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class PluginError(RailguardError):
    """A plugin could not be loaded, is malformed, or clashes with another."""


class GuardBlocked(RailguardError):
    """Raised when the guard blocks and raising was asked for; carries the full result."""

    def __init__(self, result: "GuardResult", message: str | None = None):
        self.result = result
        reasons = "; ".join(a.summary() for a in result.failures) or "blocked"
        super().__init__(message or f"guard {result.guard!r} blocked the {result.blocked_stage}: {reasons}")


class ValidatorError(RailguardError):
    """A validator raised or misbehaved. Handled by the validator's on_error."""


class ValidatorTimeout(ValidatorError):
    """A validator did not finish within its timeout."""


class ModelError(RailguardError):
    """The guarded model (callable, SageMaker endpoint, Bedrock model) failed."""


class MissingDependency(RailguardError):
    """An optional dependency is missing; the message carries the install command."""

    def __init__(self, what: str, extra: str, packages: Sequence[str] = ()):
        self.extra = extra
        pkgs = " ".join(packages)
        hint = f"pip install 'railguard[{extra}]'" + (f"  (or: pip install {pkgs})" if pkgs else "")
        super().__init__(f"{what} needs the optional extra '{extra}': {hint}")
