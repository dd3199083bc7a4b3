"""Spec loading from YAML: every class of error carries file, line, column and JSON path."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from railguard import SpecError, load_spec
from railguard.spec.model import Spec

from coretest import make_registry

GOOD = """\
railguard: 1
name: demo
input:
  - regex:
      patterns:
        - {name: SSN, pattern: '\\d{3}-\\d{2}-\\d{4}', action: mask}
  - length: {max: 50}
output:
  - length: {max: 10, unit: words, on_fail: fix, id: short}
"""


def issues(text: str, tmp_path: Path, name: str = "spec.yaml") -> list:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    for issue in exc.value.issues:
        assert issue.file == str(path)
    return list(exc.value.issues)


def one(text: str, tmp_path: Path):
    found = issues(text, tmp_path)
    assert len(found) == 1, [str(i) for i in found]
    return found[0]


def test_good_spec_loads_into_the_immutable_model(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(GOOD)
    spec = load_spec(tmp_path / "s.yaml")
    assert isinstance(spec, Spec)
    assert spec.name == "demo" and spec.version == 1
    assert [v.name for v in spec.input] == ["regex", "length"]
    assert spec.input[0].on_fail == "block"  # regex's default
    assert spec.input[0].params["patterns"][0]["name"] == "SSN"
    assert spec.output[0].id == "short" and spec.output[0].on_fail == "fix"
    assert spec.settings.on_error == "block" and spec.settings.timeout_s == 10.0
    with pytest.raises(Exception):
        spec.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.input[0].params["patterns"] = ()  # type: ignore[index]


def test_text_and_path_forms_load_the_same_spec(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(GOOD)
    assert load_spec(tmp_path / "s.yaml") == load_spec(GOOD) == load_spec(str(tmp_path / "s.yaml"))


def test_the_example_error_from_the_issue(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: bank
        input:
          - regex:
              patterns: [{name: A, pattern: 'a'}]
              on_fail: mask_it
        """, tmp_path)
    assert (issue.line, issue.column) == (6, 16)
    assert issue.path == "$.input[0].regex.on_fail"
    assert str(issue).endswith("$.input[0].regex.on_fail: 'mask_it' is not one of "
                               "['block', 'fix', 'log', 'mask', 'raise', 'reask'] (did you mean 'mask'?)")


def test_all_errors_are_reported_in_document_order(tmp_path: Path) -> None:
    found = issues("""\
        railguard: 2
        name: bad name
        settings: {timeout_s: 0, max_reasks: 11}
        input:
          - length: {max: -1}
        output:
          - length: {unit: lines, max: 3}
        """, tmp_path)
    got = [(i.line, i.path) for i in found]
    assert got == [(1, "$.railguard"), (2, "$.name"), (3, "$.settings.timeout_s"), (3, "$.settings.max_reasks"),
                   (5, "$.input[0].length.max"), (7, "$.output[0].length.unit")]
    assert found[0].message == "2 is not one of [1]"
    assert "'bad name' does not match" in found[1].message
    assert found[5].message.startswith("'lines' is not one of ['characters', 'words']")


def test_unknown_validator_suggests_the_closest_name(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        input:
          - lenght: {max: 3}
        """, tmp_path)
    assert (issue.line, issue.column, issue.path) == (4, 5, "$.input[0].lenght")
    assert issue.message.startswith("'lenght' is not a known validator (did you mean 'length'?). Known validators:")


def test_unknown_key_names_the_key_and_suggests(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        input:
          - length: {max: 3, on_fial: log}
        """, tmp_path)
    assert (issue.line, issue.path) == (4, "$.input[0].length.on_fial")
    assert issue.message.startswith("'on_fial' is not a known key (did you mean 'on_fail'?)")


def test_missing_required_parameter(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        output:
          - regex: {on_fail: mask}
        """, tmp_path)
    assert issue.path == "$.output[0].regex" and issue.message == "'patterns' is a required property"


def test_misindented_parameters_are_explained(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        input:
          - length:
            max: 5
        """, tmp_path)
    assert issue.line == 4 and issue.path == "$.input[0]"
    assert "are its parameters indented under it?" in issue.message


def test_action_that_the_validator_cannot_perform(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        input:
          - length: {max: 5, on_fail: mask}
        """, tmp_path)
    assert issue.path == "$.input[0].length.on_fail"
    assert issue.message == ("'mask' needs spans to mask, which 'length' does not report; "
                             "valid for 'length': ['block', 'fix', 'log', 'raise']")


def test_reask_is_refused_in_the_input_stage(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        input:
          - length: {max: 5, on_fail: reask}
        """, tmp_path)
    assert issue.path == "$.input[0].length.on_fail" and "cannot be used in the input stage" in issue.message


def test_validator_specific_checks_carry_their_path(tmp_path: Path) -> None:
    found = issues("""\
        railguard: 1
        name: x
        input:
          - length: {min: 9, max: 3}
          - regex:
              patterns:
                - {name: A, pattern: 'a'}
                - {name: A, pattern: 'b'}
        """, tmp_path)
    assert [(i.line, i.path) for i in found] == [(4, "$.input[0].length.min"), (8, "$.input[1].regex.patterns[1].name")]


def test_duplicate_ids_in_a_stage(tmp_path: Path) -> None:
    issue = one("""\
        railguard: 1
        name: x
        output:
          - length: {max: 5, id: a}
          - length: {min: 1, id: a}
        """, tmp_path)
    assert issue.path == "$.output[1].length.id" and "already the id of $.output[0]" in issue.message


def test_generated_ids_are_unique_and_stable(tmp_path: Path) -> None:
    spec = load_spec("""\
railguard: 1
name: x
output:
  - length: {max: 5}
  - length: {min: 1}
  - regex: {patterns: [{name: A, pattern: a}]}
""")
    assert [v.id for v in spec.output] == ["length#1", "length#2", "regex"]


@pytest.mark.parametrize("text,line,col,fragment", [
    ("railguard: 1\nname: [unclosed\n", 3, 1, "not valid YAML"),
    ("railguard: 1\nname: x\nname: y\ninput: [length: {max: 1}]\n", 3, 1, "given twice"),
    ("railguard: 1\nname: !!python/object/apply:os.system ['true']\n", 2, 7, "not allowed in specs"),
])
def test_yaml_level_errors(tmp_path: Path, text: str, line: int, col: int, fragment: str) -> None:
    found = [i for i in issues(text, tmp_path) if fragment in i.message]
    assert len(found) == 1
    assert (found[0].line, found[0].column) == (line, col)


def test_python_tags_never_execute(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    issues(f"railguard: 1\nname: !!python/object/apply:os.system ['touch {marker}']\n"
           "input: [length: {{max: 1}}]\n", tmp_path)
    assert not marker.exists()


def test_alias_bomb_is_bounded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    text = "railguard: 1\nname: x\nbomb:\n" + "\n".join("  " + l for l in lines) + "\n"
    t0 = time.perf_counter()
    found = issues(text, tmp_path)
    assert time.perf_counter() - t0 < 5  # a hang guard only: 10^9 values would never finish
    assert "more than" in found[0].message


def test_spec_without_validators_is_refused(tmp_path: Path) -> None:
    issue = one("railguard: 1\nname: x\ninput: []\n", tmp_path)
    assert "declares no validators" in issue.message


def test_not_a_mapping(tmp_path: Path) -> None:
    issue = one("- just\n- a list\n", tmp_path)
    assert issue.path == "$" and "must be a mapping" in issue.message


@pytest.mark.parametrize("name,content,fragment", [
    ("missing.yaml", None, "no such file"),
    ("binary.yaml", b"\xff\xfe\x00bad", "not UTF-8"),
    ("empty.yaml", b"", "empty"),
])
def test_file_problems_are_spec_errors(tmp_path: Path, name: str, content: bytes | None, fragment: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    assert fragment in str(exc.value) and str(path) in str(exc.value)


def test_unknown_format_name_is_an_error() -> None:
    with pytest.raises(SpecError, match="'toml' is not a spec format"):
        load_spec("railguard: 1", format="toml")


def test_plugin_validators_are_checked_with_their_schema(tmp_path: Path) -> None:
    from railguard import Outcome, Validator

    class Fussy(Validator):
        name = "fussy"
        params_schema = {"type": "object", "required": ["level"],
                         "properties": {"level": {"type": "integer", "minimum": 1}}}

        def validate(self, text, context):
            return Outcome.ok()

    registry = make_registry(Fussy)
    path = tmp_path / "f.yaml"
    path.write_text("railguard: 1\nname: x\ninput:\n  - fussy: {level: 0}\n")
    with pytest.raises(SpecError) as exc:
        load_spec(path, registry=registry)
    assert str(exc.value.issues[0]).endswith(":4:20: $.input[0].fussy.level: 0 is less than the minimum of 1")
