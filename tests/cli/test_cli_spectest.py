"""`railguard test`: the cases specs carry, run through the command's main() as CI runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railguard import load_spec
from railguard.cli import main
from railguard.errors import SpecError
from railguard.spectest import run_paths

from coretest import ROOT

SPECS = ROOT / "specs"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_example_specs_pass_their_cases(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SPECS), "--json")
    report = json.loads(out)
    assert report["errors"] == []
    by_spec: dict[str, list[dict]] = {}
    for case in report["cases"]:
        by_spec.setdefault(case["spec"], []).append(case)
    stems = {p.stem for p in SPECS.glob("*.yaml")}
    assert set(by_spec) == stems, "every example spec carries cases"
    for name, cases in by_spec.items():
        expects = {c["expect"] for c in cases}
        assert {"pass", "block"} <= expects, f"{name} needs everyday cases that pass and cases that block"
        assert len(cases) >= 10
    failed = sorted((c["spec"], c["name"]) for c in report["cases"] if not c["passed"])
    assert failed == [] and code == 0 and report["ok"] is True, failed


def test_remote_entries_answer_from_local_servers(capsys: pytest.CaptureFixture[str]) -> None:
    """Bedrock guardrail and Llama Guard cases run offline against loopback servers, their replies parsed
    by the real validators: a blocking ApplyGuardrail response blocks, 'unsafe\\nS6' is only logged."""
    code, out, _ = run(capsys, str(SPECS / "bedrock-layered.yaml"), str(SPECS / "llama-guard-single-endpoint.rail"),
                       "--json")
    report = json.loads(out)
    failed = sorted((c["spec"], c["name"]) for c in report["cases"] if not c["passed"])
    assert failed == [] and code == 0, failed
    cases = {(c["spec"], c["name"]): c for c in report["cases"]}
    violence = cases[("bedrock-layered", "guardrail blocks violence")]
    guardrail = next(a for a in violence["assessments"] if a["validator"] == "bedrock_guardrail")
    assert not guardrail["passed"] and guardrail["action"] == "block"
    logged = cases[("llama-guard-single-endpoint", "specialized advice is logged")]
    verdict = next(a for a in logged["assessments"] if a["id"] == "guard-input")
    assert verdict["categories"] == ["S6"] and verdict["action"] == "log" and logged["got"] == ["pass"]
    quiet = cases[("bedrock-layered", "order status")]
    assert quiet["notes"] and "answers 'NONE'" in quiet["notes"][0]


SPEC = """\
railguard: 1
name: t
input:
  - pii: {entities: [EMAIL], on_fail: mask}
  - words: {words: [forbidden], on_fail: block}
output:
  - length: {max: 5, unit: words, on_fail: fix}
tests:
  - name: greeting
    input: Hello, how are you?
    expect: pass
  - name: email
    input: write to ann@example.com today
    expect: mask
    result: write to {EMAIL} today
    entities: [EMAIL]
    fires: [pii]
    passes: [words]
"""


def test_failures_show_the_verdicts_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC + """\
  - name: wrong on purpose
    input: the forbidden word and bob@example.com
    expect: mask
    result: the forbidden word and {EMAIL}
    passes: [words]
""")
    code, out, _ = run(capsys, str(spec))
    assert code == 1
    assert out.splitlines()[0] == f"{spec} ..F"
    assert out.rstrip().splitlines()[-1].strip("= ").startswith("1 failed, 2 passed in ")
    assert f"{spec}:19: wrong on purpose" in out
    assert "expect: mask    got: block" in out
    assert "words was expected to pass but fired (block)" in out
    assert "expected the text 'the forbidden word and {EMAIL}', got " in out
    # The verdict table: every entry, its action and the span types (never the detected value).
    table = out[out.index("entry "):]
    assert "pii " in table and "spans=EMAIL@" in table and "words " in table and "block" in table
    assert "bob@example.com" not in table.split("output:")[0].split("input:")[-1]


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC + "  - {name: long answer, output: one two three four five six seven, expect: pass}\n")
    code, out, _ = run(capsys, str(spec), "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and (report["passed"], report["failed"]) == (2, 1)
    bad = next(c for c in report["cases"] if not c["passed"])
    assert bad["got"] == ["fix"] and bad["stage"] == "output" and bad["line"] == 19
    assert bad["problems"] == ["expected pass, got fix"]
    assert [a["id"] for a in bad["assessments"]] == ["length"]


def test_case_problems_are_spec_errors_with_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(SPEC + """\
  - input: x
    expect: passs
  - {input: x, output: y, expect: pass}
  - {input: x, expect: block, fires: [pi]}
  - {output: x, expect: pass, replies: {length: safe}}
""")
    code, out, _ = run(capsys, str(spec))
    assert code == 1
    assert (f"{spec}:20:13: $.tests[2].expect: 'passs' is not one of ['pass', 'block', 'mask', 'fix', 'reask'] "
            "(did you mean 'pass'?)") in out
    # Schema problems first; the rest once the schema holds.
    spec.write_text(spec.read_text().replace("passs", "pass"))
    code, out, _ = run(capsys, str(spec))
    assert code == 1 and "ERROR loading" in out and "0 passed, 1 error" in out
    assert f"{spec}:21:5: $.tests[3]: a case gives both 'input' and 'output'" in out
    assert f"{spec}:22:39: $.tests[4].fires[0]: 'pi' is not the id of an entry of the input stage; " \
           "ids there: ['pii', 'words']" in out


def test_a_reply_for_a_local_entry_fails_the_case(tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC + "  - {output: fine, expect: pass, replies: {length: safe}}\n")
    report = run_paths([spec])
    bad = [o for o in report.outcomes if not o.passed]
    assert len(bad) == 1 and "length is not a remote entry this run replays" in bad[0].problems[0]


def test_a_malformed_remote_answer_is_a_validator_error(tmp_path: Path) -> None:
    spec = tmp_path / "g.yaml"
    spec.write_text("""\
railguard: 1
name: g
input:
  - bedrock_guardrail: {id: abcdef123456, version: "1"}
tests:
  - name: garbled answer blocks
    input: hello
    expect: block
    errors: [abcdef123456]
    replies: {abcdef123456: {action: MAYBE}}
  - name: the error must be declared
    input: hello
    expect: block
    replies: {abcdef123456: {action: MAYBE}}
""")
    report = run_paths([spec])
    first, second = report.outcomes
    assert first.passed, first.problems
    assert not second.passed and "abcdef123456 errored" in second.problems[0]


def test_sibling_tests_file_and_keyword(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC)
    (tmp_path / "t.tests.yaml").write_text("tests:\n  - {name: sibling greeting, input: Good morning, expect: pass}\n"
                                           "  - {name: sibling word, input: forbidden, expect: block, fires: [words]}\n")
    code, out, _ = run(capsys, str(tmp_path), "-v")
    assert code == 0
    assert f"{tmp_path / 't.tests.yaml'}:3: sibling word PASSED" in out
    assert "4 passed" in out and "t.tests.yaml ." not in out  # the sibling is not taken for a spec
    code, out, _ = run(capsys, str(spec), "-k", "SIBLING", "--json")
    assert [c["name"] for c in json.loads(out)["cases"]] == ["sibling greeting", "sibling word"]
    (tmp_path / "t.tests.yaml").write_text("tests:\n  - {name: x, input: y, expect: pass, fires: [nope]}\n")
    code, out, _ = run(capsys, str(spec))
    assert code == 1
    assert f"{tmp_path / 't.tests.yaml'}:2:47: $.tests[0].fires[0]: 'nope' is not the id of an entry" in out


def test_conversation_cases_check_every_user_turn(tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC + """\
  - name: second turn
    messages:
      - {role: system, content: forbidden words do not count here}
      - {role: user, content: hi}
      - {role: assistant, content: hello}
      - {role: user, content: mail carl@example.com}
    expect: mask
    entities: [EMAIL]
    passes: [words]
""")
    report = run_paths([spec])
    assert report.ok, [o.problems for o in report.outcomes]


def test_no_cases_is_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC.split("tests:")[0])
    code, out, err = run(capsys, str(spec))
    assert code == 1 and "no test cases" in out and "no test cases found" in err
    code, out, err = run(capsys, str(tmp_path / "missing.yaml"))
    assert code == 1 and "no such file" in err


@pytest.mark.parametrize("stem", sorted(p.stem for p in SPECS.glob("*.yaml")))
def test_rail_twins_carry_the_same_cases(stem: str) -> None:
    yaml_spec, rail_spec = load_spec(SPECS / f"{stem}.yaml"), load_spec(SPECS / f"{stem}.rail")
    assert yaml_spec.tests and yaml_spec.tests == rail_spec.tests


def test_rail_tests_element_takes_only_cases(tmp_path: Path) -> None:
    spec = tmp_path / "t.rail"
    spec.write_text('<rail version="1" name="t">\n  <input><length max="5"/></input>\n  <tests>\n'
                    '    <case expect="pass"><input>ok</input></case>\n    <cases/>\n  </tests>\n</rail>\n')
    with pytest.raises(SpecError) as exc:
        load_spec(spec)
    assert f"{spec}:5: $.tests[1]: <cases> inside <tests>; each test is a <case> element" in str(exc.value)


def test_monitor_mode_acts_on_nothing_and_says_what_it_would_do(tmp_path: Path) -> None:
    spec = tmp_path / "m.yaml"
    spec.write_text("railguard: 1\nname: m\nsettings: {mode: monitor}\ninput:\n"
                    "  - words: {words: [forbidden], on_fail: block}\n"
                    "tests:\n  - {name: recorded, input: forbidden, expect: pass, fires: [words]}\n"
                    "  - {name: enforced, input: forbidden, expect: block}\n")
    first, second = run_paths([spec]).outcomes
    assert first.passed, first.problems
    assert second.problems == ("expected block, got pass (monitor mode: enforcing, it would block)",)
