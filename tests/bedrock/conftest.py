"""Fixtures for the Bedrock tests: a local Bedrock server, real boto3 clients, dummy credentials."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for bedrockkit (helpers shared by these tests)

from railguard import Guard  # noqa: E402
from railguard.testing.bedrock import BedrockServer  # noqa: E402

from awstest import aws_env  # noqa: E402,F401  (autouse: dummy credentials, no AWS configuration)
from bedrockkit import client_spec  # noqa: E402


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retries as they are, with its backoff scaled down (1 s per throttle is slow for tests)."""
    from botocore.retries.standard import ExponentialBackoff

    monkeypatch.setattr(ExponentialBackoff, "_DEFAULT_BACKOFF_CONFIG",
                        {"throttling_base_scale": 0.01, "non_throttling_base_scale": 0.005}, raising=False)


@pytest.fixture
def server():
    with BedrockServer() as s:
        yield s


@pytest.fixture
def runtime(server: BedrockServer):
    """A bedrock-runtime client on the local server (standard retries, 3 attempts in all)."""
    return server.client("bedrock-runtime", max_attempts=2)


@pytest.fixture
def guarded(server: BedrockServer, runtime):
    """Build a Guard from spec text whose bedrock_guardrail entries use the local server's client."""

    def build(spec: str, **resources):
        return Guard.from_text(spec, resources={"bedrock_runtime_client": runtime, **resources})

    return build


@pytest.fixture
def spec_for():
    return client_spec
