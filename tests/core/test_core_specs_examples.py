"""Every example spec comes as a YAML and RAIL pair with the same meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from railguard import Guard, load_spec

from coretest import ROOT

SPECS = ROOT / "specs"
PAIRS = sorted(p.stem for p in SPECS.glob("*.yaml"))


def test_there_are_at_least_three_domain_specs() -> None:
    assert len(PAIRS) >= 3


@pytest.mark.parametrize("stem", PAIRS)
def test_yaml_and_rail_twins_load_to_equal_specs(stem: str) -> None:
    rail = SPECS / f"{stem}.rail"
    assert rail.exists(), f"{stem}.yaml has no RAIL twin"
    assert load_spec(SPECS / f"{stem}.yaml") == load_spec(rail)


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.rail")))
def test_every_rail_spec_has_a_yaml_twin(path: Path) -> None:
    assert (SPECS / f"{path.stem}.yaml").exists()


@pytest.mark.parametrize("stem", PAIRS)
def test_every_example_compiles(stem: str) -> None:
    guard = Guard.from_file(SPECS / f"{stem}.yaml")
    assert guard.graph.input.nodes or guard.graph.output.nodes
