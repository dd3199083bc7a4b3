"""``railguard llama-guard prompt``: the exact prompt on stdout, clear errors on stderr."""
from __future__ import annotations

import json

import pytest

from coretest import run_cli


def _pick(vectors, source: str, model: str, conversation: str):
    return next(r for r in vectors.load("prompt_vectors.json")
                if r["source"] == source and r["model"] == model and r["conversation_name"] == conversation)


@pytest.mark.parametrize("source, model, conversation, args", [
    ("hf_chat_template", "Llama-Guard-3-8B", "multi_turn_user_last", ["--version", "3", "--model-variant", "8b"]),
    ("hf_chat_template", "Meta-Llama-Guard-2-8B", "multi_turn_agent_last", ["--version", "2"]),
    ("hf_chat_template", "LlamaGuard-7b", "whitespace_edges", ["--version", "1"]),
    ("cookbook.build_default_prompt", "Llama-Guard-3-8B (cookbook PROMPT_TEMPLATE_3)", "single_user",
     ["--renderer", "cookbook"]),
    ("hf_chat_template(excluded_category_keys=['S6','S13'])", "Llama-Guard-3-1B", "single_user",
     ["--model-variant", "1b", "--categories", "S1,S2,S3,S4,S5,S7,S8,S9,S10,S11,S12"]),
])
def test_prints_the_exact_prompt_without_a_trailing_newline(tmp_path, vectors, source, model, conversation, args):
    row = _pick(vectors, source, model, conversation)
    path = tmp_path / "conversation.json"
    path.write_text(json.dumps(row["conversation"]), encoding="utf-8")
    out = run_cli("llama-guard", "prompt", "--role", row["role"], "--conversation", str(path), *args)
    assert out.code == 0, out.err
    assert out.out == row["prompt"], f"row {row['id']} differs"
    assert out.err == ""


def test_custom_categories_file_and_default_role(tmp_path, vectors):
    row = _pick(vectors, "hf_chat_template(categories=custom dict)", "Llama-Guard-3-11B-Vision", "user_agent")
    (tmp_path / "c.json").write_text(json.dumps(row["conversation"]), encoding="utf-8")
    name, _, description = row["categories"][2]["name"].partition("\n")
    (tmp_path / "x.json").write_text(json.dumps([{"code": "X1", "name": name, "description": description}]),
                                     encoding="utf-8")
    out = run_cli("llama-guard", "prompt", "--model-variant", "11b-vision", "--categories", "S1,S10",
                  "--custom-categories", str(tmp_path / "x.json"), "--conversation", str(tmp_path / "c.json"))
    assert out.code == 0, out.err
    assert out.out == row["prompt"]  # the role came from the last turn: Agent


@pytest.mark.parametrize("files, args, message", [
    ({}, ["--conversation", "missing.json"], "error: cannot read the conversation file missing.json"),
    ({"c.json": "[{"}, ["--conversation", "c.json"], "error: c.json: the conversation file is not valid JSON"),
    ({"c.json": "{}"}, ["--conversation", "c.json"], "error: c.json: expected a non-empty JSON list"),
    ({"c.json": '[{"role": "system", "content": "x"}]'}, ["--conversation", "c.json"],
     "error: c.json: conversation[0].role: 'system' is not 'user' or 'assistant'"),
    ({"c.json": '[{"role": "user", "content": "x"}]'}, ["--conversation", "c.json", "--categories", "S1,S15"],
     "error: 'S15' is not a category of Llama-Guard-3-8B"),
    ({"c.json": '[{"role": "user", "content": "x"}]'}, ["--conversation", "c.json", "--version", "2",
                                                       "--model-variant", "1b"],
     "error: --model-variant '1b' is not a Llama Guard 2 model; valid: ['8b']"),
    ({"c.json": '[{"role": "user", "content": "x"}]', "x.json": '[{"code": "X1"}]'},
     ["--conversation", "c.json", "--custom-categories", "x.json"], "error: x.json: item 0 needs a string code and name"),
    ({"c.json": '[{"role": "user", "content": "x"}]', "x.json": '[{"code": "S1", "name": "Again"}]'},
     ["--conversation", "c.json", "--custom-categories", "x.json"], "error: category codes given twice: ['S1']"),
])
def test_errors_exit_1_without_a_traceback(tmp_path, monkeypatch, files, args, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [str(tmp_path / a) if a.endswith(".json") else a for a in args]
    message = message.replace("missing.json", str(tmp_path / "missing.json"))
    for name in ("c.json", "x.json"):
        message = message.replace(f"error: {name}", f"error: {tmp_path / name}")
    out = run_cli("llama-guard", "prompt", *args)
    assert out.code == 1 and out.out == ""
    assert out.err.startswith(message), out.err
    assert "Traceback" not in out.err


def test_the_group_without_a_command_prints_usage():
    out = run_cli("llama-guard")
    assert out.code == 1 and "prompt" in out.err and "Traceback" not in out.err
