"""A pytest plugin that collects the test cases specs carry, one pytest item per case.

Enable it with ``-p railguard.pytest_plugin`` (or ``pytest_plugins = ["railguard.pytest_plugin"]`` in
a root ``conftest.py``) and name the specs::

    pytest -p railguard.pytest_plugin --railguard-specs specs/

Every spec file under the named paths (recursively; ``*.tests.yaml`` sibling files are read with their
spec, not collected on their own) becomes a collector whose items are its cases, named
``spec.yaml::<case name>``; ``-k`` selects cases by name as usual. A failing case fails its item with
the report ``railguard test`` prints for it; a spec that does not load is a collection error with the
file, line and path of every problem. Each spec is compiled once, and its remote entries are answered
by local servers (see :mod:`railguard.spectest_remote`) until its last case has run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from .spectest import SPEC_SUFFIXES, CaseOutcome, is_sibling

OPTION = "--railguard-specs"


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("railguard")
    group.addoption(OPTION, action="append", default=[], metavar="PATH",
                    help="collect the test cases of the railguard specs under PATH (a file or directory)")


def _roots(config: Any) -> list[Path]:
    return [Path(p).resolve() for p in config.getoption("railguard_specs")]


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    roots = _roots(parent.config)
    if not roots or file_path.suffix.lower() not in SPEC_SUFFIXES or is_sibling(file_path):
        return None
    resolved = file_path.resolve()
    if not any(resolved == root or root in resolved.parents for root in roots):
        return None
    return SpecFile.from_parent(parent, path=file_path)


def pytest_sessionstart(session: Any) -> None:
    # Spec paths given only through the option are collected too, as if named on the command line.
    for root in _roots(session.config):
        if not root.exists():
            raise pytest.UsageError(f"{OPTION} {root}: no such file or directory")
        args = session.config.args
        if str(root) not in args and not any(Path(a).resolve() == root for a in args if Path(a).exists()):
            args.append(str(root))


class SpecCaseFailure(Exception):
    def __init__(self, outcome: CaseOutcome):
        super().__init__(outcome.title)
        self.outcome = outcome


class SpecFile(pytest.File):
    """A spec file: its cases are the items; the spec is compiled when its first case runs."""

    session_: Any = None

    def collect(self) -> Iterator["SpecCase"]:
        from .errors import SpecError
        from .spectest import load_cases

        try:
            _, cases = load_cases(self.path)
        except SpecError as exc:
            raise self.CollectError(str(exc)) from None
        for file, case in cases:
            name = case.name if file == str(self.path) else f"{Path(file).name}::{case.name}"
            yield SpecCase.from_parent(self, name=name, file=file, case=case)

    def setup(self) -> None:
        from .spectest import SpecSession

        self.session_ = SpecSession(self.path)

    def teardown(self) -> None:
        if self.session_ is not None:
            self.session_.close()
            self.session_ = None


class SpecCase(pytest.Item):
    def __init__(self, *, file: str, case: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.file = file
        self.case = case

    def runtest(self) -> None:
        parent: SpecFile = self.parent  # type: ignore[assignment]
        outcome = parent.session_.run(self.file, self.case)
        if not outcome.passed:
            raise SpecCaseFailure(outcome)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, SpecCaseFailure):
            from .spectest_render import render_failure

            return "\n".join(render_failure(excinfo.value.outcome)[1:])
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.file}: {self.case.name}"
