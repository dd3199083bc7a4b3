"""The same metrics as OpenTelemetry instruments (``opentelemetry-api``; the application's SDK exports them)."""

from __future__ import annotations

from typing import Any

from .facts import CallFacts

__all__ = ["OtelMetrics"]


class OtelMetrics:
    def __init__(self, meter_provider: Any = None):
        from opentelemetry import metrics

        meter = (meter_provider.get_meter("railguard") if meter_provider is not None
                 else metrics.get_meter("railguard"))
        self.calls = meter.create_counter("railguard.calls", "{call}", "Guard calls.")
        self.call_duration = meter.create_histogram("railguard.call.duration", "s", "Duration of a guard call.")
        self.invocations = meter.create_counter("railguard.invocations", "{invocation}",
                                                "Stage runs (Bedrock: Invocations).")
        self.intervened = meter.create_counter("railguard.invocations.intervened", "{invocation}",
                                               "Stage runs that intervened (Bedrock: InvocationsIntervened).")
        self.would = meter.create_counter("railguard.invocations.would_intervene", "{invocation}",
                                          "Stage runs that would intervene with monitored validators enforcing.")
        self.invocation_duration = meter.create_histogram("railguard.invocation.duration", "s",
                                                          "Stage run duration (Bedrock: InvocationLatency).")
        self.text_units = meter.create_counter("railguard.text_units", "{text_unit}",
                                               "Text units sent to Bedrock (Bedrock: TextUnitCount).")
        self.interventions = meter.create_counter("railguard.interventions", "{verdict}",
                                                  "Failed verdicts by validator, action and mode.")
        self.validator_duration = meter.create_histogram("railguard.validator.duration", "s", "Validator latency.")
        self.validator_errors = meter.create_counter("railguard.validator.errors", "{error}",
                                                     "Validator errors and timeouts.")
        self.reasks = meter.create_counter("railguard.reasks", "{reask}", "Reask rounds.")
        self.call_errors = meter.create_counter("railguard.call.errors", "{call}",
                                                "Guard calls that ended with an exception.")
        self.held_back = meter.create_histogram("railguard.stream.held_back", "{char}",
                                                "Largest hold-back of a stream.")

    def record(self, f: CallFacts) -> None:
        g = f.guard
        self.calls.add(1, {"railguard.guard.name": g, "railguard.call.kind": f.kind})
        self.call_duration.record(f.latency_ms / 1000.0, {"railguard.guard.name": g, "railguard.call.kind": f.kind})
        for s in f.stages:
            attrs = {"railguard.guard.name": g, "railguard.stage": s.stage}
            self.invocations.add(1, attrs)
            if s.intervened:
                self.intervened.add(1, attrs)
            if s.intervened or s.would_action not in (None, "none"):
                self.would.add(1, attrs)
            self.invocation_duration.record(s.latency_ms / 1000.0, attrs)
            if s.text_units:
                self.text_units.add(s.text_units, attrs)
            for vid, _, ms in s.validator_ms:
                self.validator_duration.record(ms / 1000.0, {**attrs, "railguard.validator.id": vid})
            for vid, err in s.errors:
                self.validator_errors.add(1, {**attrs, "railguard.validator.id": vid, "error.type": err})
            for v in s.verdicts:
                action = v.would_action if v.mode == "monitor" else v.action
                self.interventions.add(1, {**attrs, "railguard.validator.id": v.validator,
                                           "railguard.action": action or "none", "railguard.mode": v.mode})
        if f.reasks:
            self.reasks.add(f.reasks, {"railguard.guard.name": g})
        if f.held_back is not None:
            self.held_back.record(f.held_back, {"railguard.guard.name": g})

    def record_error(self, guard: str, kind: str, error: str) -> None:
        self.call_errors.add(1, {"railguard.guard.name": guard, "railguard.call.kind": kind, "error.type": error})
