"""Monitor mode: a monitoring validator runs and is recorded with the action it would take, never acting."""

from __future__ import annotations

import pytest

from railguard import SpecError

from coretest import guard_from, run_cli
from fakes import ALL


def guard(text: str, **kw):
    return guard_from(text, *ALL, **kw)


def spec(stage: str, *entries: str, settings: str = "") -> str:
    body = "\n".join(f"  - {e}" for e in entries)
    return f"railguard: 1\nname: t\n{settings}{stage}:\n{body}\n"


def test_a_monitored_block_passes_the_text_and_says_it_would_have_blocked() -> None:
    g = guard(spec("input", "find: {find: [emu], on_fail: block, mode: monitor}"))
    r = g.validate("an emu here")
    assert r.output == "an emu here" and not r.blocked and not r.intervened and r.action == "NONE"
    (a,) = r.assessments
    assert (a.passed, a.action, a.monitored, a.would_action) == (False, "none", True, "block")
    assert r.failures == () and r.monitored == (a,)
    assert r.input.would_action == "block" and r.input.would_text == "Sorry, I can't help with that request."
    assert r.would_intervene
    d = r.to_dict()
    assert d["stages"][0]["would_action"] == "block"
    assert d["stages"][0]["assessments"][0]["monitored"] is True
    assert d["stages"][0]["assessments"][0]["would_action"] == "block"
    # In Bedrock's shape a monitored finding is detected with action NONE, as a Bedrock policy in detect mode.
    bedrock = r.to_bedrock()
    assert bedrock["action"] == "NONE"


def test_monitored_masks_are_merged_with_enforced_ones_only_in_the_would_text() -> None:
    g = guard(spec("input", "find: {find: [cat], type: CAT}", "find: {find: [dog], type: DOG, mode: monitor}"))
    r = g.validate("cat and dog")
    assert r.output == "{CAT} and dog" and r.intervened
    assert r.input.would_action == "mask" and r.input.would_text == "{CAT} and {DOG}"
    assert [a.id for a in r.failures] == ["find#1"] and [a.id for a in r.monitored] == ["find#2"]


def test_an_enforced_block_still_blocks_beside_a_monitor() -> None:
    g = guard(spec("input", "find: {find: [cat], on_fail: block}", "find: {find: [dog], mode: monitor}"))
    r = g.validate("cat and dog")
    assert r.blocked and r.input.would_action == "block"


def test_settings_mode_monitors_every_entry_and_an_entry_can_enforce() -> None:
    g = guard(spec("input", "find: {find: [cat], on_fail: block}", "find: {find: [dog], mode: enforce}",
                   settings="settings: {mode: monitor}\n"))
    r = g.validate("cat and dog")
    assert r.output == "cat and {DOG}" and not r.blocked
    assert [(a.monitored, a.action, a.would_action) for a in r.assessments] == [
        (True, "none", "block"), (False, "mask", None)]
    assert r.input.would_action == "block"
    assert g.spec.to_dict()["settings"]["mode"] == "monitor"


def test_no_monitored_failure_leaves_would_fields_empty() -> None:
    g = guard(spec("input", "find: {find: [cat]}", "find: {find: [dog], mode: monitor}"))
    r = g.validate("cat")
    assert r.input.would_action is None and r.input.would_text is None and r.output == "{CAT}"
    assert not r.monitored and "would_action" not in r.to_dict()["stages"][0]


def test_a_monitored_fix_does_not_change_the_text_and_a_monitored_error_does_not_block() -> None:
    g = guard(spec("input", "upper: {on_fail: fix, mode: monitor}", "boom: {mode: monitor}"))
    r = g.validate("quiet words")
    assert r.output == "quiet words" and not r.blocked
    upper, boom = r.assessments
    assert upper.would_action == "fix" and boom.would_action == "block" and boom.error
    assert r.input.would_action == "block"


def test_a_monitored_fix_is_the_would_text() -> None:
    g = guard(spec("input", "upper: {on_fail: fix, mode: monitor}"))
    r = g.validate("quiet")
    assert r.input.would_action == "fix" and r.input.would_text == "QUIET" and r.output == "quiet"


def test_monitored_reask_on_the_output_of_validate_would_block() -> None:
    g = guard(spec("output", "find: {find: [emu], on_fail: reask, mode: monitor}"))
    r = g.validate("emu", source="output")
    assert r.output == "emu" and r.output_stage.would_action == "block"


def test_a_monitored_reask_in_a_call_never_calls_the_model_again() -> None:
    calls = []

    def model(prompt):
        calls.append(prompt)
        return "an emu answer"

    g = guard(spec("output", "find: {find: [emu], on_fail: reask, mode: monitor}"))
    r = g.call(model, "question")
    assert len(calls) == 1 and r.output == "an emu answer" and not r.reasks
    assert r.output_stage.would_action == "reask" and r.output_stage.would_text is None


def test_a_monitored_validator_in_a_stream_never_stops_or_masks_it() -> None:
    g = guard(spec("output", "find: {find: [EXPLOIT], on_fail: block, mode: monitor}",
                   "find: {find: [dog], type: DOG}"))
    stream = g.stream(lambda prompt: iter(["ok text ", "EXP", "LOIT and dog", " tail"]), "q")
    out = "".join(stream)
    r = stream.result
    assert out == "ok text EXPLOIT and {DOG} tail" and not r.blocked
    assert r.stream["mode"] == "incremental"
    mon = r.output_stage.assessments[0]
    assert mon.monitored and mon.would_action == "block" and not mon.passed
    assert [s.type for s in mon.spans] == ["EXPLOIT"]
    assert r.output_stage.would_action == "block"


def test_a_monitored_fixer_does_not_force_a_buffered_stream() -> None:
    g = guard(spec("output", "upper: {on_fail: fix, mode: monitor}", "find: {find: [dog], type: DOG}"))
    stream = g.stream(lambda prompt: iter(["a dog ", "barks"]), "q")
    assert "".join(stream) == "a {DOG} barks"
    assert stream.result.stream["mode"] == "buffered"  # upper needs the whole answer (no look-ahead)
    assert stream.result.output_stage.would_action == "fix"


def test_mode_is_checked_and_rail_takes_the_attribute() -> None:
    with pytest.raises(SpecError) as err:
        guard(spec("input", "find: {find: [cat], mode: watch}"))
    assert "watch" in str(err.value) and "mode" in str(err.value)
    rail = ('<rail version="1" name="t"><settings mode="monitor"/><input>'
            '<find find="cat" mode="enforce"/><find find="dog"/></input></rail>')
    g = guard(rail, format="rail")
    assert [n.spec.mode for n in g.graph.input.nodes] == ["enforce", "monitor"]
    assert "(monitor)" in g.graph.to_text()


def test_cli_validate_shows_monitored_verdicts_distinctly(tmp_path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(spec("input", "pii: {entities: [EMAIL], on_fail: block, mode: monitor}"))
    res = run_cli("validate", str(path), "--text", "write to jane.doe@example.com")
    assert res.code == 0, res.err
    assert "write to jane.doe@example.com" in res.out
    assert "monitor: would block" in res.out
    assert "would have: block" in res.out
