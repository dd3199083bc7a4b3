from __future__ import annotations

from awstest import _shared_sagemaker, aws_env, sm  # noqa: F401  (shared fixtures)
