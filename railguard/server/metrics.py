"""The server's Prometheus metrics, in a registry of its own (``GET /metrics`` renders it).

Labels are bounded sets: the guard and route names come from the config, the protocol is one of
four, the status a code class; never text, never a client's key. When the library's telemetry is
installed (:mod:`railguard.telemetry`), its metrics (validator latencies, interventions, errors,
text units per guard) are registered in the same registry by :func:`attach_library_metrics`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServerMetrics"]

_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServerMetrics:
    def __init__(self, registry: Any = None):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.requests = Counter("railguard_server_requests", "HTTP requests answered, by protocol and status class.",
                                ("protocol", "status"), registry=r)
        self.request_seconds = Histogram("railguard_server_request_seconds", "Time to answer a request.",
                                         ("protocol",), buckets=_SECONDS, registry=r)
        self.in_flight = Gauge("railguard_server_in_flight_requests", "Requests being answered now.", registry=r)
        self.decisions = Counter("railguard_server_decisions", "Guard decisions served, by guard, stage and decision.",
                                 ("guard", "stage", "decision"), registry=r)
        self.interventions = Counter("railguard_server_interventions",
                                     "Failed verdicts acted on, by guard, stage, validator and action.",
                                     ("guard", "stage", "validator", "action"), registry=r)
        self.validator_seconds = Histogram("railguard_server_validator_seconds", "Validator latency per request.",
                                           ("guard", "stage", "validator"), buckets=_SECONDS, registry=r)
        self.validator_errors = Counter("railguard_server_validator_errors",
                                        "Validators that failed to run (error) or ran out of time (timeout).",
                                        ("guard", "stage", "validator", "error"), registry=r)
        self.text_units = Counter("railguard_server_bedrock_text_units",
                                  "Text units the guards' validators sent to Bedrock.", ("guard", "stage"), registry=r)
        self.errors = Counter("railguard_server_errors", "Requests that ended in an error, by kind.",
                              ("protocol", "kind"), registry=r)
        self.upstream_seconds = Histogram("railguard_server_upstream_seconds", "Upstream model call time.",
                                          ("route",), buckets=_SECONDS, registry=r)
        self.reloads = Counter("railguard_server_reloads", "Spec reloads, by outcome.", ("outcome",), registry=r)

    def record(self, result: Any) -> None:
        """Count one GuardResult: decision per stage, interventions, validator latency and errors."""
        guard = result.guard
        for stage in result.stages:
            name = stage.stage
            decision = "blocked" if stage.blocked else "changed" if stage.changed else "passed"
            self.decisions.labels(guard, name, decision).inc()
            units = 0
            for a in stage.assessments:
                self.validator_seconds.labels(guard, name, a.id).observe(a.latency_ms / 1000.0)
                if a.error:
                    kind = "timeout" if "timeout" in str(a.error).lower() or "timed out" in str(a.error).lower() \
                        else "error"
                    self.validator_errors.labels(guard, name, a.id, kind).inc()
                if not a.passed and not a.monitored:
                    self.interventions.labels(guard, name, a.id, str(a.action)).inc()
                for key, value in a.usage.items():
                    if key.endswith("Units") and isinstance(value, (int, float)) and not isinstance(value, bool):
                        units += int(value)
            if units:
                self.text_units.labels(guard, name).inc(units)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def attach_library_metrics(registry: Any) -> bool:
    """Register railguard's library metrics (per-call, per-stage, per-validator) in ``registry``."""
    try:
        from .. import telemetry
    except ImportError:  # pragma: no cover
        return False
    if not hasattr(telemetry, "configure"):
        return False
    telemetry.configure(prometheus=registry)
    return True
