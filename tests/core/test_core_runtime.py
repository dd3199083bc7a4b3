"""The runtime: concurrency, precedence, masks, fixes, errors, timeouts, reask, messages."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest

from railguard import GuardBlocked, ModelError, RailguardError
from railguard.runtime.execute import Raw
from railguard.runtime.stage import decide

from coretest import guard_from
from fakes import ALL, Counting


def guard(text: str, **kw):
    return guard_from(text, *ALL, **kw)


def spec(stage: str, *entries: str, settings: str = "", messages: str = "") -> str:
    body = "\n".join(f"  - {e}" for e in entries)
    return f"railguard: 1\nname: t\n{settings}{messages}{stage}:\n{body}\n"


def test_validators_in_a_stage_run_concurrently() -> None:
    g = guard(spec("input", *["sleep: {ms: 100}"] * 4, *["async_sleep: {ms: 100}"] * 4))
    g.validate("warm up")
    t0 = time.perf_counter()
    r = g.validate("hello")
    elapsed = time.perf_counter() - t0
    assert not r.failures and len(r.assessments) == 8
    assert elapsed < 0.35, elapsed  # 8 x 100 ms sequentially would be 800 ms


def test_block_wins_over_mask_and_log() -> None:
    g = guard(spec("input", "find: {find: [cat], on_fail: log}", "find: {find: [dog]}",
                   "find: {find: [emu], on_fail: block}"))
    r = g.validate("cat dog emu")
    assert r.blocked and r.blocked_stage == "input"
    assert r.output == "Sorry, I can't help with that request."
    assert [a.action for a in r.assessments] == ["log", "mask", "block"]


def test_masks_from_all_validators_are_merged_and_applied_once() -> None:
    g = guard(spec("input", "find: {find: ['john@example.com'], type: EMAIL}",
                   "find: {find: ['example.com'], type: URL}", "find: {find: ['555-0100'], type: PHONE}"))
    r = g.validate("mail john@example.com or call 555-0100.")
    assert r.output == "mail {EMAIL} or call {PHONE}."
    assert r.action == "GUARDRAIL_INTERVENED" and not r.blocked


def test_adjacent_overlapping_spans_leave_no_fragment() -> None:
    g = guard(spec("input", "find: {find: ['abc'], type: A}", "find: {find: ['cde'], type: B}"))
    assert g.validate("xabcdey").output == "x{A}y"  # abc+cde overlap on 'c': one region, longest-first label


def test_mask_format_from_settings() -> None:
    g = guard(spec("input", "find: {find: [secret]}", settings="settings: {mask_format: '<TYPE>'}\n"))
    assert g.validate("a secret b").output == "a <SECRET> b"


def test_decision_does_not_depend_on_completion_order() -> None:
    g = guard(spec("input", "find: {find: [aa], type: X}", "find: {find: [bb], type: Y, on_fail: log}",
                   "find: {find: [aa], type: Z, on_fail: block}"))
    nodes = g.graph.input.nodes
    text = "aa bb"
    raws = [Raw(n.validator.validate(text, None), None, 0.001, len(text)) for n in nodes]  # type: ignore[arg-type]
    outcomes = set()
    for perm in itertools.permutations(range(len(nodes))):
        d = decide([nodes[i] for i in perm], [raws[i] for i in perm], "input", "t", g.graph.actions)
        outcomes.add((d.kind, frozenset((a.id, a.action) for a in d.assessments)))
    assert len(outcomes) == 1


def test_fix_applies_in_spec_order_and_is_checked_again() -> None:
    g = guard(spec("output", "upper: {on_fail: fix}", "find: {find: [BAD]}"))
    r = g.validate("this is bad", source="output")
    # upper fixes to "THIS IS BAD"; the second round masks BAD found in the fixed text.
    assert r.output == "THIS IS {BAD}"
    fixed = r.output_stage.assessments[0]
    assert fixed.action == "fix" and not fixed.passed


def test_log_records_without_the_matched_text(caplog: pytest.LogCaptureFixture) -> None:
    g = guard(spec("input", "find: {find: ['4111-1111'], type: CARD, on_fail: log}"))
    with caplog.at_level(logging.WARNING, logger="railguard"):
        r = g.validate("card 4111-1111 ok")
    assert r.output == "card 4111-1111 ok" and r.action == "NONE"
    assert r.assessments[0].action == "log"
    assert "CARD@5-14" in caplog.text and "4111-1111" not in caplog.text


def test_raise_action_raises_guard_blocked_with_the_result() -> None:
    g = guard(spec("input", "find: {find: [boom], on_fail: raise}"))
    with pytest.raises(GuardBlocked) as exc:
        g.validate("boom now")
    assert exc.value.result.blocked and exc.value.result.failures[0].id == "find"


def test_on_block_raise_setting() -> None:
    g = guard(spec("input", "find: {find: [x], on_fail: block}", settings="settings: {on_block: raise}\n"))
    with pytest.raises(GuardBlocked):
        g.validate("x")
    assert g.validate("y").output == "y"


def test_per_span_and_per_outcome_actions() -> None:
    g = guard(spec("input", "find: {find: [a1, b2], span_action: block}"))
    assert g.validate("a1").blocked
    g = guard(spec("input", "find: {find: [a1], outcome_action: log}"))
    r = g.validate("a1")
    assert not r.blocked and r.output == "a1" and r.assessments[0].action == "log"
    g = guard(spec("input", "find: {find: [a1], outcome_action: nonsense}"))
    r = g.validate("a1")
    assert r.blocked and "unknown action 'nonsense'" in r.assessments[0].message


def test_validator_exception_fails_closed_and_is_recorded(caplog: pytest.LogCaptureFixture) -> None:
    g = guard(spec("input", "boom: {}"))
    with caplog.at_level(logging.WARNING, logger="railguard"):
        r = g.validate("my password is hunter2")
    assert r.blocked
    a = r.assessments[0]
    assert a.action == "block" and a.error.startswith("RuntimeError: crashed on")
    assert "hunter2" not in caplog.text and "RuntimeError" in caplog.text


def test_on_error_allow_is_the_explicit_fail_open() -> None:
    g = guard(spec("input", "boom: {on_error: allow}", "find: {find: [zz]}"))
    r = g.validate("text zz")
    assert not r.blocked and r.output == "text {ZZ}"
    assert r.assessments[0].action == "allow" and r.assessments[0].error
    assert r.input.checked_chars == 0  # honest: one validator saw nothing


def test_timeout_fails_closed() -> None:
    g = guard(spec("input", "sleep: {ms: 2000, timeout_s: 0.2}", "async_sleep: {ms: 2000, timeout_s: 0.2}"))
    t0 = time.perf_counter()
    r = g.validate("hi")
    assert time.perf_counter() - t0 < 1.5
    assert r.blocked and all(a.error.startswith("timeout:") for a in r.assessments)


def test_timeout_with_on_error_allow_passes() -> None:
    g = guard(spec("input", "sleep: {ms: 1000, timeout_s: 0.1, on_error: allow}"))
    r = g.validate("hi")
    assert not r.blocked and r.output == "hi" and r.assessments[0].error.startswith("timeout:")


def test_a_slow_inline_validator_is_a_timeout_too() -> None:
    import fakes

    class SlowInline(fakes.Sleep):
        name = "slow_inline"
        inline = True

    g = guard_from(spec("input", "slow_inline: {ms: 150, timeout_s: 0.05}"), SlowInline)
    r = g.validate("x")
    assert r.blocked and "over its timeout" in r.assessments[0].error


def test_setup_runs_once_lazily_and_a_failing_setup_follows_on_error() -> None:
    Counting.setups = Counting.calls = 0
    g = guard(spec("input", "counting: {}"))
    assert Counting.setups == 0  # lazy: nothing at compile time
    for _ in range(3):
        g.validate("a")
    assert (Counting.setups, Counting.calls) == (1, 3)
    bad = guard(spec("input", "counting: {fail_setup: true}"))
    r = bad.validate("a")
    assert r.blocked and "setup failed: OSError: model file missing" in r.assessments[0].error


def test_a_validator_returning_the_wrong_type_fails_closed() -> None:
    r = guard(spec("input", "bad_return: {}")).validate("x")
    assert r.blocked and "expected railguard.Outcome" in r.assessments[0].error


def test_validate_rejects_a_bad_source_and_non_text() -> None:
    g = guard(spec("input", "find: {find: [x]}"))
    with pytest.raises(RailguardError, match="source 'middle' is not one of"):
        g.validate("x", source="middle")
    with pytest.raises(RailguardError, match="text must be a str"):
        g.validate(b"x")  # type: ignore[arg-type]


def test_a_stage_with_no_validators_passes_its_text() -> None:
    g = guard(spec("input", "find: {find: [x]}"))
    r = g.validate("anything", source="output")
    assert r.output == "anything" and r.action == "NONE"


# -- guarded calls --------------------------------------------------------------------------


class Model:
    def __init__(self, *answers: str):
        self.answers = list(answers)
        self.prompts: list = []

    def __call__(self, prompt):
        self.prompts.append(prompt)
        return self.answers.pop(0)


def test_blocked_input_never_reaches_the_model() -> None:
    model = Model("never")
    r = guard(spec("input", "find: {find: [attack], on_fail: block}")).call(model, "an attack here")
    assert r.blocked and r.blocked_stage == "input" and not r.model_called and model.prompts == []


def test_masked_input_reaches_the_model_masked_and_output_is_checked() -> None:
    model = Model("your code is 1234 ok")
    g = guard(spec("input", "find: {find: [alice@x.io], type: EMAIL}") + "output:\n  - find: {find: ['1234'], type: PIN}\n")
    r = g.call(model, "I am alice@x.io")
    assert model.prompts == ["I am {EMAIL}"]
    assert r.output == "your code is {PIN} ok" and r.model_called


def test_messages_keep_their_shape_and_every_user_turn_is_masked() -> None:
    model = Model("fine")
    g = guard(spec("input", "find: {find: [s3cr3t], type: SECRET}"))
    openai_msgs = [{"role": "system", "content": "be nice s3cr3t"},
                   {"role": "user", "content": "first s3cr3t"},
                   {"role": "assistant", "content": "ok"},
                   {"role": "user", "content": "again s3cr3t and s3cr3t"}]
    g.call(model, openai_msgs)
    sent = model.prompts[0]
    assert sent[0]["content"] == "be nice s3cr3t"  # the system prompt is the developer's, not checked
    assert sent[1]["content"] == "first {SECRET}"
    assert sent[3]["content"] == "again {SECRET} and {SECRET}"
    assert openai_msgs[1]["content"] == "first s3cr3t"  # the caller's list is not mutated
    model = Model("fine")
    bedrock_msgs = [{"role": "user", "content": [{"text": "a s3cr3t"}, {"image": {"format": "png"}}, {"text": "b"}]}]
    g.call(model, bedrock_msgs)
    assert model.prompts[0][0]["content"] == [{"text": "a {SECRET}"}, {"image": {"format": "png"}}, {"text": "b"}]


def test_reask_then_success() -> None:
    model = Model("call 555-0100 now", "please use the website")
    g = guard(spec("output", "find: {find: ['555-0100'], type: PHONE, on_fail: reask}"))
    r = g.call(model, "how do I reach you?")
    assert r.output == "please use the website" and not r.blocked
    assert len(r.reasks) == 1 and r.reasks[0].failed == ("find",)
    retry = model.prompts[1]
    assert retry.startswith("how do I reach you?")
    assert "{PHONE}" in retry and "555-0100" not in retry  # never echo the detected value
    assert "find: found PHONE" in retry


def test_reask_exhausted_then_block() -> None:
    model = Model("555-0100", "still 555-0100", "again 555-0100")
    g = guard(spec("output", "find: {find: ['555-0100'], on_fail: reask}", settings="settings: {max_reasks: 2}\n"))
    r = g.call(model, [{"role": "user", "content": "number?"}])
    assert r.blocked and r.blocked_stage == "output" and r.output == "Sorry, I can't share that answer."
    assert len(r.reasks) == 2 and len(model.prompts) == 3
    last = model.prompts[2]
    assert [m["role"] for m in last] == ["user", "assistant", "user"]


def test_reask_in_validate_acts_as_block() -> None:
    g = guard(spec("output", "find: {find: [x], on_fail: reask}"))
    r = g.validate("x", source="output")
    assert r.blocked and r.output == "Sorry, I can't share that answer."


def test_model_failure_is_a_model_error() -> None:
    def broken(prompt):
        raise ConnectionError("endpoint down")

    with pytest.raises(ModelError, match="ConnectionError: endpoint down"):
        guard(spec("input", "find: {find: [x]}")).call(broken, "hi")


def test_model_returning_a_dict_uses_the_output_key() -> None:
    g = guard(spec("output", "find: {find: [x1]}"))
    assert g.call(lambda p: {"answer": "a x1"}, "q", output_key="answer").output == "a {X1}"
    with pytest.raises(ModelError, match="without a string under 'text'"):
        g.call(lambda p: {"answer": "a"}, "q")


def test_async_call_and_validate() -> None:
    async def model(prompt):
        await asyncio.sleep(0.01)
        return f"echo {prompt}"

    g = guard(spec("input", "find: {find: [pw]}", "async_sleep: {ms: 10}") +
              "output:\n  - find: {find: [echo], type: E}\n")

    async def main():
        r = await g.acall(model, "my pw")
        v = await g.avalidate("pw", source="input")
        return r, v

    r, v = asyncio.run(main())
    assert r.output == "{E} my {PW}" and v.output == "{PW}"


def test_results_serialise_without_matched_text() -> None:
    g = guard(spec("input", "find: {find: ['123-45-6789'], type: SSN}"))
    r = g.validate("ssn 123-45-6789")
    data = r.to_json()
    assert "123-45-6789" not in data and '"type": "SSN"' in data
    assert r.to_dict()["stages"][0]["checked_chars"] == len("ssn 123-45-6789")
