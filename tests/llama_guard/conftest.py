"""Fixtures for the llama_guard tests: the shared data rows, local servers, dummy AWS settings."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from awstest import _shared_sagemaker, aws_env, sm  # noqa: F401  (shared fixtures)

from shared_data import shared_path

MODELS = {
    "LlamaGuard-7b": (1, "7b"),
    "Meta-Llama-Guard-2-8B": (2, "8b"),
    "Llama-Guard-3-1B": (3, "1b"),
    "Llama-Guard-3-8B": (3, "8b"),
    "Llama-Guard-3-11B-Vision": (3, "11b-vision"),
}


def load(name: str) -> list[dict[str, Any]]:
    # Called while test modules are collected: a missing file skips that module, with the reason.
    return json.loads(shared_path("llama_guard", name, module_level=True).read_text(encoding="utf-8"))


def model_of(row: dict[str, Any]) -> tuple[int, str]:
    """``Llama-Guard-3-8B (cookbook PROMPT_TEMPLATE_3)`` -> (3, "8b")."""
    version, variant = MODELS[row["model"].split(" (")[0]]
    assert str(version) == str(row["version"])
    return version, variant


def renderer_of(row: dict[str, Any]) -> str | None:
    if row["source"].startswith("hf_chat_template"):
        return "chat_template"
    if row["source"].startswith("cookbook."):
        return "cookbook"
    return None


def selection_of(row: dict[str, Any], defaults: tuple) -> list[Any] | None:
    """The ``categories`` parameter asking for what the row lists: None for the model's defaults,
    codes for a subset (original codes kept), custom mappings for anything else (renamed
    categories, or the cookbook's renumbered subsets)."""
    by_code = {c.code: c for c in defaults}
    rows = row["categories"]
    same = [c["code"] in by_code and c["name"].rstrip() == by_code[c["code"]].name and "\n" not in c["name"]
            for c in rows]
    if all(same) and [c["code"] for c in rows] == list(by_code):
        return None
    out: list[Any] = []
    for c, known in zip(rows, same):
        if known:
            out.append(c["code"])
        else:
            name, _, description = c["name"].partition("\n")
            out.append({"code": c["code"], "name": name, "description": c.get("description") or description})
    return out


def descriptions_of(row: dict[str, Any]) -> bool | None:
    if "with_policy=True" in row["source"]:
        return True
    if "with_policy=False" in row["source"]:
        return False
    return None


HELPERS = SimpleNamespace(load=load, model_of=model_of, renderer_of=renderer_of, selection_of=selection_of,
                          descriptions_of=descriptions_of)


@pytest.fixture
def vectors() -> SimpleNamespace:
    return HELPERS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize by data row (ids only in test names, never row texts)."""
    rows = None
    if {"template_row", "cookbook_row", "pitfall_row", "message_row"} & set(metafunc.fixturenames):
        rows = load("prompt_vectors.json")
    if "template_row" in metafunc.fixturenames:
        picked = [r for r in rows if renderer_of(r) == "chat_template" and "PITFALL" not in r["source"]]
        metafunc.parametrize("template_row", picked, ids=[r["id"] for r in picked])
    if "message_row" in metafunc.fixturenames:  # chat-template rows whose turns are plain text
        picked = [r for r in rows if renderer_of(r) == "chat_template" and "PITFALL" not in r["source"]
                  and all(isinstance(m["content"], str) for m in r["conversation"])]
        metafunc.parametrize("message_row", picked, ids=[r["id"] for r in picked])
    if "cookbook_row" in metafunc.fixturenames:
        picked = [r for r in rows if renderer_of(r) == "cookbook"]
        metafunc.parametrize("cookbook_row", picked, ids=[r["id"] for r in picked])
    if "pitfall_row" in metafunc.fixturenames:
        picked = [r for r in rows if "PITFALL" in r["source"]]
        metafunc.parametrize("pitfall_row", picked, ids=[r["id"] for r in picked])
    if "parse_row" in metafunc.fixturenames:
        parses = load("output_parses.json")
        metafunc.parametrize("parse_row", parses, ids=[r["id"] for r in parses])
