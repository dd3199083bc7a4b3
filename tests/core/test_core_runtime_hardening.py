"""Issue 9, runtime: masks written back into many turns in one sweep; `length` gates the costly validators."""

from __future__ import annotations

import random

from railguard.results import Span
from railguard.runtime.stage import apply_masks, apply_masks_ranges

from coretest import guard_from
from fakes import ALL, Counting


def guard(text: str, **kw):
    return guard_from(text, *ALL, **kw)


class _Node:
    """Just enough of a graph node for apply_masks: a mask action and a format."""

    class action:  # noqa: N801
        @staticmethod
        def replacement(span: Span, value: str, fmt: str) -> str:
            return "{" + span.type + "}"

    mask_format = "{TYPE}"


def test_apply_masks_ranges_equals_apply_masks_per_range_on_random_layouts() -> None:
    rng = random.Random(9)
    node = _Node()
    for _ in range(300):
        text = "".join(rng.choice("ab \n") for _ in range(rng.randint(0, 80)))
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, 2 * rng.randint(0, 6))))
        ranges = list(zip(cuts[::2], cuts[1::2]))
        merged, pos = [], 0
        while pos < len(text):
            start = rng.randint(pos, len(text))
            end = min(len(text), start + rng.randint(1, 12))
            if start >= end:
                break
            merged.append((start, end, Span(start, end, "X"), node))
            pos = end + rng.randint(0, 5)
        expect = [apply_masks(text, merged, lo, hi) for lo, hi in ranges]
        assert apply_masks_ranges(text, merged, ranges) == expect


def test_many_turns_each_get_their_own_masks_back() -> None:
    g = guard("railguard: 1\nname: t\ninput:\n  - find: {find: ['@mail'], type: EMAIL}\n")
    turns = [{"role": "user", "content": f"turn {i} @mail end"} for i in range(3000)]
    turns.insert(5, {"role": "assistant", "content": "an @mail the assistant wrote stays"})
    seen = []
    r = g.call(lambda messages: seen.append(messages) or "ok", turns)
    sent = seen[0]
    assert not r.blocked and len(sent) == len(turns)
    assert sent[5]["content"] == "an @mail the assistant wrote stays"
    users = [m["content"] for m in sent if m["role"] == "user"]
    assert users == [f"turn {i} {{EMAIL}} end" for i in range(3000)]


def test_a_mask_across_two_turns_masks_both_parts() -> None:
    # The input stage sees the user turns joined by a blank line; a span over the join masks both sides.
    g = guard("railguard: 1\nname: t\ninput:\n  - find: {find: [\"ab\\n\\ncd\"], type: X}\n")
    seen = []
    g.call(lambda m: seen.append(m) or "ok", [{"role": "user", "content": "1 ab"}, {"role": "user", "content": "cd 2"},
                                               {"role": "user", "content": "3"}])
    assert [m["content"] for m in seen[0]] == ["1 {X}", "{X} 2", "3"]


def test_length_blocks_first_and_the_others_are_recorded_as_not_run() -> None:
    Counting.calls = 0
    g = guard("railguard: 1\nname: t\ninput:\n  - counting\n  - find: {find: [x]}\n  - length: {max: 10}\n")
    r = g.validate("x" * 1000)
    assert r.blocked and Counting.calls == 0
    by_id = {a.id: a for a in r.assessments}
    assert [a.id for a in r.assessments] == ["counting", "find", "length"]  # spec order kept
    assert by_id["length"].action == "block" and not by_id["length"].skipped
    for name in ("counting", "find"):
        a = by_id[name]
        assert a.skipped and a.passed and a.checked_chars == 0 and a.action == "none"
        assert a.message == "not run: length blocked the stage first"
        assert a.to_dict()["skipped"] is True
    assert "skipped" not in by_id["length"].to_dict()
    assert r.input.checked_chars == 1000  # what the validators that ran saw


def test_length_that_passes_or_only_logs_lets_every_validator_run() -> None:
    Counting.calls = 0
    g = guard("railguard: 1\nname: t\ninput:\n  - counting\n  - find: {find: [x]}\n"
              "  - length: {max: 3, on_fail: log}\n")
    r = g.validate("x" * 20)
    assert Counting.calls == 1 and not any(a.skipped for a in r.assessments)
    assert r.output == "{X}" * 20
    g = guard("railguard: 1\nname: t\ninput:\n  - counting\n  - length: {max: 100}\n")
    r = g.validate("fine")
    assert Counting.calls == 2 and not r.failures


def test_monitored_length_never_skips_anything() -> None:
    Counting.calls = 0
    g = guard("railguard: 1\nname: t\ninput:\n  - counting\n  - length: {max: 3, mode: monitor}\n")
    r = g.validate("too long")
    assert Counting.calls == 1 and not r.blocked
    assert not any(a.skipped for a in r.assessments)


def test_output_stage_length_block_skips_before_reask() -> None:
    # In the output stage a blocking length ends the stage at once: no reask of the others, no model call again.
    calls = []
    g = guard("railguard: 1\nname: t\noutput:\n  - find: {find: [x], on_fail: reask}\n  - length: {max: 5}\n")
    r = g.call(lambda m: calls.append(m) or "x" * 50, "q")
    assert r.blocked and r.blocked_stage == "output" and len(calls) == 1 and not r.reasks
    assert [a.skipped for a in r.assessments] == [True, False]


# -- results (issue 9, section 7) ---------------------------------------------------------------

def test_validate_reports_block_not_reask_when_there_is_no_model() -> None:
    g = guard("railguard: 1\nname: t\noutput:\n  - find: {find: [bad], on_fail: reask}\n")
    r = g.validate("a bad answer", source="output")
    (a,) = r.assessments
    assert r.blocked and a.action == "block" and a.message == "found BAD (no model to ask again; blocked)"
    from railguard.cli.core import render_result

    row = [line for line in render_result(r).splitlines() if line.startswith("find ")][0]
    assert " block " in row and "reask" not in row.split("found")[0]


def test_exhausted_reasks_end_as_block_in_the_assessments() -> None:
    g = guard("railguard: 1\nname: t\nsettings: {max_reasks: 1}\noutput:\n  - find: {find: [bad], on_fail: reask}\n")
    r = g.call(lambda m: "still bad", "q")
    assert r.blocked and len(r.reasks) == 1
    assert [(a.action, a.message) for a in r.output_stage.assessments] == [
        ("block", "found BAD (still failing after 1 reask(s); blocked)")]
    assert r.reasks[0].stage.assessments[0].action == "reask"  # the round that asked again says so


def test_reask_correction_names_only_what_asked_for_the_reask() -> None:
    prompts = []
    answers = ["bad and mail@x", "fine mail@x"]
    g = guard("railguard: 1\nname: t\noutput:\n  - find: {find: [bad], on_fail: reask}\n"
              "  - find: {find: ['mail@x'], type: EMAIL}\n")
    r = g.call(lambda m: prompts.append(m) or answers.pop(0), "q")
    assert r.output == "fine {EMAIL}" and len(r.reasks) == 1
    correction = r.reasks[0].correction
    assert "- find#1: found BAD" in correction and "EMAIL" not in correction and "find#2" not in correction
    assert r.reasks[0].failed == ("find#1",)
    # The rejected answer shown to the model still hides every reported span, masked ones included.
    assert prompts[1].count("{EMAIL}") == 1 and "mail@x" not in prompts[1]


def test_to_bedrock_action_reason_names_only_blockers() -> None:
    g = guard("railguard: 1\nname: t\ninput:\n  - find: {find: [mail], type: EMAIL}\n"
              "  - find: {find: [evil], on_fail: block}\n")
    r = g.validate("mail evil")
    assert r.to_bedrock()["actionReason"] == "Guardrail blocked: input blocked by find#2."
    assert g.validate("mail ok").to_bedrock()["actionReason"] == "Guardrail masked: input masked by find#1."


def test_chained_fix_that_breaks_a_passing_check_says_so() -> None:
    import json

    g = guard("railguard: 1\nname: t\noutput:\n  - length: {max: 40, on_fail: fix}\n"
              "  - json_schema: {schema: {type: object, required: [answer]}}\n")
    r = g.validate(json.dumps({"answer": "a long answer that goes on and on and on"}), source="output")
    assert r.blocked
    by_id = {a.id: a for a in r.assessments}
    assert by_id["length"].action == "fix"
    assert by_id["json_schema"].message.startswith(
        "after the fix by length (the text passed this check before that fix): the text is not valid JSON")
    # A check that failed before the fix is reported plainly.
    r = g.validate('{"answer": "a long answer that goes on and on", "x"', source="output")
    assert r.blocked and {a.id: a for a in r.assessments}["json_schema"].message.startswith("the text is not valid")


def test_mermaid_merge_label_names_every_action() -> None:
    g = guard("railguard: 1\nname: t\ninput:\n  - find: {find: [x]}\n")
    assert "merge: raise > block > reask > fix > mask > log" in g.graph.to_mermaid()


def _words_model(prompt):
    for w in ["hello ", "mail ", "ab@x ", "now "] * 50:
        yield w


def test_stream_result_after_an_early_break_holds_what_was_decided() -> None:
    g = guard("railguard: 1\nname: t\noutput:\n  - find: {find: ['ab@x'], type: EMAIL}\n")
    stream = g.stream(_words_model, "q")
    got = []
    for text in stream:
        got.append(text)
        if len("".join(got)) > 30:
            break
    r = stream.result
    assert r is not None and r.stream["closed_early"] is True
    assert r.output == "".join(got) and "{EMAIL}" in r.output and "ab@x" not in r.output
    assert r.output_stage.checked_chars == len(r.output_stage.source_text[:r.output_stage.checked_chars])
    assert r.output_stage.checked_chars < 800  # the model's stream was not read to its end
    assert r.assessments[0].spans and not r.blocked


def test_async_stream_result_after_aclose() -> None:
    import asyncio

    g = guard("railguard: 1\nname: t\noutput:\n  - find: {find: ['ab@x'], type: EMAIL}\n")

    async def main():
        stream = g.astream(_words_model, "q")
        n = 0
        async for _ in stream:
            n += 1
            if n == 3:
                break
        await stream.aclose()
        return stream.result

    r = asyncio.run(main())
    assert r is not None and r.stream["closed_early"] is True and r.output


def test_stream_result_is_none_before_iteration_and_complete_after_the_end() -> None:
    g = guard("railguard: 1\nname: t\noutput:\n  - find: {find: ['ab@x'], type: EMAIL}\n")
    stream = g.stream(_words_model, "q")
    assert stream.result is None
    text = stream.text()
    assert stream.result.output == text and "closed_early" not in stream.result.stream


def test_stream_reask_block_is_recorded_as_block() -> None:
    g = guard("railguard: 1\nname: t\nsettings: {stream_reask: block}\noutput:\n  - find: {find: [bad], on_fail: reask}\n")
    stream = g.stream(lambda p: iter(["a ", "bad ", "answer"]), "q")
    assert stream.text() == "Sorry, I can't share that answer."
    (a,) = stream.result.assessments
    assert stream.result.blocked and a.action == "block" and a.message == "found BAD (settings.stream_reask: block)"
