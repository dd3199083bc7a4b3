"""Helpers for the text validators' tests: build guards from spec text, run one validator directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

import railguard
from railguard import Context, Registry

from awstest import _shared_sagemaker, aws_env, sm  # noqa: F401  (shared fixtures: the llm engine's SageMaker test)
from guardkit import guard, registry  # noqa: F401  (guards from spec text, built-in plugins only)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared" / "data"


@pytest.fixture
def spec_error(registry: Registry) -> Callable[[str], list[tuple[str, int | None, str]]]:  # noqa: F811  (the imported fixture)
    """``spec_error(text)``: the (path, line, message) of every issue of a spec that must not load."""

    def issues(text: str) -> list[tuple[str, int | None, str]]:
        with pytest.raises(railguard.SpecError) as info:
            railguard.Guard.from_text(text, registry=registry)
        return [(i.path, i.line, i.message) for i in info.value.issues]

    return issues


@pytest.fixture
def run() -> Callable[..., Any]:
    """``run(validator, text)``: set up and validate directly, as the runtime does."""

    def call(validator: Any, text: str, stage: str = "output", final: bool = True) -> Any:
        validator.setup()
        return validator.validate(text, Context(stage, validator.name, final=final))

    return call
