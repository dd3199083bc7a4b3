"""Building boto3 clients the same way everywhere (imported lazily: boto3 is heavy).

Every AWS-facing part of railguard accepts ``region``, ``profile`` and ``endpoint_url``
(boto3's ``AWS_ENDPOINT_URL_<SERVICE>`` and ``AWS_ENDPOINT_URL`` variables keep working
when no endpoint_url is given), and in Python a ready ``client`` or ``session`` so users
reuse their own configuration. Retries use botocore's own retry modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..telemetry.aws import instrument_client

__all__ = ["ClientOptions", "make_client", "error_code", "RETRY_MODES"]

RETRY_MODES = ("standard", "adaptive", "legacy")


@dataclass(frozen=True)
class ClientOptions:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 3
    connect_timeout: float | None = None
    read_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.retry_mode not in RETRY_MODES:
            raise ValueError(f"retry mode {self.retry_mode!r} is not one of {list(RETRY_MODES)}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts {self.max_attempts} must be at least 1")


def make_client(service: str, options: ClientOptions | None = None, *, client: Any = None,
                session: Any = None) -> Any:
    """A boto3 client for ``service``: ``client`` as given, else one from ``session`` or a new session."""
    if client is not None:
        return instrument_client(client)
    options = options or ClientOptions()
    import boto3
    from botocore.config import Config

    if session is None:
        session = boto3.session.Session(profile_name=options.profile) if options.profile else boto3.session.Session()
    # botocore's "max_attempts" key counts retries; "total_max_attempts" counts attempts, as
    # ClientOptions.max_attempts (and AWS_MAX_ATTEMPTS) do.
    config_kwargs: dict[str, Any] = {"retries": {"mode": options.retry_mode,
                                                 "total_max_attempts": options.max_attempts}}
    if options.connect_timeout is not None:
        config_kwargs["connect_timeout"] = options.connect_timeout
    if options.read_timeout is not None:
        config_kwargs["read_timeout"] = options.read_timeout
    kwargs: dict[str, Any] = {"config": Config(**config_kwargs)}
    if options.region:
        kwargs["region_name"] = options.region
    if options.endpoint_url:
        kwargs["endpoint_url"] = options.endpoint_url
    return instrument_client(session.client(service, **kwargs))  # remote-check spans once tracing is on


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code")
    return None
