"""Metrics: real samples in a prometheus-client registry, OpenTelemetry metric data and CloudWatch EMF lines."""

from __future__ import annotations

import io
import json

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import CollectorRegistry

from railguard import Context, Outcome, RailguardError, Validator, telemetry
from railguard.telemetry.prometheus import METRICS, PrometheusMetrics

from coretest import guard_from
from fakes import ALL


class Billed(Validator):
    """Reports Bedrock-style usage: per-policy units, as ApplyGuardrail answers."""

    name = "billed"
    params_schema = {"type": "object", "properties": {}}
    inline = True

    def validate(self, text: str, context: Context) -> Outcome:
        units = -(-len(text) // 1000)
        return Outcome.ok(usage={"topicPolicyUnits": units, "contentPolicyUnits": units,
                                 "sensitiveInformationPolicyFreeUnits": units})


SPEC = """railguard: 1
name: shop
input:
  - find: {find: [cat], type: CAT}
  - find: {find: [emu], on_fail: block, mode: monitor}
  - billed: {}
  - sleep: {ms: 200, timeout_s: 0.05, on_error: allow}
output:
  - find: {find: [dog], on_fail: reask}
"""


def guard():
    return guard_from(SPEC, *ALL, Billed)


def sample(registry, name, **labels):
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_prometheus_samples_mirror_the_calls() -> None:
    registry = CollectorRegistry()
    telemetry.configure(prometheus=registry)
    g = guard()
    g.validate("a cat and an emu")
    answers = iter(["a dog", "a bird"])
    r = g.call(lambda prompt: next(answers), "hello")
    assert len(r.reasks) == 1
    L = {"guard": "shop"}
    assert sample(registry, "railguard_calls_total", kind="validate", **L) == 1
    assert sample(registry, "railguard_calls_total", kind="call", **L) == 1
    assert sample(registry, "railguard_call_seconds_count", kind="call", **L) == 1
    assert sample(registry, "railguard_invocations_total", source="input", **L) == 2
    assert sample(registry, "railguard_invocations_total", source="output", **L) == 1
    assert sample(registry, "railguard_invocations_intervened_total", source="input", **L) == 1
    assert sample(registry, "railguard_invocations_would_intervene_total", source="input", **L) == 1
    assert sample(registry, "railguard_invocation_seconds_count", source="input", **L) == 2
    # Bedrock's per-policy units add up, free units included (three policies, one unit each, two calls).
    assert sample(registry, "railguard_text_units_total", source="input", **L) == 6
    assert sample(registry, "railguard_interventions_total", stage="input", validator="find#1", action="mask",
                  mode="enforce", **L) == 1
    assert sample(registry, "railguard_interventions_total", stage="input", validator="find#2", action="block",
                  mode="monitor", **L) == 1
    # the rejected answer of the reask round counts as an intervention of the output stage
    assert sample(registry, "railguard_interventions_total", stage="output", validator="find", action="reask",
                  mode="enforce", **L) == 1
    assert sample(registry, "railguard_validator_errors_total", stage="input", validator="sleep", error="timeout",
                  **L) == 2
    assert sample(registry, "railguard_validator_seconds_count", stage="input", validator="billed", **L) == 2
    assert sample(registry, "railguard_reasks_total", **L) == 1


def test_stream_hold_back_is_observed() -> None:
    registry = CollectorRegistry()
    telemetry.configure(prometheus=registry)
    g = guard_from("railguard: 1\nname: s\noutput:\n  - find: {find: [dog], type: DOG}\n", *ALL)
    stream = g.stream(lambda prompt: iter(["a do", "g here"]), "q")
    assert "".join(stream) == "a {DOG} here"
    held = stream.result.stream["max_held_back"]
    assert sample(registry, "railguard_stream_held_back_chars_count", guard="s") == 1
    assert sample(registry, "railguard_stream_held_back_chars_sum", guard="s") == held > 0
    assert sample(registry, "railguard_calls_total", guard="s", kind="stream") == 1


def test_one_registry_takes_the_metrics_once() -> None:
    registry = CollectorRegistry()
    first = telemetry.configure(prometheus=registry)
    second = telemetry.configure(prometheus=registry, emf=io.StringIO())
    assert first.sinks[0] is second.sinks[0] is PrometheusMetrics.for_registry(registry)
    names = {m.name for m in registry.collect()}
    assert {n for n, *_ in METRICS} <= names


def test_opentelemetry_metrics() -> None:
    reader = InMemoryMetricReader()
    telemetry.configure(meter_provider=MeterProvider(metric_readers=[reader]))
    guard().validate("a cat and an emu")
    data = reader.get_metrics_data()
    points = {}
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                points[m.name] = [(dict(p.attributes), getattr(p, "value", getattr(p, "count", None)))
                                  for p in m.data.data_points]
    assert points["railguard.calls"] == [({"railguard.guard.name": "shop", "railguard.call.kind": "validate"}, 1)]
    assert ({"railguard.guard.name": "shop", "railguard.stage": "input", "railguard.validator.id": "find#2",
             "railguard.action": "block", "railguard.mode": "monitor"}, 1) in points["railguard.interventions"]
    assert points["railguard.text_units"][0][1] == 3
    assert points["railguard.validator.duration"]


def test_emf_lines_are_valid_embedded_metric_format() -> None:
    out = io.StringIO()
    telemetry.configure(emf=out, emf_namespace="Shop/Guards")
    guard().validate("a cat and an emu")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    stage = next(x for x in lines if "Invocations" in x)
    meta = stage["_aws"]
    assert isinstance(meta["Timestamp"], int)
    (directive,) = meta["CloudWatchMetrics"]
    assert directive["Namespace"] == "Shop/Guards"
    assert {m["Name"] for m in directive["Metrics"]} >= {"Invocations", "InvocationsIntervened",
                                                         "InvocationLatency", "TextUnitCount"}
    for line in lines:  # every dimension and metric named in a directive is a member of the line
        for d in line["_aws"]["CloudWatchMetrics"]:
            for dims in d["Dimensions"]:
                assert all(isinstance(line[k], str) for k in dims)
            assert all(isinstance(line[m["Name"]], (int, float)) for m in d["Metrics"])
    assert stage["GuardrailContentSource"] == "Input" and stage["Invocations"] == 1
    assert stage["InvocationsIntervened"] == 1 and stage["TextUnitCount"] == 3
    monitored = next(x for x in lines if x.get("Mode") == "monitor")
    assert monitored["Action"] == "block" and monitored["Validator"] == "find#2"
    errors = next(x for x in lines if "ValidatorErrors" in x)
    assert errors["ErrorType"] == "timeout" and errors["Validator"] == "sleep"


def test_emf_to_a_file_appends_whole_lines(tmp_path) -> None:
    path = tmp_path / "emf.log"
    telemetry.configure(emf=str(path))
    g = guard()
    for _ in range(3):
        g.validate("plain")
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert sum(1 for x in lines if x.get("Invocations") == 1) == 3
    assert sum(1 for x in lines if x.get("ErrorType") == "timeout") == 3


def test_a_failing_sink_never_breaks_the_call(caplog) -> None:
    class Broken:
        def record(self, facts):
            raise ValueError("sink down")

    telemetry.configure(sinks=(Broken(),))
    r = guard().validate("a cat")
    assert r.output == "a {CAT}"
    assert any("Broken failed (ValueError)" in m for m in caplog.messages)


def test_configure_from_env(tmp_path, audit_key) -> None:
    emf, audit = tmp_path / "emf.jsonl", tmp_path / "audit.jsonl"
    hub = telemetry.configure_from_env({"RAILGUARD_EMF": str(emf), "RAILGUARD_AUDIT_LOG": str(audit),
                                        "RAILGUARD_AUDIT_KEY": audit_key, "RAILGUARD_TRACES": "0"})
    assert hub is telemetry.current() and hub.tracer is None
    guard().validate("a cat")
    assert emf.read_text() and json.loads(audit.read_text().splitlines()[0])["entity_types"] == ["CAT"]
    assert telemetry.configure_from_env({}) is None and telemetry.current() is None
    with pytest.raises(RailguardError, match="RAILGUARD_TRACES='maybe' is not a switch"):
        telemetry.configure_from_env({"RAILGUARD_TRACES": "maybe"})


def test_import_configures_nothing() -> None:
    import subprocess
    import sys

    code = ("import sys, railguard, railguard.telemetry as t; g = railguard.Guard; "
            "print(t.current() is None, 'opentelemetry' in sys.modules, 'prometheus_client' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "False"]


def test_a_failed_call_is_counted_by_error_type() -> None:
    registry, out = CollectorRegistry(), io.StringIO()
    telemetry.configure(prometheus=registry, emf=out)
    g = guard()

    def down(prompt):
        raise ConnectionError("no route")

    with pytest.raises(Exception):
        g.call(down, "hello")
    assert sample(registry, "railguard_call_errors_total", guard="shop", kind="call", error="ModelError") == 1
    assert sample(registry, "railguard_calls_total", guard="shop", kind="call") == 0
    (line,) = [json.loads(x) for x in out.getvalue().splitlines() if "CallErrors" in x]
    assert line["ErrorType"] == "ModelError" and line["Operation"] == "call"
