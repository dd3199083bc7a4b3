"""The README's `railguard test` and `railguard eval` sections run as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from railguard import load_spec
from railguard.cli import main
from railguard.errors import SpecError

from readme import README


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, title
    return match.group(1)


def _blocks(text: str, lang: str = "") -> list[str]:
    """The fenced blocks of ``text`` whose fence names ``lang`` (fences read in pairs, in order)."""
    out, current, body = [], None, []
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, body = line[3:].strip(), []
            else:
                if current == lang:
                    out.append("".join(body))
                current = None
        elif current is not None:
            body.append(line)
    return out


TESTING = _section("Testing specs (`railguard test`)")


def _time(text: str) -> str:
    return re.sub(r"=+ (.*) in [0-9.]+s =+", r"\1", text)


def test_the_example_runs_as_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _blocks(TESTING, "yaml")[0]
    assert spec.startswith("# support.yaml\n")
    (tmp_path / "support.yaml").write_text(spec)
    monkeypatch.chdir(tmp_path)
    printed = next(b for b in _blocks(TESTING) if b.startswith("$ railguard test support.yaml"))
    assert main(["test", "support.yaml"]) == 1
    out = capsys.readouterr().out
    assert _time(out).rstrip().splitlines() == _time(printed).rstrip().splitlines()[1:]


def test_the_documented_error_is_real(tmp_path: Path) -> None:
    spec = _blocks(TESTING, "yaml")[0].replace("fires: [regex]", "fires: [regx]")
    (tmp_path / "support.yaml").write_text(spec)
    message = re.search(r"\(`(support\.yaml:\d+:\d+: .*?)`\)", TESTING, re.S).group(1).replace("\n", " ")
    with pytest.raises(SpecError) as exc:
        load_spec(tmp_path / "support.yaml")
    assert str(exc.value).replace(str(tmp_path / "support.yaml"), "support.yaml") == message


def test_the_rail_cases_load_and_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tests = _blocks(TESTING, "xml")[0]
    rail = tmp_path / "support.rail"
    rail.write_text('<rail version="1" name="support">\n  <input>\n    <pii entities="EMAIL" on-fail="mask"/>\n'
                    '    <llama-guard id="guard-input" version="3" on-fail="block">\n'
                    '      <model>{"sagemaker": {"endpoint": "guard", "region": "us-east-1"}}</model>\n'
                    '    </llama-guard>\n  </input>\n' + tests + "</rail>\n")
    assert main(["test", str(rail), "--json"]) == 0, capsys.readouterr().out
    assert '"passed": 2' in capsys.readouterr().out


EVAL = _section("Measuring specs (`railguard eval`)")
DATA = README.parent.parent / "shared" / "data" / "topics" / "clinc150_train.jsonl"


def test_the_eval_example_has_the_printed_shape(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures depend on the topic engine (being replaced); the command and the report's layout do not."""
    printed = next(b for b in _blocks(EVAL) if b.startswith("$ railguard eval "))
    command, *lines = printed.splitlines()
    args = command.split()[3:]
    assert args[:2] == ["specs/bank-support.yaml", "../shared/data/topics/clinc150_train.jsonl"] and DATA.exists()
    monkeypatch.chdir(README.parent)
    assert main(["eval", *args, "--no-progress"]) == 0
    out = capsys.readouterr().out.splitlines()
    for line in lines:
        if line.strip() == "..." or re.search(r"\d", line.replace("2,000", "")):
            continue  # an elision, or a line of figures
        assert line in out
    assert out[0] == lines[0]
