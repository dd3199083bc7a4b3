"""Errors in the shape each client reads: AWS REST-JSON for boto3, OpenAI error objects, native JSON.

The protocol is chosen by path, so that a refusal before any handler ran (auth, size, limits)
still reaches botocore as a ``ClientError`` with the right code and the openai client as the right
``APIStatusError`` subclass.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

__all__ = ["protocol_of", "error_response", "AWS_CODES"]

# Our status -> AWS error code (bedrock-runtime and sagemaker-runtime share these names where they exist).
AWS_CODES = {400: "ValidationException", 401: "AccessDeniedException", 403: "AccessDeniedException",
             404: "ResourceNotFoundException", 408: "ModelTimeoutException", 413: "ValidationException",
             429: "ThrottlingException", 500: "InternalServerException", 502: "ModelError",
             503: "ServiceUnavailableException", 504: "ModelTimeoutException"}
_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error",
                 500: "server_error", 502: "upstream_error", 503: "server_error", 504: "timeout"}


def protocol_of(path: str) -> str:
    if path.startswith(("/guardrail/", "/endpoints/", "/model/")):
        return "aws"
    if path.startswith(("/v1/chat/", "/v1/models", "/v1/completions")):
        return "openai"
    return "native"


def error_response(path: str, status: int, message: str, code: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    kind = protocol_of(path)
    extra = dict(headers or {})
    if kind == "aws":
        code = code or AWS_CODES.get(status, "InternalServerException")
        if path.startswith("/endpoints/") and code == "ValidationException" and status == 413:
            code = "ValidationError"
        body: Any = {"message": message}
        extra["x-amzn-ErrorType"] = f"{code}:http://internal.amazon.com/"
    elif kind == "openai":
        body = {"error": {"message": message, "type": _OPENAI_TYPES.get(status, "server_error"), "param": None,
                          "code": code or str(status)}}
    else:
        body = {"error": {"status": status, "code": code or _OPENAI_TYPES.get(status, "error"), "message": message}}
    return Response(json.dumps(body), status, headers=extra, media_type="application/json")
