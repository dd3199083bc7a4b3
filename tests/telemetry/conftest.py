from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from railguard import telemetry

AUDIT_KEY = "k3y-for-tests-0123456789abcdef"


@pytest.fixture(autouse=True)
def telemetry_off():
    """Every test starts and ends with telemetry switched off (it is process-wide)."""
    telemetry.disable()
    yield
    telemetry.disable()


@pytest.fixture
def tracing():
    """An SDK tracer provider with an in-memory exporter, configured as railguard's tracer."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.configure(tracer_provider=provider)
    return provider, exporter


@pytest.fixture
def audit_key(monkeypatch):
    monkeypatch.setenv("RAILGUARD_AUDIT_KEY", AUDIT_KEY)
    return AUDIT_KEY
