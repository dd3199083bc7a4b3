"""Spans for remote checks: every call of a boto3 client railguard uses (Bedrock, SageMaker, Llama Guard).

:func:`instrument_client` registers three botocore event handlers on one client (never on
botocore globally); :func:`railguard.aws.make_client` applies it to every client it returns.
Each handler reads ``state.hub`` when the call happens, so a client made before telemetry
was configured is traced once it is, and costs one check while it is off. Span attributes
follow OpenTelemetry's AWS SDK conventions (``rpc.system=aws-api``, ``rpc.service``,
``rpc.method``, ``aws.request_id``) plus ids from the request (guardrail, model, endpoint)
and figures from the answer (retries, text units, the guardrail's action); never a body.
"""

from __future__ import annotations

from typing import Any

from . import state
from .facts import text_units

__all__ = ["instrument_client"]

_KEY = "railguard_span"
_PARAMS = {  # request parameters that name a resource (configuration, never text)
    "guardrailIdentifier": "aws.bedrock.guardrail.id",
    "guardrailVersion": "railguard.bedrock.guardrail.version",
    "modelId": "gen_ai.request.model",
    "EndpointName": "railguard.sagemaker.endpoint",
    "InferenceComponentName": "railguard.sagemaker.inference_component",
    "source": "railguard.bedrock.source",
}


def instrument_client(client: Any) -> Any:
    """Trace ``client``'s calls as child spans of the current span (idempotent); returns the client."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None or not hasattr(events, "register"):
        return client
    events.register("before-parameter-build", _ids, unique_id="railguard-telemetry-ids")
    events.register("before-call", _before, unique_id="railguard-telemetry-before")
    events.register("after-call", _after, unique_id="railguard-telemetry-after")
    events.register("after-call-error", _error, unique_id="railguard-telemetry-error")
    return client


def _ids(params: Any = None, context: Any = None, **_: Any) -> None:
    """Note the resource ids of the call's parameters (before they are serialised with the text)."""
    hub = state.hub
    if hub is None or hub.tracer is None or not isinstance(context, dict) or not isinstance(params, dict):
        return
    ids = {name: params[key][:200] for key, name in _PARAMS.items() if isinstance(params.get(key), str)}
    context[_KEY + "_ids"] = ids


def _before(model: Any = None, context: Any = None, **_: Any) -> None:
    hub = state.hub
    if hub is None or hub.tracer is None or not isinstance(context, dict) or model is None:
        return
    service = model.service_model.service_id
    attrs: dict[str, Any] = {"rpc.system": "aws-api", "rpc.service": str(service), "rpc.method": model.name,
                             **context.pop(_KEY + "_ids", {})}
    if "gen_ai.request.model" in attrs:
        attrs["gen_ai.provider.name"] = "aws.bedrock"
    context[_KEY] = hub.tracer.start_span(f"{service}/{model.name}", kind=hub._client, attributes=attrs)


def _after(http_response: Any = None, parsed: Any = None, model: Any = None, context: Any = None, **_: Any) -> None:
    span = context.pop(_KEY, None) if isinstance(context, dict) else None
    if span is None:
        return
    status = getattr(http_response, "status_code", None)
    attrs: dict[str, Any] = {}
    if isinstance(status, int):
        attrs["http.response.status_code"] = status
    if isinstance(parsed, dict):
        meta = parsed.get("ResponseMetadata") or {}
        if isinstance(meta.get("RequestId"), str):
            attrs["aws.request_id"] = meta["RequestId"]
        if isinstance(meta.get("RetryAttempts"), int):
            attrs["railguard.retries"] = meta["RetryAttempts"]
        usage = parsed.get("usage")
        if isinstance(usage, dict):
            units = text_units(usage)
            if units:
                attrs["railguard.text_units"] = units
        if isinstance(parsed.get("action"), str):
            attrs["railguard.remote.action"] = parsed["action"][:40]
        error = parsed.get("Error")
        if isinstance(error, dict) and isinstance(error.get("Code"), str):
            attrs["error.type"] = error["Code"][:80]
    span.set_attributes(attrs)
    if isinstance(status, int) and status >= 300:
        hub = state.hub
        if hub is not None and hub.tracer is not None:
            span.set_status(hub._error)
    span.end()


def _error(exception: Any = None, context: Any = None, **_: Any) -> None:
    span = context.pop(_KEY, None) if isinstance(context, dict) else None
    if span is None:
        return
    span.set_attribute("error.type", type(exception).__name__)  # e.g. ReadTimeoutError; never its message
    hub = state.hub
    if hub is not None and hub.tracer is not None:
        span.set_status(hub._error)
    span.end()
