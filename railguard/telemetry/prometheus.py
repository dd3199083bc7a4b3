"""Library metrics in a ``prometheus_client`` registry (the caller's, or the global one).

Names say kind and unit; labels are bounded sets taken from the spec (guard, stage or
source, validator entry id, action, mode), never text or user data. The Bedrock
Guardrails counterparts are noted per metric.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from .facts import CallFacts

__all__ = ["PrometheusMetrics", "METRICS"]

# (name, kind, labels, help); counters are exposed with the ``_total`` suffix.
METRICS = (
    ("railguard_calls", "counter", ("guard", "kind"), "Guard calls (validate, call, stream)."),
    ("railguard_call_seconds", "histogram", ("guard", "kind"), "Duration of a whole guard call."),
    ("railguard_invocations", "counter", ("guard", "source"),
     "Stage runs, one per checked text and source (Bedrock: Invocations)."),
    ("railguard_invocations_intervened", "counter", ("guard", "source"),
     "Stage runs that blocked or changed the text (Bedrock: InvocationsIntervened)."),
    ("railguard_invocations_would_intervene", "counter", ("guard", "source"),
     "Stage runs that would have intervened with every monitored validator enforcing."),
    ("railguard_invocation_seconds", "histogram", ("guard", "source"),
     "Duration of a stage run (Bedrock: InvocationLatency)."),
    ("railguard_text_units", "counter", ("guard", "source"),
     "Text units sent to Bedrock by the stage's validators (Bedrock: TextUnitCount)."),
    ("railguard_interventions", "counter", ("guard", "stage", "validator", "action", "mode"),
     "Failed verdicts by action; mode=monitor counts the action a monitored validator would have taken."),
    ("railguard_validator_seconds", "histogram", ("guard", "stage", "validator"), "Validator latency."),
    ("railguard_validator_errors", "counter", ("guard", "stage", "validator", "error"),
     "Validator failures to run, error=error|timeout."),
    ("railguard_call_errors", "counter", ("guard", "kind", "error"),
     "Guard calls that ended with an exception, by its type (ModelError when the model failed)."),
    ("railguard_reasks", "counter", ("guard",), "Reask rounds (the model asked again)."),
    ("railguard_stream_held_back_chars", "histogram", ("guard",),
     "Largest number of characters a stream held back before release."),
)

_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_CHARS = (0, 16, 64, 256, 1024, 4096, 16384, 65536, 262144)

_by_registry: "weakref.WeakKeyDictionary[Any, PrometheusMetrics]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class PrometheusMetrics:
    """The metrics above, registered once per registry (``for_registry`` returns the same object)."""

    def __init__(self, registry: Any):
        from prometheus_client import Counter, Histogram

        self.registry = registry
        self._m: dict[str, Any] = {}
        for name, kind, labels, doc in METRICS:
            if kind == "counter":
                self._m[name] = Counter(name, doc, labels, registry=registry)
            else:
                buckets = _CHARS if name.endswith("_chars") else _SECONDS
                self._m[name] = Histogram(name, doc, labels, registry=registry, buckets=buckets)
        self._children: dict[tuple, Any] = {}

    @classmethod
    def for_registry(cls, registry: Any = None) -> "PrometheusMetrics":
        if registry is None:
            from prometheus_client import REGISTRY

            registry = REGISTRY
        with _lock:
            found = _by_registry.get(registry)
            if found is None:
                found = _by_registry[registry] = cls(registry)
            return found

    def _c(self, name: str, *labels: str) -> Any:
        key = (name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._m[name].labels(*labels)
        return child

    def record(self, f: CallFacts) -> None:
        g = f.guard
        self._c("railguard_calls", g, f.kind).inc()
        self._c("railguard_call_seconds", g, f.kind).observe(f.latency_ms / 1000.0)
        for s in f.stages:
            self._c("railguard_invocations", g, s.stage).inc()
            if s.intervened:
                self._c("railguard_invocations_intervened", g, s.stage).inc()
            if s.intervened or s.would_action not in (None, "none"):
                self._c("railguard_invocations_would_intervene", g, s.stage).inc()
            self._c("railguard_invocation_seconds", g, s.stage).observe(s.latency_ms / 1000.0)
            if s.text_units:
                self._c("railguard_text_units", g, s.stage).inc(s.text_units)
            for vid, _, ms in s.validator_ms:
                self._c("railguard_validator_seconds", g, s.stage, vid).observe(ms / 1000.0)
            for vid, err in s.errors:
                self._c("railguard_validator_errors", g, s.stage, vid, err).inc()
            for v in s.verdicts:
                action = v.would_action if v.mode == "monitor" else v.action
                self._c("railguard_interventions", g, v.stage, v.validator, action or "none", v.mode).inc()
        if f.reasks:
            self._c("railguard_reasks", g).inc(f.reasks)
        if f.held_back is not None:
            self._c("railguard_stream_held_back_chars", g).observe(f.held_back)

    def record_error(self, guard: str, kind: str, error: str) -> None:
        self._c("railguard_call_errors", guard, kind, error).inc()
