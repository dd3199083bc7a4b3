"""Observability: OpenTelemetry spans, metrics (prometheus-client, OpenTelemetry, CloudWatch EMF) and an audit log.

Everything is off until the application switches it on; nothing happens at import::

    from prometheus_client import CollectorRegistry
    from railguard import telemetry

    registry = CollectorRegistry()
    telemetry.configure(traces=True, prometheus=registry, emf="stdout", audit="audit.jsonl")

or from the environment with :func:`configure_from_env` (``RAILGUARD_TRACES``,
``RAILGUARD_PROMETHEUS``, ``RAILGUARD_OTEL_METRICS``, ``RAILGUARD_EMF``, ``RAILGUARD_AUDIT_LOG``).
No sink ever receives checked text or a detected value: spans, metrics and records carry
names, counts, offsets, timings and (audit only) keyed hashes of detected values.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Mapping

from ..errors import RailguardError
from . import state
from .audit import DEFAULT_KEY_ENV, AuditLog
from .hub import Telemetry

__all__ = ["configure", "configure_from_env", "disable", "current", "Telemetry", "AuditLog", "EmfWriter",
           "PrometheusMetrics", "OtelMetrics", "instrument_client"]


def __getattr__(name: str) -> Any:
    if name == "EmfWriter":
        from .emf import EmfWriter
        return EmfWriter
    if name == "PrometheusMetrics":
        from .prometheus import PrometheusMetrics
        return PrometheusMetrics
    if name == "OtelMetrics":
        from .otel_metrics import OtelMetrics
        return OtelMetrics
    if name == "instrument_client":
        from .aws import instrument_client
        return instrument_client
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _need(module: str, what: str, install: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise RailguardError(f"{what} needs {module.split('.')[0]}: pip install '{install}'") from None


def configure(*, traces: bool = False, tracer_provider: Any = None, prometheus: Any = None,
              otel_metrics: bool = False, meter_provider: Any = None, emf: Any = None,
              emf_namespace: str = "Railguard", audit: Any = None, audit_key_env: str = DEFAULT_KEY_ENV,
              sinks: tuple = ()) -> Telemetry | None:
    """Switch telemetry on (it replaces any earlier configuration) and return it; None if nothing was asked.

    - ``traces`` / ``tracer_provider``: spans through OpenTelemetry (the global provider unless one is given).
    - ``prometheus``: a ``prometheus_client.CollectorRegistry`` to register railguard's metrics in
      (``True``: the global registry). Registering twice in one registry reuses the same metrics.
    - ``otel_metrics`` / ``meter_provider``: the same metrics as OpenTelemetry instruments.
    - ``emf``: CloudWatch Embedded Metric Format lines to ``"stdout"``, a path, a stream, a Logger or a callable.
    - ``audit``: an :class:`AuditLog`, or its target (a path, a stream, a Logger, a callable); detected values
      are hashed with HMAC-SHA256 under the key in the environment variable ``audit_key_env``.
    - ``sinks``: more objects with ``record(facts)`` (see :mod:`railguard.telemetry.facts`).
    """
    tracer = None
    if traces or tracer_provider is not None:
        _need("opentelemetry.trace", "tracing", "railguard[otel]")
        from opentelemetry import trace

        from .. import __version__ as version

        provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
        tracer = provider.get_tracer("railguard", version)
    out: list[Any] = []
    if prometheus is not None and prometheus is not False:
        _need("prometheus_client", "prometheus metrics", "prometheus-client")
        from .prometheus import PrometheusMetrics

        out.append(PrometheusMetrics.for_registry(None if prometheus is True else prometheus))
    if otel_metrics or meter_provider is not None:
        _need("opentelemetry.metrics", "OpenTelemetry metrics", "railguard[otel]")
        from .otel_metrics import OtelMetrics

        out.append(OtelMetrics(meter_provider))
    if emf is not None:
        from .emf import EmfWriter

        out.append(EmfWriter(sys.stdout if emf == "stdout" else emf, emf_namespace))
    out.extend(sinks)
    if audit is not None and not isinstance(audit, AuditLog):
        audit = AuditLog(audit, key_env=audit_key_env)
    if tracer is None and not out and audit is None:
        state.hub = None
        return None
    hub = Telemetry(tracer=tracer, sinks=tuple(out), audit=audit)
    state.hub = hub
    return hub


def disable() -> None:
    """Switch every span and sink off (the default state)."""
    state.hub = None


def current() -> Telemetry | None:
    """The active telemetry, or None."""
    return state.hub


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RailguardError(f"{name}={value[:40]!r} is not a switch; use 1 or 0")


def configure_from_env(environ: Mapping[str, str] | None = None) -> Telemetry | None:
    """Configure from environment variables (read only when called, never at import):

    ``RAILGUARD_TRACES=1`` spans through the global OpenTelemetry provider; ``RAILGUARD_OTEL_METRICS=1``;
    ``RAILGUARD_PROMETHEUS=1`` metrics in prometheus-client's global registry; ``RAILGUARD_EMF=stdout`` or a
    path (``RAILGUARD_EMF_NAMESPACE``, default Railguard); ``RAILGUARD_AUDIT_LOG=<path>`` or ``logging`` (the
    ``railguard.audit`` logger), keyed by ``RAILGUARD_AUDIT_KEY``.
    """
    env = os.environ if environ is None else environ
    audit_to = env.get("RAILGUARD_AUDIT_LOG", "").strip()
    audit: Any = None
    if audit_to:
        if audit_to == "logging":
            import logging

            audit = AuditLog(logging.getLogger("railguard.audit"), environ=env)
        else:
            audit = AuditLog(audit_to, environ=env)
    return configure(traces=_flag(env, "RAILGUARD_TRACES"), otel_metrics=_flag(env, "RAILGUARD_OTEL_METRICS"),
                     prometheus=True if _flag(env, "RAILGUARD_PROMETHEUS") else None,
                     emf=env.get("RAILGUARD_EMF", "").strip() or None,
                     emf_namespace=env.get("RAILGUARD_EMF_NAMESPACE", "").strip() or "Railguard", audit=audit)
