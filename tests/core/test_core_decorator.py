"""@guard on existing functions, sync and async, end to end with a fake model."""

from __future__ import annotations

import asyncio

import pytest

from railguard import GuardBlocked, RailguardError

from coretest import guard_from
from fakes import ALL

SPEC = """\
railguard: 1
name: deco
messages: {blocked_input: "input blocked", blocked_output: "output blocked"}
settings: {max_reasks: 1}
input:
  - find: {find: [jailbreak], on_fail: block}
  - find: {find: ['jane@corp.com'], type: EMAIL}
output:
  - find: {find: ['SECRET-TOKEN'], type: TOKEN, on_fail: reask}
  - find: {find: ['555-0100'], type: PHONE}
"""


@pytest.fixture()
def g():
    return guard_from(SPEC, *ALL)


def test_sync_function_input_mask_and_output_mask(g) -> None:
    seen = []

    @g
    def ask(question: str, temperature: float = 0.0) -> str:
        seen.append((question, temperature))
        return "call 555-0100"

    assert ask("I am jane@corp.com", temperature=0.5) == "call {PHONE}"
    assert seen == [("I am {EMAIL}", 0.5)]
    assert ask.__name__ == "ask"


def test_input_block_does_not_call_the_function(g) -> None:
    calls = []

    @g
    def ask(q):
        calls.append(q)
        return "x"

    assert ask("jailbreak please") == "input blocked"
    assert calls == []


def test_reask_then_success_and_reask_exhausted(g) -> None:
    answers = ["the key is SECRET-TOKEN", "I cannot share keys"]
    prompts = []

    @g
    def ask(q):
        prompts.append(q)
        return answers.pop(0)

    value, result = ask.with_result("what is the key?")
    assert value == "I cannot share keys" and len(result.reasks) == 1
    assert "SECRET-TOKEN" not in prompts[1] and "{TOKEN}" in prompts[1]

    @g
    def stubborn(q):
        return "SECRET-TOKEN"

    value, result = stubborn.with_result("key?")
    assert value == "output blocked" and result.blocked and len(result.reasks) == 1


def test_messages_argument_and_dict_return(g) -> None:
    @g
    def chat(model_id: str, messages: list) -> dict:
        return {"text": f"{model_id}: {messages[-1]['content']} 555-0100", "usage": 3}

    out = chat("m1", messages=[{"role": "user", "content": "hi jane@corp.com"}])
    assert out == {"text": "m1: hi {EMAIL} {PHONE}", "usage": 3}


def test_prompt_arg_and_output_key(g) -> None:
    @g.wrap(prompt_arg="question", output_key="answer")
    def ask(system: str, question: str) -> dict:
        return {"answer": f"{system}/{question}"}

    assert ask("sys", "mail jane@corp.com") == {"answer": "sys/mail {EMAIL}"}
    with pytest.raises(RailguardError, match="has no such parameter"):
        g.wrap(prompt_arg="nope")(lambda q: q)


def test_prompt_not_found_is_refused_at_decoration(g) -> None:
    def f(n: int) -> str:
        return "x"

    with pytest.raises(RailguardError, match=r"found no argument of .*f\(\) that can hold the prompt.*"
                                             r"@guard.wrap\(prompt_arg="):
        g(f)


def test_system_and_question_checks_the_question_not_the_system_prompt(g) -> None:
    # Issue 9: @guard picked `system` (the first str) as the prompt and the user's e-mail reached the model.
    seen = []

    @g
    def answer(system, question):
        seen.append((system, question))
        return "ok"

    assert answer("You are a helpful assistant.", "I am jane@corp.com") == "ok"
    assert seen == [("You are a helpful assistant.", "I am {EMAIL}")]
    assert answer(question="jailbreak", system="s") == "input blocked"


@pytest.mark.parametrize("params, chosen", [
    ("messages, model", "messages"),
    ("model_id, prompt, temperature=0.1", "prompt"),
    ("self_check, query", "query"),
    ("q, temperature=0.2, top_p=1.0", "q"),
    ("n: int, q", "q"),
    ("user_input, *args, **kwargs", "user_input"),
])
def test_prompt_argument_is_resolved_from_the_signature(params, chosen) -> None:
    import inspect

    from railguard.prompt_arg import resolve_prompt_arg

    ns: dict = {}
    exec(f"def f({params}): pass", ns)
    assert resolve_prompt_arg(ns["f"], inspect.signature(ns["f"]), None) == chosen


@pytest.mark.parametrize("params, message", [
    ("system, context", r"\['system', 'context'\] could all hold it"),
    ("prompt, question", r"\['prompt', 'question'\] are all named like one"),
    ("*args, **kwargs", "found no argument"),
    ("n: int, flag: bool", "found no argument"),
])
def test_ambiguous_signatures_are_refused_when_decorating(g, params, message) -> None:
    ns: dict = {}
    exec(f"def f({params}):\n    return 'x'\n", ns)
    with pytest.raises(RailguardError, match=message) as exc:
        g(ns["f"])
    assert "@guard.wrap(prompt_arg='...')" in str(exc.value)
    ns2: dict = {}
    exec(f"def gen({params}):\n    yield 'x'\n", ns2)  # generator functions (streams) resolve the same way
    with pytest.raises(RailguardError, match=message):
        g(ns2["gen"])


def test_the_resolved_argument_is_used_on_every_call_and_must_hold_text(g) -> None:
    seen = []

    @g
    def ask(n, question):
        seen.append((n, question))
        return "ok"

    assert ask("jane@corp.com", "fine") == "ok"  # `n` is never the prompt, whatever it holds
    assert seen == [("jane@corp.com", "fine")]
    with pytest.raises(RailguardError, match="the prompt argument 'question' is a int"):
        ask("x", 5)


def test_prompt_argument_with_a_default(g) -> None:
    seen = []

    @g.wrap(prompt_arg="question")
    def ask(question="mail jane@corp.com", *, n: int = 1):
        seen.append(question)
        return "ok"

    assert ask() == "ok" and seen == ["mail {EMAIL}"]


def test_non_text_return_is_a_clear_error(g) -> None:
    @g
    def f(q):
        return 42

    with pytest.raises(Exception, match="returned int; expected a str"):
        f("hello")


def test_on_block_raise() -> None:
    g = guard_from(SPEC.replace("settings: {max_reasks: 1}", "settings: {max_reasks: 1, on_block: raise}"), *ALL)

    @g
    def ask(q):
        return "ok"

    with pytest.raises(GuardBlocked) as exc:
        ask("jailbreak")
    assert exc.value.result.blocked_stage == "input"


def test_async_function(g) -> None:
    seen = []

    @g
    async def ask(question: str) -> str:
        await asyncio.sleep(0.01)
        seen.append(question)
        return "ring 555-0100"

    assert asyncio.iscoroutinefunction(ask)
    assert asyncio.run(ask("from jane@corp.com")) == "ring {PHONE}"
    assert seen == ["from {EMAIL}"]
    assert asyncio.run(ask("jailbreak")) == "input blocked"

    async def both():
        return await asyncio.gather(ask("a"), ask("b"))

    assert asyncio.run(both()) == ["ring {PHONE}", "ring {PHONE}"]


def test_async_reask(g) -> None:
    answers = ["SECRET-TOKEN", "fine"]

    @g
    async def ask(q):
        return answers.pop(0)

    value, result = asyncio.run(ask.with_result("q"))
    assert value == "fine" and len(result.reasks) == 1
