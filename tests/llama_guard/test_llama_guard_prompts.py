"""Prompts rendered byte for byte: every reference row of prompt_vectors.json, both renderers.

Row texts are never printed: a failure shows the row id and the first differing offset.
"""
from __future__ import annotations

import pytest

from railguard import Context, Message
from railguard.messages import SEPARATOR
from railguard_validators.llama_guard import LlamaGuard
from railguard_validators.llama_guard.categories import default_categories, resolve
from railguard_validators.llama_guard.prompt import render, turns_from


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _render_row(row, vectors, renderer: str) -> str:
    version, variant = vectors.model_of(row)
    categories = resolve(version, variant, vectors.selection_of(row, default_categories(version, variant)))
    return render(turns_from(row["conversation"], strict=True), role=row["role"], categories=categories,
                  version=version, variant=variant, renderer=renderer, descriptions=vectors.descriptions_of(row))


def _assert_same(got: str, row) -> None:
    expected = row["prompt"]
    assert got == expected, (f"row {row['id']}: differs at offset {_first_difference(got, expected)} "
                             f"(lengths {len(got)} vs {len(expected)})")


def test_the_data_has_rows_of_every_kind(vectors):
    rows = vectors.load("prompt_vectors.json")
    template = [r for r in rows if vectors.renderer_of(r) == "chat_template" and "PITFALL" not in r["source"]]
    cookbook = [r for r in rows if vectors.renderer_of(r) == "cookbook"]
    assert len(template) >= 30 and len(cookbook) >= 40
    assert {vectors.model_of(r) for r in template} == {(1, "7b"), (2, "8b"), (3, "1b"), (3, "8b"), (3, "11b-vision")}
    assert {vectors.model_of(r)[0] for r in cookbook} == {1, 2, 3}


def test_chat_template_rows_are_reproduced_exactly(template_row, vectors):
    _assert_same(_render_row(template_row, vectors, "chat_template"), template_row)


def test_cookbook_rows_are_reproduced_exactly(cookbook_row, vectors):
    _assert_same(_render_row(cookbook_row, vectors, "cookbook"), cookbook_row)


def test_pitfall_string_content_is_not_rendered_as_an_empty_conversation(pitfall_row, vectors):
    """The Llama Guard 3 1B/11B chat templates iterate content *parts*; given a plain string they
    emit no turn at all, so the model would judge an empty conversation and answer 'safe' for
    anything. railguard renders the string as the text it is."""
    version, variant = vectors.model_of(pitfall_row)
    ours = _render_row(pitfall_row, vectors, "chat_template")
    assert ours != pitfall_row["prompt"]
    assert "<BEGIN CONVERSATION>\n\n<END CONVERSATION>" in pitfall_row["prompt"]  # the quirk, as documented
    [message] = pitfall_row["conversation"]
    assert f"User: {message['content'].strip()}\n\n<END CONVERSATION>" in ours
    as_parts = [{"role": "user", "content": [{"type": "text", "text": message["content"]}]}]
    categories = default_categories(version, variant)
    assert ours == render(turns_from(as_parts), role="User", categories=categories, version=version,
                          variant=variant)


def test_the_validator_renders_the_rows_from_a_guarded_conversation(message_row, vectors):
    """The validator's own path: input stage from the user's turns, output stage from the
    conversation plus the answer being checked."""
    template_row = message_row
    version, variant = vectors.model_of(template_row)
    params = {"version": version, "model_variant": variant, "model": {"callable": "unused"}}
    selection = vectors.selection_of(template_row, default_categories(version, variant))
    if selection is not None:
        params["categories"] = selection
    messages = tuple(Message(m["role"], m["content"]) for m in template_row["conversation"])
    if template_row["role"] == "User":
        validator = LlamaGuard(params, stage="input")
        text = SEPARATOR.join(m.content for m in messages if m.role == "user")
        context = Context("input", "llama_guard", messages=messages)
    else:
        validator = LlamaGuard(params, stage="output")
        text = messages[-1].content
        context = Context("output", "llama_guard", messages=messages[:-1])
    _assert_same(validator.prompt(text, context), template_row)


def test_subsets_keep_their_original_codes():
    categories = resolve(3, "8b", ["S1", "S10", "S14"])
    prompt = render(turns_from([{"role": "user", "content": "hi"}]), role="User", categories=categories,
                    version=3, variant="8b")
    assert "<BEGIN UNSAFE CONTENT CATEGORIES>\nS1: Violent Crimes.\nS10: Hate.\nS14: Code Interpreter Abuse.\n" \
           "<END UNSAFE CONTENT CATEGORIES>" in prompt
    cookbook = render(turns_from([{"role": "user", "content": "hi"}]), role="User", categories=categories,
                      version=3, variant="8b", renderer="cookbook")
    assert "\nS10: Hate. \n" in cookbook  # not renumbered to S2 as the cookbook would


def test_multi_turn_conversations_render_in_order_and_other_roles_are_left_out():
    turns = turns_from([Message("system", "You are helpful."), Message("user", "first"),
                        Message("assistant", "reply"), Message("tool", "result"), Message("user", "second")])
    assert [(t.role, t.text) for t in turns] == [("User", "first"), ("Agent", "reply"), ("User", "second")]
    prompt = render(turns, role="User", categories=default_categories(2, "8b"), version=2, variant="8b")
    assert "User: first\n\nAgent: reply\n\nUser: second\n\n<END CONVERSATION>" in prompt


@pytest.mark.parametrize("kwargs, message", [
    ({"role": "Assistant"}, "role 'Assistant' is not one of \\['User', 'Agent'\\]"),
    ({"renderer": "llama_stack"}, "renderer 'llama_stack' is not one of"),
    ({"version": 2, "variant": "1b"}, "Llama Guard 2 has no variant '1b'"),
])
def test_bad_render_arguments(kwargs, message):
    args = {"role": "User", "categories": default_categories(3, "8b"), "version": 3, "variant": "8b", **kwargs}
    with pytest.raises(ValueError, match=message):
        render(turns_from([{"role": "user", "content": "x"}]), **args)


def test_images_only_for_the_vision_model():
    turns = turns_from([{"role": "user", "content": [{"type": "text", "text": "what is this?"}, {"type": "image"}]}])
    prompt = render(turns, role="User", categories=default_categories(3, "11b-vision"), version=3,
                    variant="11b-vision")
    assert prompt.startswith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<|image|> Task:")
    with pytest.raises(ValueError, match=r"Llama-Guard-3-1B reads text only; the conversation has 1 image"):
        render(turns, role="User", categories=default_categories(3, "1b"), version=3, variant="1b")


def test_strict_conversations_refuse_other_roles_and_shapes():
    with pytest.raises(ValueError, match=r"conversation\[0\]\.role: 'system' is not 'user' or 'assistant'"):
        turns_from([{"role": "system", "content": "x"}], strict=True)
    with pytest.raises(ValueError, match=r"conversation\[0\]\.content: expected a string or a list of parts, got int"):
        turns_from([{"role": "user", "content": 3}])
    with pytest.raises(ValueError, match="no user or assistant turn"):
        render((), role="User", categories=default_categories(3, "8b"), version=3, variant="8b")


def test_unknown_codes_in_a_selection():
    with pytest.raises(ValueError, match=r"'S14' is not a category of Llama-Guard-3-1B"):
        resolve(3, "1b", ["S1", "S14"])
