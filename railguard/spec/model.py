"""The immutable spec model both syntaxes load into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._frozen import FrozenMap, thaw
from .source import SourceMap


@dataclass(frozen=True)
class Messages:
    blocked_input: str
    blocked_output: str

    def blocked(self, stage: str) -> str:
        return self.blocked_input if stage == "input" else self.blocked_output


@dataclass(frozen=True)
class Settings:
    on_error: str
    timeout_s: float
    max_reasks: int
    on_block: str
    mask_format: str
    stream_reask: str = "buffer"
    mode: str = "enforce"  # default of every entry: "enforce" | "monitor"


@dataclass(frozen=True)
class ValidatorSpec:
    """One entry of a stage: which validator, with which parameters and actions."""

    name: str
    id: str
    stage: str
    index: int
    params: FrozenMap
    on_fail: str
    on_error: str
    timeout_s: float
    mode: str = "enforce"  # "monitor": run and record what it would do, never act

    @property
    def path(self) -> str:
        return f"$.{self.stage}[{self.index}].{self.name}"


@dataclass(frozen=True)
class TestCase:
    """One case of a spec's ``tests``: a text and what the guard must do with it (see spec/cases.py)."""

    __test__ = False  # not a pytest test class

    index: int
    name: str
    stage: str  # "input" | "output"
    text: str | None  # None: the input stage checks the user turns of ``messages``
    messages: tuple[tuple[str, str], ...]  # (role, content)
    expect: str  # "pass" | "block" | "mask" | "fix" | "reask"
    result: str | None = None
    entities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    fires: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    replies: FrozenMap = field(default_factory=FrozenMap)  # entry id -> the remote service's answer

    @property
    def path(self) -> str:
        return f"$.tests[{self.index}]"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.messages:
            out["messages"] = [{"role": r, "content": c} for r, c in self.messages]
        if self.text is not None:
            out[self.stage] = self.text
        out["expect"] = self.expect
        if self.result is not None:
            out["result"] = self.result
        for key in ("entities", "categories", "fires", "passes", "errors"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.replies:
            out["replies"] = thaw(self.replies)
        return out


@dataclass(frozen=True)
class Spec:
    version: int
    name: str
    description: str | None
    messages: Messages
    settings: Settings
    input: tuple[ValidatorSpec, ...]
    output: tuple[ValidatorSpec, ...]
    tests: tuple[TestCase, ...] = ()  # cases for `railguard test`
    source: SourceMap | None = field(default=None, compare=False, repr=False, hash=False)

    def stage(self, stage: str) -> tuple[ValidatorSpec, ...]:
        return self.input if stage == "input" else self.output

    @property
    def file(self) -> str | None:
        return self.source.file if self.source else None

    def location(self, entry: ValidatorSpec) -> str:
        """``file:line`` of a validator entry, for error messages."""
        if self.source is None:
            return entry.path
        line, _ = self.source.locate((entry.stage, entry.index))
        return f"{self.source.file or '<spec>'}:{line}: {entry.path}" if line else entry.path

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (the YAML form), with defaults filled in."""

        def entry(v: ValidatorSpec) -> dict[str, Any]:
            params = thaw(v.params)
            params.update(on_fail=v.on_fail, on_error=v.on_error, timeout_s=v.timeout_s, id=v.id, mode=v.mode)
            return {v.name: params}

        out: dict[str, Any] = {"railguard": self.version, "name": self.name}
        if self.description is not None:
            out["description"] = self.description
        out["messages"] = {"blocked_input": self.messages.blocked_input,
                           "blocked_output": self.messages.blocked_output}
        s = self.settings
        out["settings"] = {"on_error": s.on_error, "timeout_s": s.timeout_s, "max_reasks": s.max_reasks,
                           "on_block": s.on_block, "mask_format": s.mask_format, "stream_reask": s.stream_reask,
                           "mode": s.mode}
        out["input"] = [entry(v) for v in self.input]
        out["output"] = [entry(v) for v in self.output]
        if self.tests:
            out["tests"] = [case.to_dict() for case in self.tests]
        return out
