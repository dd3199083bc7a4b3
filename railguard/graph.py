"""The compiled guard graph: input stage, model call, output stage.

The compiler (:func:`compile_spec`) is the only place where validator and action
names are resolved against the registry. The graph is immutable; the only state a
node carries is whether its validator's lazy ``setup()`` has run.
"""

from __future__ import annotations

import threading
from functools import cached_property
from dataclasses import dataclass, field
from typing import Any

from ._frozen import EMPTY, FrozenMap, thaw
from .actions import Action, Kind
from .chunking import ChunkPolicy
from .errors import SpecError, SpecIssue, ValidatorError
from .spec.model import Spec, ValidatorSpec
from .validator import Validator

__all__ = ["GuardGraph", "StageGraph", "Node", "compile_spec", "DEFERRED"]


class DeferredResources(FrozenMap):
    """Resources promised for run time (``railguard check --no-resources``): none is here, and
    ``deferred`` tells a validator's ``link()`` to skip the checks that need one (a llama_guard
    ``callable`` model) while still checking everything else."""

    deferred = True


DEFERRED = DeferredResources()


class _Readiness:
    """Runs a validator's setup() once, thread-safely; a failed setup is retried on the next call."""

    __slots__ = ("lock", "done")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False


@dataclass(frozen=True, eq=False)
class Node:
    spec: ValidatorSpec
    validator: Validator
    action: Action
    mask_format: str
    mode: str  # "inline" | "thread" | "async"
    policy: ChunkPolicy | None = None
    _ready: _Readiness = field(default_factory=_Readiness, repr=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> Kind:
        return self.action.kind

    @cached_property
    def monitor(self) -> bool:
        """Monitor mode: the validator runs and its would-be action is recorded, never taken."""
        return self.spec.mode == "monitor"

    def ensure_ready(self) -> None:
        ready = self._ready
        if ready.done:
            return
        with ready.lock:
            if not ready.done:
                try:
                    self.validator.setup()
                except Exception as exc:
                    raise ValidatorError(f"setup failed: {type(exc).__name__}: {exc}") from exc
                ready.done = True


@dataclass(frozen=True)
class StageGraph:
    stage: str
    nodes: tuple[Node, ...]
    blocked_message: str

    @cached_property
    def fixers(self) -> int:
        """How many nodes act by fixing (bounds the fix-and-check-again rounds)."""
        return sum(1 for n in self.nodes if n.action.kind == Kind.FIX)

    def __bool__(self) -> bool:
        return bool(self.nodes)


@dataclass(frozen=True)
class GuardGraph:
    name: str
    spec: Spec
    input: StageGraph
    output: StageGraph
    actions: FrozenMap = EMPTY
    tracing: bool = False

    def stage(self, stage: str) -> StageGraph:
        return self.input if stage == "input" else self.output

    @cached_property
    def spec_hash(self) -> str:
        """A short hash of the spec's meaning, naming this version of the guard in telemetry and audit records."""
        from .telemetry.facts import spec_hash

        return spec_hash(self.spec)

    # -- rendering ------------------------------------------------------------------------
    def to_text(self) -> str:
        s = self.spec.settings
        lines = [f"guard {self.name}" + (f" ({self.spec.file})" if self.spec.file else ""),
                 f"settings: on_error={s.on_error} timeout_s={s.timeout_s:g} max_reasks={s.max_reasks} "
                 f"on_block={s.on_block} mask_format={s.mask_format}"]

        def stage_lines(sg: StageGraph) -> None:
            if not sg.nodes:
                lines.append(f"{sg.stage}: (no validators, text passes unchecked)")
                return
            lines.append(f"{sg.stage}: {len(sg.nodes)} validator(s), run concurrently")
            for n, node in enumerate(sg.nodes):
                branch = "└─" if n == len(sg.nodes) - 1 else "├─"
                label = node.spec.name if node.id == node.spec.name else f"{node.id} ({node.spec.name})"
                lines.append(f"  {branch} {label}: on_fail={node.action.name} on_error={node.spec.on_error} "
                             f"timeout_s={node.spec.timeout_s:g} [{node.mode}]{' (monitor)' if node.monitor else ''}")
            lines.append(f"  on block: {sg.blocked_message!r}")

        stage_lines(self.input)
        lines.append("model: the guarded call" + (" (reached only if input passes)" if self.input else ""))
        stage_lines(self.output)
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        def q(text: str) -> str:
            return '"' + text.replace('"', "#quot;") + '"'

        out = ["flowchart TD", f"  user([{q('user input')}])"]
        prev = "user"
        for sg in (self.input, self.output):
            if sg.stage == "output":
                out.append(f"  {prev} --> model[[{q('model call')}]]")
                prev = "model"
            if not sg.nodes:
                continue
            join = f"{sg.stage}_join"
            out.append(f"  subgraph {sg.stage}_stage [{q(sg.stage + ' stage')}]")
            for n, node in enumerate(sg.nodes):
                out.append(f"    {sg.stage}_{n}[{q(node.id + ': ' + node.spec.name)}]")
            out.append(f"    {join}{{{q('merge: raise > block > reask > fix > mask > log')}}}")
            out.append("  end")
            for n, node in enumerate(sg.nodes):
                out.append(f"  {prev} --> {sg.stage}_{n}")
                out.append(f"  {sg.stage}_{n} -- {q(node.action.name)} --> {join}")
            blocked = f"{sg.stage}_blocked"
            out.append(f"  {join} -- block --> {blocked}([{q('blocked: ' + sg.blocked_message)}])")
            prev = join
        if not self.output.nodes and prev != "model":
            out.append(f"  {prev} --> model[[{q('model call')}]]")
            prev = "model"
        if self.output.nodes and any(n.action.kind == Kind.REASK for n in self.output.nodes):
            out.append(f"  output_join -- {q('reask (max ' + str(self.spec.settings.max_reasks) + ')')} --> model")
        out.append(f"  {prev} -- pass --> answer([{q('answer to user')}])")
        return "\n".join(out)


def compile_spec(spec: Spec, registry: Any, resources: Any = None) -> GuardGraph:
    """Resolve names and build the graph; raises SpecError (with spec locations) on any problem."""
    from .spec.check import _semantic_issues, did_you_mean, schema_issues
    from .spec.schema import entry_schema
    from .spec.source import SourceMap, sort_issues

    source = spec.source or SourceMap()
    issues: list[SpecIssue] = []
    stages: dict[str, StageGraph] = {}
    known = registry.validator_names()
    actions = registry.action_names()
    for stage in ("input", "output"):
        nodes: list[Node] = []
        for entry in spec.stage(stage):
            path = (stage, entry.index, entry.name)
            if entry.name not in known:
                issues.append(source.issue(path, f"{entry.name!r} is not a known validator"
                                           f"{did_you_mean(entry.name, known)}. Known validators: {known}", key=True))
                continue
            params = thaw(entry.params)
            full = {**params, "id": entry.id, "on_fail": entry.on_fail, "on_error": entry.on_error,
                    "timeout_s": entry.timeout_s, "mode": entry.mode}
            found = schema_issues(entry_schema(registry.params_schema(entry.name), actions), full, path, source)
            found += _semantic_issues(entry.name, stage, full, path, source, registry, schema_ok=not found)
            if found:
                issues += found
                continue
            cls = registry.validator_class(entry.name)
            try:
                validator = cls(entry.params, stage=stage)
            except Exception as exc:
                issues.append(source.issue(path, f"validator {entry.name!r} rejected its parameters: "
                                           f"{type(exc).__name__}: {exc}"))
                continue
            # Read from the instance: a validator may run inline for one configuration only.
            mode = "async" if cls.is_async() else "inline" if validator.inline else "thread"
            mask_format = params.get("mask_format") if isinstance(params.get("mask_format"), str) else None
            validator.entry_id = entry.id
            try:
                validator.link(spec, resources if resources is not None else EMPTY)
            except Exception as exc:
                issues.append(source.issue(path, str(exc) if isinstance(exc, ValueError) else
                                           f"validator {entry.name!r} failed to link: {type(exc).__name__}: {exc}"))
                continue
            try:
                policy = validator.chunk_policy()
            except Exception as exc:
                issues.append(source.issue(path, f"validator {entry.name!r} has an invalid chunk policy: {exc}"))
                continue
            nodes.append(Node(entry, validator, registry.action(entry.on_fail),
                              mask_format or spec.settings.mask_format, mode, policy))
        stages[stage] = StageGraph(stage, tuple(nodes), spec.messages.blocked(stage))
    if issues:
        raise SpecError(sort_issues(issues))
    actions_map = FrozenMap({name: registry.action(name) for name in actions})
    return GuardGraph(spec.name, spec, stages["input"], stages["output"], actions_map,
                      tracing=registry.has_tracing())
