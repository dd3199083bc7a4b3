"""Fixtures for the content_filter tests: a registry, guards from spec text, dummy AWS settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

import railguard
from awstest import _shared_sagemaker, aws_env, sm  # noqa: F401  (shared fixtures)
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
