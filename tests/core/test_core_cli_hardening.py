"""Issue 9, the command line: version, usage status, --no-resources, input bytes, bounded table, hook tracing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from railguard import Registry, hookimpl
from railguard.guard import Guard

from coretest import ROOT, run_cli

BANK = str(ROOT / "specs" / "bank-support.yaml")
EMAIL_SPEC = ("railguard: 1\nname: e\ninput:\n  - regex:\n      on_fail: mask\n      patterns:\n"
              "        - {name: EMAIL, pattern: '[a-z0-9.]+@[a-z0-9.]+[a-z]'}\n"
              "        - {name: PHONE, pattern: '\\+1 \\d{3}-\\d{3}-\\d{4}'}\n")
CALLABLE_SPEC = ("railguard: 1\nname: cb\ninput:\n  - llama_guard:\n      categories: [S1]\n"
                 "      model: {callable: my_guard}\n")


def _raw(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "railguard", *args], input=stdin, capture_output=True, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def test_version_as_console_script_and_module() -> None:
    import railguard

    expect = f"railguard {railguard.__version__}\n"
    assert railguard.__version__ != "0+unknown"  # read from the installed distribution's metadata
    res = run_cli("--version")
    assert (res.code, res.out, res.err) == (0, expect, "")
    script = shutil.which("railguard", path=str(Path(sys.executable).parent))
    assert script is not None, "the console script `railguard` is not installed next to this Python"
    proc = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, expect)


@pytest.mark.parametrize("args", [(), ("validate",), ("check",), ("validate", BANK, "--source", "sideways",
                                                                  "--text", "x"), ("--bogus",),
                                  ("validate", BANK, "--text", "a", "--file", "b")])
def test_usage_errors_exit_64_not_2(args) -> None:
    res = run_cli(*args)
    assert res.code == 64, (res.code, res.err)
    assert "usage: railguard" in res.err and "Traceback" not in res.err


def test_exit_statuses_are_distinct(tmp_path: Path) -> None:
    spec = str(_write(tmp_path, EMAIL_SPEC))
    assert run_cli("validate", spec, "--text", "hello there").code == 0
    assert run_cli("validate", spec, "--text", "mail a@b.com").code == 2
    assert run_cli("validate", str(ROOT / "no-such.yaml"), "--text", "x").code == 1
    assert run_cli("validate", spec).code == 64


def test_check_no_resources_lints_specs_with_callable_models(tmp_path: Path) -> None:
    spec = tmp_path / "cb.yaml"
    spec.write_text(CALLABLE_SPEC)
    res = run_cli("check", str(spec))
    assert res.code == 1 and "callable 'my_guard' was not passed in" in res.err
    res = run_cli("check", "--no-resources", str(spec))
    assert res.code == 0 and f"ok: {spec}" in res.out
    # Everything that does not need the callable is still checked.
    bad = tmp_path / "bad.yaml"
    bad.write_text(CALLABLE_SPEC.replace("[S1]", "[S99]"))
    res = run_cli("check", "--no-resources", str(bad))
    assert res.code == 1 and "'S99' is not a category" in res.err


def test_the_deferred_resources_never_reach_run_time() -> None:
    from railguard.graph import DEFERRED, compile_spec
    from railguard.spec import load_text

    registry = Registry.load()
    graph = compile_spec(load_text(CALLABLE_SPEC, registry), registry, DEFERRED)
    assert len(graph.input.nodes) == 1 and dict(DEFERRED) == {}
    with pytest.raises(Exception, match="callable 'my_guard' was not passed in"):
        Guard.from_text(CALLABLE_SPEC)


def test_non_utf8_is_refused_alike_from_file_and_stdin(tmp_path: Path) -> None:
    data = "caf\u00e9 mail a@b.com".encode("latin-1")
    f = tmp_path / "latin1.txt"
    f.write_bytes(data)
    for args, stdin, where in ((("--file", str(f)), None, str(f)), (("-",), data, "standard input")):
        proc = _raw("validate", BANK, *args, "--json", stdin=stdin)
        err = proc.stderr.decode()
        assert proc.returncode == 1 and proc.stdout == b"", err
        assert f"{where} is not UTF-8 text: byte 3 is b'\\xe9'" in err and "Traceback" not in err


def test_utf8_from_file_and_stdin_give_the_same_valid_json_and_no_bom(tmp_path: Path) -> None:
    text = "\ufeffcaf\u00e9 \u2014 mail a@b.com \U0001f600"
    f = tmp_path / "bom.txt"
    f.write_bytes(text.encode("utf-8"))
    outs = []
    for args, stdin in ((("--file", str(f)), None), (("-",), text.encode("utf-8"))):
        proc = _raw("validate", str(_write(tmp_path, EMAIL_SPEC)), *args, "--json", stdin=stdin)
        assert proc.returncode == 2, proc.stderr
        doc = json.loads(proc.stdout.decode("utf-8", errors="strict"))
        outs.append(doc)
    assert outs[0]["output"] == outs[1]["output"] == "caf\u00e9 \u2014 mail {EMAIL} \U0001f600"
    assert outs[0]["stages"][0]["total_chars"] == len(text) - 1
    proc = _raw("validate", str(_write(tmp_path, EMAIL_SPEC)), "--file", str(f))
    assert "\ufeff" not in proc.stdout.decode("utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    return p


def test_validate_table_is_bounded_and_counts_every_type(tmp_path: Path) -> None:
    text = " ".join(f"u{i}@example.com +1 206-555-{i % 10000:04d}" for i in range(4000))
    f = tmp_path / "many.txt"
    f.write_text(text)
    res = run_cli("validate", str(_write(tmp_path, EMAIL_SPEC)), "--file", str(f))
    assert res.code == 2
    table = res.out.split("\n\naction:", 1)[1]
    assert len(table) < 600, table
    assert "EMAIL x4000" in table and "PHONE x4000" in table and "+7997 more" in table


def test_trace_hooks_prints_hook_calls_to_stderr() -> None:
    res = run_cli("plugins", env={"RAILGUARD_TRACE_HOOKS": "1"})
    assert res.code == 0
    assert "register_validators() plugin=pii" in res.err and "register_actions() plugin=" in res.err
    assert "finish register_validators --> ['regex']" in res.err
    assert "register_validators" not in run_cli("plugins").err


def test_trace_hooks_shows_guard_call_without_text_or_metadata(monkeypatch, capsys) -> None:
    class Observer:
        __name__ = "observer"

        @hookimpl(wrapper=True)
        def guard_call(self, call):
            return (yield)

    monkeypatch.setenv("RAILGUARD_TRACE_HOOKS", "1")
    guard = Guard.from_text(EMAIL_SPEC, registry=Registry.load(autoload=False, extra=[Observer()]))
    capsys.readouterr()
    guard.validate("write to secret.person@example.com", metadata={"user": "u-SECRET"})
    err = capsys.readouterr().err
    assert "guard_call(guard=e kind=validate source=input) plugin=observer wrapper" in err
    assert "action=GUARDRAIL_INTERVENED blocked=False" in err
    assert "secret.person" not in err and "u-SECRET" not in err


def test_validate_table_shows_validators_a_blocking_length_stopped(tmp_path: Path) -> None:
    spec = _write(tmp_path, EMAIL_SPEC + "  - length: {max: 10}\n")
    res = run_cli("validate", str(spec), "--text", "mail a@b.com and more words")
    assert res.code == 2
    rows = {line.split()[0]: line for line in res.out.splitlines()[3:] if line.strip()}
    assert "not run" in rows["regex"] and "not run: length blocked the stage first" in rows["regex"]
    assert " block " in rows["length"]
    doc = json.loads(run_cli("validate", str(spec), "--text", "mail a@b.com and more", "--json").out)
    assert [a.get("skipped", False) for a in doc["stages"][0]["assessments"]] == [True, False]


def test_json_is_utf8_whatever_the_terminal_encoding(tmp_path: Path) -> None:
    proc = _raw("validate", str(_write(tmp_path, EMAIL_SPEC)), "--text", "h\u00e9llo \U0001f600 a@b.com", "--json",
                env={"PYTHONIOENCODING": "latin-1"})
    assert proc.returncode == 2, proc.stderr
    assert json.loads(proc.stdout.decode("utf-8"))["output"] == "h\u00e9llo \U0001f600 {EMAIL}"


def test_table_in_a_latin1_terminal_escapes_what_it_cannot_show(tmp_path: Path) -> None:
    proc = _raw("validate", str(_write(tmp_path, EMAIL_SPEC)), "--text", "h\u00e9llo \U0001f600 a@b.com",
                env={"PYTHONIOENCODING": "latin-1"})
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout.decode("latin-1").splitlines()[0] == "h\u00e9llo \\U0001f600 {EMAIL}"
