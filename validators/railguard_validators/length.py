"""``length``: the text must be between ``min`` and ``max`` characters or words."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from railguard import Context, Outcome, ParamIssue, Validator, hookimpl

_WORD = re.compile(r"\S+")


class Length(Validator):
    name = "length"
    description = "Bounds the length of the text in characters or words; fix truncates at a word boundary."
    params_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer", "minimum": 0},
            "max": {"type": "integer", "minimum": 1},
            "unit": {"enum": ["characters", "words"], "default": "characters"},
        },
        "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
    }
    default_on_fail = "block"
    can_fix = True
    inline = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        self.min = self.params.get("min")
        self.max = self.params.get("max")
        self.unit = self.params.get("unit", "characters")

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        lo, hi = params.get("min"), params.get("max")
        if lo is not None and hi is not None and lo > hi:
            yield ParamIssue(("min",), f"{lo} is greater than max ({hi})")

    def _count(self, text: str) -> int:
        if self.unit == "characters":
            return len(text)
        return sum(1 for _ in _WORD.finditer(text))

    def _truncate(self, text: str) -> str:
        if self.unit == "words":
            ends = [m.end() for m in _WORD.finditer(text)]
            return text[: ends[self.max - 1]] if len(ends) > self.max else text
        cut = text[: self.max]
        if len(text) > self.max and not text[self.max].isspace():
            space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
            if space > 0:
                cut = cut[:space]
        return cut.rstrip()

    def validate(self, text: str, context: Context) -> Outcome:
        n = self._count(text)
        details = {"count": n, "unit": self.unit}
        if self.max is not None and n > self.max:
            return Outcome.fail(f"the text has {n} {self.unit}; the maximum is {self.max}",
                                fix=self._truncate(text), details=details)
        if self.min is not None and n < self.min:
            return Outcome.fail(f"the text has {n} {self.unit}; the minimum is {self.min}", details=details)
        return Outcome.ok(details=details)

    def lookahead(self) -> int | None:
        return None  # the count is known only at the end of the text


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [Length]
