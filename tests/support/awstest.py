"""Shared fixtures for tests that build AWS clients (on the pytest pythonpath).

Import the fixtures into a conftest to use them: ``from awstest import aws_env, sm  # noqa: F401``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Variables that could point a client at real AWS or change its retries: removed for every test.
_AWS_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL",
             "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_BEDROCK",
             "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials and no user AWS configuration: nothing here may reach AWS."""
    for name in _AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def _shared_sagemaker():
    from railguard.testing.sagemaker import LocalSageMaker

    with LocalSageMaker() as server:
        yield server


@pytest.fixture
def sm(_shared_sagemaker):
    """One running local sagemaker-runtime for the session, emptied before each test."""
    _shared_sagemaker.reset()
    return _shared_sagemaker
