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


def test_prompt_not_found_is_a_clear_error(g) -> None:
    @g
    def f(n: int) -> str:
        return "x"

    with pytest.raises(RailguardError, match="could not find the prompt"):
        f(3)


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
