"""Everything specific to AWS: boto3 clients built one way, and the Amazon Bedrock Guardrails
parts (policy export and import, ApplyGuardrail answer shapes and verdict reading).

``railguard.aws`` itself re-exports the client helpers; the Bedrock modules are imported
on use (``railguard.aws.bedrock_export`` and so on), so importing this package stays cheap.
"""

from __future__ import annotations

from .client import RETRY_MODES, ClientOptions, error_code, make_client

__all__ = ["ClientOptions", "make_client", "error_code", "RETRY_MODES"]
