"""The README documents every hook, every built-in validator and every built-in action."""

from __future__ import annotations

import inspect
import re

from railguard import Registry, hookspecs

from coretest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_hook_is_documented() -> None:
    hooks = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if getattr(f, "railguard_spec", None) is not None]
    assert hooks, "no hook specifications found"
    for name in hooks:
        assert f"`{name}(" in README, f"hook {name} is not documented in the README"


def test_every_builtin_validator_has_a_reference_section_with_both_syntaxes() -> None:
    registry = Registry.load(autoload=False)
    for name in registry.validator_names():
        match = re.search(rf"^### `{name}`\n(.*?)(?=^### |^## )", README, re.S | re.M)
        assert match, f"validator {name} has no '### `{name}`' section in the README"
        section = match.group(1)
        assert "```yaml" in section and "```xml" in section, f"{name}: needs a YAML and a RAIL example"


def test_every_builtin_action_is_documented() -> None:
    registry = Registry.load(autoload=False)
    for name in registry.action_names():
        assert f"| `{name}` |" in README, f"action {name} is missing from the README's actions table"


def test_no_unmerged_placeholders_remain() -> None:
    assert "<!-- " not in README.replace("<!-- a comment -->", "")


def test_the_spec_language_examples_load_and_are_twins() -> None:
    from railguard import load_spec

    section = README.split("\n## Specs\n", 1)[1].split("\n## Semantics\n", 1)[0]
    yaml_text = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    xml_text = re.search(r"```xml\n(.*?)```", section, re.S).group(1)
    assert load_spec(yaml_text) == load_spec(xml_text)


def test_the_python_example_output_is_what_the_spec_gives() -> None:
    from railguard import Guard

    guard = Guard.from_file(ROOT / "specs" / "patient-assistant.yaml")
    assert "result.output          # 'My MRN is {MEDICAL_RECORD_NUMBER}'" in README
    assert guard.validate("My MRN is MRN-12345678", source="input").output == "My MRN is {MEDICAL_RECORD_NUMBER}"
