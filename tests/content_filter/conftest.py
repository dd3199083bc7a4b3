"""Fixtures for the content_filter tests: a registry, guards from spec text, shared data rows, dummy AWS settings."""

from awstest import _shared_sagemaker, aws_env, sm  # noqa: F401  (shared fixtures)
from guardkit import SHARED, _rows, guard, registry, rows  # noqa: F401
