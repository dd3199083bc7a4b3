"""``regex``: named patterns that mask or block what they match."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from railguard import Context, Outcome, ParamIssue, Span, Validator, hookimpl

MAX_PATTERNS = 30


class Regex(Validator):
    name = "regex"
    description = "Named regular expressions; each match is masked as {name} or blocks, per pattern."
    params_schema = {
        "type": "object",
        "required": ["patterns"],
        "properties": {
            "patterns": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_PATTERNS,
                "items": {
                    "type": "object",
                    "required": ["name", "pattern"],
                    "additionalProperties": False,
                    "x-rail-text": "pattern",
                    "properties": {
                        "name": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,100}$"},
                        "pattern": {"type": "string", "minLength": 1, "maxLength": 500},
                        "action": {"enum": ["mask", "block"]},
                        "description": {"type": "string", "maxLength": 1000},
                    },
                },
            },
        },
    }
    default_on_fail = "block"
    can_mask = True
    inline = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        self.patterns = [(p["name"], re.compile(p["pattern"]), p.get("action")) for p in self.params["patterns"]]

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        seen: dict[str, int] = {}
        for i, p in enumerate(params.get("patterns", ())):
            if p["name"] in seen:
                yield ParamIssue(("patterns", i, "name"), f"{p['name']!r} is already the name of patterns[{seen[p['name']]}]")
            seen.setdefault(p["name"], i)
            try:
                compiled = re.compile(p["pattern"])
            except re.error as exc:
                yield ParamIssue(("patterns", i, "pattern"), f"{p['pattern']!r} is not a valid regular expression: {exc}")
                continue
            if compiled.match("") is not None and compiled.fullmatch("") is not None:
                yield ParamIssue(("patterns", i, "pattern"), f"{p['pattern']!r} matches the empty string")

    def validate(self, text: str, context: Context) -> Outcome:
        spans = []
        for name, pattern, action in self.patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    spans.append(Span(m.start(), m.end(), name, action=action, explanation=f"pattern {name}"))
        if not spans:
            return Outcome.ok()
        counts: dict[str, int] = {}
        for s in spans:
            counts[s.type] = counts.get(s.type, 0) + 1
        what = ", ".join(f"{n} x{c}" if c > 1 else n for n, c in counts.items())
        return Outcome.fail(f"matched pattern(s): {what}", spans=spans)


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [Regex]
