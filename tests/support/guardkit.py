"""Fixtures shared by the classifier validators' tests (prompt_attack, content_filter): a registry of the
built-in plugins, guards built from spec text, and rows of a shared data file.

Import them into a conftest: ``from guardkit import guard, registry, rows  # noqa: F401``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

import railguard
from railguard import Registry

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _rows(path: str) -> list[dict[str, Any]]:
    with (SHARED / path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def rows() -> Callable[[str], list[dict[str, Any]]]:
    """``rows("prompt_attack/x.jsonl")``: the rows of a shared data file."""
    return _rows


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load(autoload=False)


@pytest.fixture
def guard(registry: Registry) -> Callable[..., railguard.Guard]:
    def build(text: str, **kwargs: Any) -> railguard.Guard:
        return railguard.Guard.from_text(text, registry=registry, **kwargs)

    return build
