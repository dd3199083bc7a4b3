"""Spec tests: run the cases a spec carries and say which hold.

A spec carries cases under ``tests:`` (see :mod:`railguard.spec.cases`), or in a sibling
file named ``<stem>.tests.yaml`` beside ``<stem>.yaml`` or ``<stem>.rail`` (a mapping with the
one key ``tests``, checked like the spec). Each case runs one stage with no model, as a guarded
call runs it (so an output case can expect ``reask``, which ``guard.validate`` ends as a block;
``messages`` give the conversation, whose user turns the input stage checks), and is compared
with what it expects::

    from railguard.spectest import run_paths
    report = run_paths(["specs/"])
    print(report.render())
    assert report.ok

Entries that call a remote service (a Bedrock guardrail, Llama Guard on SageMaker or Bedrock)
are answered by local loopback servers replaying the case's ``replies`` (see
:mod:`railguard.spectest_remote`), so the cases run offline and in CI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import RailguardError, SpecError, SpecIssue
from .results import Assessment, StageResult
from .spec.model import Spec, TestCase

__all__ = ["CaseOutcome", "Report", "SpecSession", "find_specs", "load_cases", "run_cases", "run_paths",
           "outcome_kinds", "SIBLING_SUFFIX"]

SPEC_SUFFIXES = (".yaml", ".yml", ".rail", ".xml")
SIBLING_SUFFIX = ".tests.yaml"
_SHOWN_CHARS = 80


def _short(text: str | None, limit: int = _SHOWN_CHARS) -> str:
    if text is None:
        return "None"
    flat = text.replace("\r", "\\r").replace("\n", "\\n")
    return repr(flat if len(flat) <= limit else flat[:limit] + "...")


def is_sibling(path: Path) -> bool:
    return path.name.lower().endswith(SIBLING_SUFFIX)


def find_specs(paths: Iterable[str | Path]) -> list[Path]:
    """Spec files named by ``paths``; a directory gives its spec files (not recursive, sibling test files
    excluded). A named path that does not exist is an error."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.iterdir()
                          if p.is_file() and p.suffix.lower() in SPEC_SUFFIXES and not is_sibling(p))
        elif path.exists():
            out.append(path)
        else:
            raise SpecError([SpecIssue("no such file or directory", "$", str(path))])
    return out


def sibling_of(spec_path: Path) -> Path:
    stem = spec_path.name[: -len(spec_path.suffix)] if spec_path.suffix else spec_path.name
    return spec_path.with_name(stem + SIBLING_SUFFIX)


def _sibling_cases(path: Path, spec: Spec) -> tuple[TestCase, ...]:
    from .spec.cases import TESTS_SCHEMA, build_cases
    from .spec.check import schema_issues
    from .spec.yaml_source import parse_yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([SpecIssue(f"cannot read: {exc}", "$", str(path))]) from None
    data, source, issues = parse_yaml(text, str(path))
    schema = {"type": "object", "required": ["tests"], "additionalProperties": False,
              "properties": {"tests": TESTS_SCHEMA}}
    issues += schema_issues(schema, data, (), source)
    if issues:
        raise SpecError(issues)
    cases, problems = build_cases(data["tests"], {"input": spec.input, "output": spec.output}, source)
    if problems:
        raise SpecError(problems)
    return cases


def load_cases(spec_path: str | Path, registry: Any = None) -> tuple[Spec, list[tuple[str, TestCase]]]:
    """The spec and its cases, each with the file it came from (the spec, or the sibling tests file)."""
    from .plugins import Registry
    from .spec import load

    path = Path(spec_path)
    spec = load(path, registry or Registry.load())
    cases = [(str(path), c) for c in spec.tests]
    sibling = sibling_of(path)
    if sibling.exists():
        cases += [(str(sibling), c) for c in _sibling_cases(sibling, spec)]
    return spec, cases


@dataclass(frozen=True)
class CaseOutcome:
    """What one case did: whether it held, and why not."""

    spec: str
    file: str
    line: int | None
    case: TestCase
    passed: bool
    got: tuple[str, ...]  # what the guard did: ("pass",), ("block",), ("mask",), ("mask", "fix"), ...
    problems: tuple[str, ...] = ()
    stage: StageResult | None = None  # the stage run, before a wanted reask is turned into a block
    output: str | None = None  # the text the guard hands on (the blocked message when it blocks or reasks)
    duration_ms: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def title(self) -> str:
        return f"{self.where}: {self.case.name}"

    def to_dict(self) -> dict[str, Any]:
        stage = self.stage
        return {
            "spec": self.spec,
            "file": self.file,
            "line": self.line,
            "path": self.case.path,
            "name": self.case.name,
            "stage": self.case.stage,
            "expect": self.case.expect,
            "got": list(self.got),
            "passed": self.passed,
            "problems": list(self.problems),
            "notes": list(self.notes),
            "duration_ms": round(self.duration_ms, 3),
            "output": self.output,
            "assessments": [_verdict(a) for a in stage.assessments] if stage is not None else [],
        }


def _verdict(a: Assessment) -> dict[str, Any]:
    """An assessment without the text-free but bulky parts (details stay: they hold the scores)."""
    d = a.to_dict()
    return {k: d[k] for k in ("id", "validator", "passed", "action", "score", "categories", "spans", "error",
                              "message", "details") if k in d} | ({"monitored": True} if a.monitored else {})


@dataclass
class Report:
    """Every case outcome of a run, and the specs that could not be loaded."""

    outcomes: list[CaseOutcome] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    specs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.passed)

    @property
    def ok(self) -> bool:
        """Every case held, no spec failed to load, and there was something to run."""
        return not self.errors and self.failed == 0 and bool(self.outcomes)

    def summary(self) -> str:
        parts = [f"{self.failed} failed"] if self.failed else []
        parts.append(f"{self.passed} passed")
        if self.errors:
            parts.append(f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}")
        return ", ".join(parts) + f" in {self.seconds:.2f}s"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "passed": self.passed, "failed": self.failed, "specs": self.specs,
                "errors": [{"file": f, "message": m} for f, m in self.errors],
                "seconds": round(self.seconds, 3), "cases": [o.to_dict() for o in self.outcomes]}

    def render(self, *, verbose: bool = False) -> str:
        from .spectest_render import render_report

        return render_report(self, verbose=verbose)


# -- running ---------------------------------------------------------------------------------
def outcome_kinds(stage: StageResult) -> tuple[str, ...]:
    """What the guard did to the text: ``("block",)``, ``("reask",)``, ``("mask",)``, ``("fix",)``,
    ``("mask", "fix")`` or ``("pass",)``. A reask is reported as what a guarded call does (ask the model
    again), though with no model ``guard.validate`` ends it blocked. A ``raise`` action counts as a block."""
    if stage.reask:
        return ("reask",)
    acted = {a.action for a in stage.failures}
    if stage.blocked or "block" in acted or "raise" in acted or stage.raise_:
        return ("block",)
    changed = tuple(k for k in ("mask", "fix") if k in acted)
    if changed and stage.changed:
        return changed
    return ("pass",)


def _stage_flow(graph: Any, text: str, stage: str, messages: tuple) -> Any:
    """One stage on one text, as a guarded call runs it (a reask stays a reask)."""
    from ._frozen import EMPTY
    from .runtime.stage import run_stage
    from .validator import Context

    run = yield from run_stage(graph.stage(stage), text, Context(stage, "", graph.name, messages, EMPTY),
                               graph.actions)
    return run.result


def _run_one(guard: Any, case: TestCase) -> tuple[StageResult, str]:
    """The stage result for ``case`` and the text the guard would hand on."""
    from .messages import Conversation, Message
    from .runtime.drive import drive_sync

    if case.messages:
        conversation = Conversation.parse([{"role": r, "content": c} for r, c in case.messages])
        messages = conversation.messages
        text = case.text if case.text is not None else conversation.user_text()[0]
    else:
        text = case.text or ""
        messages = (Message("user", text),) if case.stage == "input" else ()
    result: StageResult = drive_sync(_stage_flow(guard.graph, text, case.stage, messages))
    blocked = result.blocked or result.reask or result.raise_
    return result, guard.graph.stage(case.stage).blocked_message if blocked else result.text


def check_case(case: TestCase, stage: StageResult, output: str) -> tuple[tuple[str, ...], list[str]]:
    """What the guard did, and every way that differs from what the case expects."""
    got = outcome_kinds(stage)
    problems: list[str] = []
    if case.expect not in got:
        would = (f" (monitor mode: enforcing, it would {stage.would_action})"
                 if stage.would_action not in (None, "none") else "")
        problems.append(f"expected {case.expect}, got {'+'.join(got)}{would}")
    assessments = {a.id: a for a in stage.assessments}
    for a in assessments.values():
        if a.error and a.id not in case.errors:
            problems.append(f"{a.id} errored ({a.error}); its on_error decided the outcome, not its judgement")
    for vid in case.errors:
        a = assessments.get(vid)
        if a is None or not a.error:
            problems.append(f"{vid} was expected to error but did not")
    if case.result is not None and output != case.result:
        problems.append(f"expected the text {_short(case.result)}, got {_short(output)}")
    failed = [a for a in assessments.values() if not a.passed]
    found_types = {s.type for a in failed for s in a.spans}
    missing = [t for t in case.entities if t not in found_types]
    if missing:
        problems.append(f"entity types {missing} were not reported (reported: {sorted(found_types)})")
    found_cats = {c for a in failed for c in a.categories}
    missing = [c for c in case.categories if c not in found_cats]
    if missing:
        problems.append(f"categories {missing} were not reported (reported: {sorted(found_cats)})")
    for vid in case.fires:
        a = assessments.get(vid)
        if a is None or a.passed:
            problems.append(f"{vid} was expected to fire but passed")
    for vid in case.passes:
        a = assessments.get(vid)
        if a is not None and not a.passed:
            problems.append(f"{vid} was expected to pass but fired ({a.action})")
    return got, problems


class SpecSession:
    """One spec's cases, ready to run one at a time (what pytest items need): the spec compiled once, its
    remote entries answered by local servers until :meth:`close`. Raises SpecError when the spec or its
    tests do not load."""

    def __init__(self, spec_path: str | Path, *, registry: Any = None,
                 resources: Mapping[str, Any] | None = None):
        from .guard import Guard
        from .plugins import Registry
        from .spectest_remote import Replayer

        registry = registry or Registry.load()
        self.spec, self.cases = load_cases(spec_path, registry)
        self._replayer = Replayer(self.spec, resources).__enter__()
        try:
            self.guard = Guard.from_spec(self.spec, registry=registry, resources=self._replayer.resources)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._replayer.__exit__(None, None, None)

    def __enter__(self) -> "SpecSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def run(self, file: str, case: TestCase) -> CaseOutcome:
        spec, replayer = self.spec, self._replayer
        line = _case_line(spec, file, case)
        notes = replayer.prepare(case)
        t0 = time.perf_counter()
        try:
            stage, output = _run_one(self.guard, case)
        except RailguardError as exc:
            return CaseOutcome(spec.name, file, line, case, False, ("error",), (f"error: {exc}",),
                               duration_ms=(time.perf_counter() - t0) * 1000, notes=notes)
        ms = (time.perf_counter() - t0) * 1000
        got, problems = check_case(case, stage, output)
        problems += replayer.problems()
        return CaseOutcome(spec.name, file, line, case, not problems, got, tuple(problems), stage, output, ms, notes)


def run_cases(spec_path: str | Path, *, registry: Any = None, resources: Mapping[str, Any] | None = None,
              keyword: str | None = None) -> list[CaseOutcome]:
    """Run the cases of one spec file (inline and sibling). ``keyword`` keeps the cases whose name
    contains it (case-insensitive). Raises SpecError when the spec or its tests do not load."""
    with SpecSession(spec_path, registry=registry, resources=resources) as session:
        cases = session.cases
        if keyword:
            cases = [(f, c) for f, c in cases if keyword.lower() in c.name.lower()]
        return [session.run(file, case) for file, case in cases]


def _case_line(spec: Spec, file: str, case: TestCase) -> int | None:
    if spec.source is not None and spec.source.file == file:
        line, _ = spec.source.locate(("tests", case.index))
        return line
    return _sibling_line(file, case.index)


def _sibling_line(file: str, index: int) -> int | None:
    from .spec.yaml_source import parse_yaml

    try:
        _, source, _ = parse_yaml(Path(file).read_text(encoding="utf-8-sig"), file)
    except (OSError, UnicodeDecodeError, SpecError):
        return None
    return source.locate(("tests", index))[0]


def run_paths(paths: Sequence[str | Path], *, keyword: str | None = None,
              resources: Mapping[str, Any] | None = None) -> Report:
    """Run the cases of every spec named by ``paths`` (files or directories). A spec that fails to load
    is reported as an error of the run, the others still run."""
    from .plugins import Registry

    t0 = time.perf_counter()
    report = Report()
    registry = Registry.load()
    for path in find_specs(paths):
        report.specs.append(str(path))
        try:
            report.outcomes += run_cases(path, registry=registry, resources=resources, keyword=keyword)
        except SpecError as exc:
            report.errors.append((str(path), str(exc)))
    report.seconds = time.perf_counter() - t0
    return report
