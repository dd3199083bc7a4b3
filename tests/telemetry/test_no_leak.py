"""No sink ever receives a detected value or the checked text, whatever is switched on.

Hypothesis draws a configuration (any subset of traces, prometheus, OpenTelemetry metrics, EMF,
audit to a file or to logging) and texts carrying e-mail addresses and SSNs; every call kind
runs (validate, call with a reask, stream); then every span, metric sample, EMF line, audit
record and log record is searched for the text and for each detected value.
"""

from __future__ import annotations

import io
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry, generate_latest

from railguard import telemetry

from coretest import guard_from
from fakes import ALL

SPEC = """railguard: 1
name: leaky
input:
  - pii: {entities: [EMAIL, US_SOCIAL_SECURITY_NUMBER], on_fail: mask}
  - boom: {on_error: allow}
  - find: {find: [zebra], on_fail: block, mode: monitor}
output:
  - pii: {entities: [EMAIL], on_fail: reask}
  - find: {find: [zebra], type: ANIMAL}
"""

GUARD = guard_from(SPEC, *ALL)

words = st.lists(st.sampled_from(["please", "mail", "zebra", "note", "call", "my", "number", "is", "thanks"]),
                 min_size=1, max_size=6).map(" ".join)
local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=10)
email = st.builds(lambda a, b: f"{a}.{b}@{b}mail.com", local, local)
ssn = st.builds(lambda a, b, c: f"{a:03d}-{b:02d}-{c:04d}", st.integers(101, 665), st.integers(10, 99),
                st.integers(1000, 9999))
secret = st.one_of(email, ssn)
text = st.tuples(words, secret, words, secret, words).map(lambda t: (" ".join(t), [t[1], t[3]]))
config = st.fixed_dictionaries({"traces": st.booleans(), "prometheus": st.booleans(), "otel": st.booleans(),
                                "emf": st.booleans(), "audit": st.sampled_from([None, "stream", "logging"])})


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cfg=config, case=text)
def test_no_detected_value_and_no_text_reaches_any_sink(cfg, case, audit_key) -> None:
    body, secrets = case
    exporter, registry, reader = InMemorySpanExporter(), CollectorRegistry(), InMemoryMetricReader()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    emf, audit = io.StringIO(), io.StringIO()
    audit_logger = logging.getLogger("railguard.audit.test")
    audit_logger.setLevel(logging.INFO)
    handler = Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        telemetry.configure(
            tracer_provider=provider if cfg["traces"] else None,
            prometheus=registry if cfg["prometheus"] else None,
            meter_provider=MeterProvider(metric_readers=[reader]) if cfg["otel"] else None,
            emf=emf if cfg["emf"] else None,
            audit={"stream": audit, "logging": audit_logger, None: None}[cfg["audit"]])
        r = GUARD.validate(body)
        assert len(r.input.failures[0].spans) == 2  # both secrets were detected, so sinks saw real verdicts
        answers = iter([f"reply to {secrets[0]}", "done, zebra"])
        GUARD.call(lambda prompt: next(answers), body)
        stream = GUARD.stream(lambda prompt: iter(["ok ", secrets[1][:4], secrets[1][4:], " zebra"]), body)
        "".join(stream)
    finally:
        telemetry.disable()
        root.removeHandler(handler)
        root.setLevel(old_level)
    seen = [emf.getvalue(), audit.getvalue(), "\n".join(handler.lines), generate_latest(registry).decode()]
    for s in exporter.get_finished_spans():
        seen.append(repr((s.name, dict(s.attributes), [(e.name, dict(e.attributes)) for e in s.events],
                          s.status.description)))
    data = reader.get_metrics_data() if cfg["otel"] else None
    if data is not None:
        seen.append(data.to_json())
    everything = "\n".join(seen)
    for value in [*secrets, body]:
        assert value not in everything
        assert value.casefold() not in everything.casefold()
    if cfg["audit"]:
        assert '"hmac":' in everything
