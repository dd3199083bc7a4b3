"""CloudWatch Embedded Metric Format: one JSON line per stage run (and per failed verdict).

On Lambda, or on ECS/EC2 with the CloudWatch agent, lines written to stdout become
metrics with no API call. Metric names and the ``GuardrailContentSource`` dimension
mirror Bedrock Guardrails' own metrics (namespace ``AWS/Bedrock/Guardrails``), so one
dashboard can show both; ``Guard`` stands where Bedrock has ``GuardrailArn``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .facts import CallFacts
from .lines import line_writer

__all__ = ["EmfWriter"]

_SOURCE = {"input": "Input", "output": "Output"}
_STAGE_METRICS = [{"Name": "Invocations", "Unit": "Count"}, {"Name": "InvocationsIntervened", "Unit": "Count"},
                  {"Name": "InvocationsWouldIntervene", "Unit": "Count"},
                  {"Name": "InvocationLatency", "Unit": "Milliseconds"}, {"Name": "TextUnitCount", "Unit": "Count"}]


class EmfWriter:
    def __init__(self, target: Any, namespace: str = "Railguard"):
        self.write = line_writer(target)
        self.namespace = namespace

    def _line(self, ts: int, dims: list[list[str]], metrics: list[dict], values: dict[str, Any]) -> str:
        meta = {"Timestamp": ts, "CloudWatchMetrics": [{"Namespace": self.namespace, "Dimensions": dims,
                                                         "Metrics": metrics}]}
        return json.dumps({"_aws": meta, **values}, separators=(",", ":"), ensure_ascii=False)

    def record(self, f: CallFacts) -> None:
        ts = int(time.time() * 1000)
        for s in f.stages:
            source = _SOURCE.get(s.stage, s.stage)
            would = s.intervened or s.would_action not in (None, "none")
            self.write(self._line(ts, [["Guard", "GuardrailContentSource"], ["Guard"]], _STAGE_METRICS, {
                "Guard": f.guard, "GuardrailContentSource": source, "Operation": f.kind, "SpecHash": f.spec_hash,
                "Invocations": 1, "InvocationsIntervened": int(s.intervened), "InvocationsWouldIntervene": int(would),
                "InvocationLatency": round(s.latency_ms, 3), "TextUnitCount": s.text_units}))
            for v in s.verdicts:
                action = (v.would_action if v.mode == "monitor" else v.action) or "none"
                self.write(self._line(ts, [["Guard", "GuardrailContentSource", "Validator", "Action", "Mode"]],
                                      [{"Name": "Interventions", "Unit": "Count"}], {
                    "Guard": f.guard, "GuardrailContentSource": source, "Validator": v.validator,
                    "Action": action, "Mode": v.mode, "Interventions": 1,
                    "EntityTypes": list(v.entity_types)}))
            for vid, err in s.errors:
                self.write(self._line(ts, [["Guard", "Validator", "ErrorType"]],
                                      [{"Name": "ValidatorErrors", "Unit": "Count"}], {
                    "Guard": f.guard, "Validator": vid, "ErrorType": err, "ValidatorErrors": 1}))
        if f.held_back is not None:
            self.write(self._line(ts, [["Guard"]], [{"Name": "StreamHeldBackChars", "Unit": "Count"}],
                                  {"Guard": f.guard, "StreamHeldBackChars": f.held_back}))

    def record_error(self, guard: str, kind: str, error: str) -> None:
        self.write(self._line(int(time.time() * 1000), [["Guard", "ErrorType"]],
                              [{"Name": "CallErrors", "Unit": "Count"}],
                              {"Guard": guard, "Operation": kind, "ErrorType": error, "CallErrors": 1}))
