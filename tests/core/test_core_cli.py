"""The railguard command: exit codes, stdout/stderr, no tracebacks for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coretest import ROOT, run_cli

BANK = str(ROOT / "specs" / "bank-support.yaml")


def test_check_all_example_specs() -> None:
    res = run_cli("check", str(ROOT / "specs"))
    assert res.code == 0, res.err
    assert res.out.count("ok: ") == len([p for p in (ROOT / "specs").iterdir() if p.suffix in (".yaml", ".rail")])


def test_check_broken_spec_points_at_the_line(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("railguard: 1\nname: g\ninput:\n  - length: {max: 3}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("railguard: 1\nname: b\ninput:\n  - length: {max: 3}\n  - regex:\n"
                   "      patterns: [{name: A, pattern: a}]\n      on_fail: mask_it\n")
    res = run_cli("check", str(good), str(bad))
    assert res.code == 1
    assert f"ok: {good}" in res.out
    assert (f"{bad}:7:16: $.input[1].regex.on_fail: 'mask_it' is not one of "
            "['block', 'fix', 'log', 'mask', 'raise', 'reask'] (did you mean 'mask'?)") in res.err
    assert "1 of 2 spec(s) invalid" in res.err and "Traceback" not in res.err


@pytest.mark.parametrize("args,fragment", [
    (("check", "nope.yaml"), "nope.yaml: $: no such file"),
    (("validate", "nope.yaml", "--text", "x"), "no such file"),
    (("validate", BANK, "--file", "/nonexistent/input.txt"), "cannot read /nonexistent/input.txt"),
    (("graph", "{tmp}/notes.txt"), "not valid YAML"),
    (("validate", "{tmp}/latin1.yaml", "--text", "x"), "not UTF-8"),
])
def test_bad_input_never_prints_a_traceback(args: tuple, fragment: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("key: [unclosed\n")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9".encode("latin-1"))
    res = run_cli(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert res.code == 1 and fragment in res.err and "Traceback" not in res.err


def test_validate_exit_codes_and_table() -> None:
    clean = run_cli("validate", BANK, "--text", "How do I reset my online banking password?")
    assert clean.code == 0 and clean.out.startswith("How do I reset my online banking password?")
    assert "action: NONE" in clean.out
    masked = run_cli("validate", BANK, "--source", "input", "--text", "My card is 4111 1111 1111 1111")
    assert masked.code == 2, masked.err
    first_line = masked.out.splitlines()[0]
    assert "4111" not in first_line and "{" in first_line
    assert "action: GUARDRAIL_INTERVENED" in masked.out


def test_validate_json_stdin_and_file(tmp_path: Path) -> None:
    res = run_cli("validate", BANK, "--source", "output", "--json", "-",
                  stdin="Your card 4111 1111 1111 1111 is active.")
    data = json.loads(res.out)
    assert res.code == 2 and data["action"] == "GUARDRAIL_INTERVENED" and data["stages"][0]["stage"] == "output"
    assert "4111" not in res.out
    f = tmp_path / "in.txt"
    f.write_text("hello", encoding="utf-8")
    assert run_cli("validate", BANK, "--file", str(f)).code == 0


def test_graph_text_and_mermaid() -> None:
    text = run_cli("graph", BANK)
    assert text.code == 0 and text.out.startswith("guard bank-support")
    assert "input: 6 validator(s), run concurrently" in text.out
    mermaid = run_cli("graph", BANK, "--format", "mermaid")
    assert mermaid.code == 0 and mermaid.out.startswith("flowchart TD")
    assert 'model[["model call"]]' in mermaid.out and "input_join" in mermaid.out


def test_no_command_prints_help_and_fails() -> None:
    res = run_cli()
    assert res.code == 64 and "usage: railguard" in res.err  # a usage error (EX_USAGE), distinct from 1 and 2


def test_version() -> None:
    res = run_cli("--version")
    assert res.code == 0 and res.out.startswith("railguard ")
