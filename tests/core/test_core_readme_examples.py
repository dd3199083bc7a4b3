"""The README's Python examples run as written, and every ``# value`` comment in them is true.

A line ``expr   # 'literal' ...`` (a quoted string, True, False, None or a number first) becomes
``assert expr == literal``; ``expr   # {'a', 'b', ...}`` asserts that the mapping ``expr`` has
those keys. The model is a stand-in that answers like a clinic's assistant would.
"""

from __future__ import annotations

import ast
import re

import pytest

from railguard.streaming import GuardStream

from coretest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
_VALUE = re.compile(r"^(?P<indent>\s*)(?P<expr>[^#\s][^#]*?)\s+#\s+(?P<value>'(?:[^'\\]|\\.)*'|True|False|None|"
                    r"-?\d+(?:\.\d+)?|\{[^}]*\})(?=$|[\s:(])")


def _block(section: str, n: int = 0) -> str:
    body = README.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", body, re.S)
    assert len(blocks) > n, f"the README's section {section!r} has no Python example #{n}"
    return blocks[n]


def _with_asserts(code: str) -> tuple[str, int]:
    out, checks = [], 0
    for line in code.splitlines():
        m = _VALUE.match(line)
        if m and not m["expr"].rstrip().endswith(":"):
            expr, value = m["expr"].rstrip(), m["value"]
            if value.startswith("{"):
                keys = [k for k in ast.literal_eval(value.replace(", ...", "")) if k != Ellipsis]
                line = f"{m['indent']}assert set({keys!r}) <= set(dict({expr})), dict({expr})"
            else:
                line = f"{m['indent']}assert ({expr}) == {value}, ({expr!r}, {expr})"
            checks += 1
        out.append(line)
    return "\n".join(out), checks


ANSWER = "We are open from 8am to 6pm, Monday to Friday."


def my_model(prompt_or_messages):
    return ANSWER


def llm(question: str) -> str:
    return ANSWER


def model_tokens(question: str):
    yield from ["We are open ", "from 8am ", "to 6pm."]


@pytest.fixture()
def namespace(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples name specs/... relative to a clone
    sent: list[str] = []
    return {"my_model": my_model, "llm": llm, "model_tokens": model_tokens, "adapter_or_callable": model_tokens,
            "send_to_user": sent.append, "__sent__": sent}


def test_the_python_example_runs_and_its_comments_are_true(namespace) -> None:
    code, checks = _with_asserts(_block("Using railguard from Python"))
    assert checks >= 5, code  # output, action, blocked, input.text, model_called
    exec(compile(code, "README.md (Using railguard from Python)", "exec"), namespace)
    value, result = namespace["value"], namespace["result"]
    assert value == ANSWER and not result.blocked


def test_the_streaming_example_runs_and_its_comments_are_true(namespace) -> None:
    exec(compile(_block("Using railguard from Python").split("# Around a model call")[0], "README.md", "exec"),
         namespace)
    code, checks = _with_asserts(_block("Streaming"))
    assert checks >= 1, code
    exec(compile(code, "README.md (Streaming)", "exec"), namespace)
    assert "".join(namespace["__sent__"]) == "We are open from 8am to 6pm."
    stream = namespace["chat"]("When do you open?")
    assert isinstance(stream, GuardStream) and stream.text() == "We are open from 8am to 6pm."
