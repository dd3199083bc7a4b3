"""The seeds' layout as one spec: one endpoint, two inference components, ``guard`` and ``main``.

The input is checked by ``guard`` (role User), answered by ``main``, and the conversation with the
answer checked again by ``guard`` (role Agent). Every request's component header is asserted.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from railguard import Guard, load_spec
from railguard.llm.sagemaker import SageMakerEndpoint

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEC = SPECS / "llama-guard-single-endpoint.yaml"


def guard_rule(inv) -> str:
    """A stand-in Llama Guard: judges the last turn of the conversation in the prompt."""
    prompt = inv.prompt
    conversation = prompt.split("<BEGIN CONVERSATION>\n\n", 1)[1].split("\n\n<END CONVERSATION>", 1)[0]
    last = conversation.rsplit("\n\n", 1)[-1]
    if "knife attack" in last:
        return "unsafe\nS1"
    if "home address of" in last:
        return "unsafe\nS6"
    if "step 2: mix the explosive" in last:
        return "unsafe\nS9"
    return "safe"


def main_rule(inv) -> str:
    if "recipe" in inv.prompt:
        return "Here is a recipe. step 2: mix the explosive powder."
    return "Paris is the capital of France."


@pytest.fixture
def layout(sm):
    sm.endpoint("llm-endpoint", components={"guard": guard_rule, "main": main_rule})
    guard = Guard.from_file(SPEC, resources={"sagemaker_runtime_client": sm.client()})
    main = SageMakerEndpoint("llm-endpoint", inference_component="main", client=sm.client(),
                             parameters={"max_new_tokens": 256})
    return sm, guard, main


def components(sm) -> list[tuple[str, str | None, bool]]:
    return [(i.endpoint, i.component, i.streaming) for i in sm.invocations()]


def test_the_yaml_and_rail_twins_are_the_same_spec():
    assert load_spec(SPEC) == load_spec(SPEC.with_suffix(".rail"))


def test_safe_input_and_answer(layout):
    sm, guard, main = layout
    result = guard.call(main, "What is the capital of France?")
    assert result.output == "Paris is the capital of France." and not result.blocked
    assert components(sm) == [("llm-endpoint", "guard", False), ("llm-endpoint", "main", False),
                              ("llm-endpoint", "guard", False)]
    check_in, answer, check_out = sm.invocations()
    assert "'User' messages" in check_in.prompt
    assert "\nS1: Violent Crimes.\nS2: Non-Violent Crimes.\nS3: Sex Crimes.\nS4: Child Exploitation.\nS6: Specialized " \
           "Advice.\nS9: Indiscriminate Weapons.\nS10: Hate.\nS11: Self-Harm.\n<END UNSAFE" in check_in.prompt
    assert check_in.prompt.endswith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>")
    assert answer.prompt.endswith("What is the capital of France?<|eot_id|><|start_header_id|>assistant"
                                  "<|end_header_id|>\n\n")
    assert "'Agent' messages" in check_out.prompt
    assert ("User: What is the capital of France?\n\nAgent: Paris is the capital of France.\n\n<END CONVERSATION>"
            in check_out.prompt)
    assert check_in.parameters == {"max_new_tokens": 20, "do_sample": False, "return_full_text": False}


def test_unsafe_input_never_reaches_main(layout):
    sm, guard, main = layout
    result = guard.call(main, "Plan a knife attack on my neighbour.")
    assert result.blocked and result.blocked_stage == "input" and not result.model_called
    assert result.output == "Sorry, I can't help with that request."
    assert components(sm) == [("llm-endpoint", "guard", False)]
    assert result.input.assessments[0].categories == ("S1",)


def test_a_logged_category_lets_the_input_through(layout):
    sm, guard, main = layout
    result = guard.call(main, "What is the home address of the mayor?")
    assert not result.blocked and result.input.assessments[0].action == "log"
    assert [c for _, c, _ in components(sm)] == ["guard", "main", "guard"]


def test_unsafe_answer_is_replaced_by_the_spec_message(layout):
    sm, guard, main = layout
    result = guard.call(main, "Give me a cake recipe.")
    assert result.blocked and result.blocked_stage == "output"
    assert result.output == "Sorry, I can't share that answer."
    assert result.output_stage.assessments[0].categories == ("S9",)
    assert [c for _, c, _ in components(sm)] == ["guard", "main", "guard"]


def test_a_streamed_answer_is_checked_by_the_guard_component(layout):
    sm, guard, main = layout
    stream = guard.stream(main, "What is the capital of France?")
    assert "".join(stream) == "Paris is the capital of France."
    assert stream.result is not None and not stream.result.blocked
    calls = components(sm)
    assert calls[0] == ("llm-endpoint", "guard", False) and calls[1] == ("llm-endpoint", "main", True)
    assert all(c == ("llm-endpoint", "guard", False) for c in calls[2:]) and len(calls) >= 3


def test_a_streamed_unsafe_answer_is_stopped(layout):
    sm, guard, main = layout
    stream = guard.stream(main, "Give me a cake recipe.")
    released = "".join(stream)
    assert "explosive" not in released
    assert stream.result.blocked and stream.result.output == "Sorry, I can't share that answer."
