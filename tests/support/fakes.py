"""Small, real validators for exercising the runtime (on the pytest pythonpath)."""

from __future__ import annotations

import asyncio
import threading
import time

from railguard import Context, Outcome, Span, Validator


class Find(Validator):
    """Fails on each literal in ``find`` (case-sensitive); spans typed by ``type`` or the literal itself."""

    name = "find"
    params_schema = {"type": "object", "required": ["find"], "properties": {
        "find": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "type": {"type": "string"},
        "span_action": {"enum": ["mask", "block"]},
        "outcome_action": {"type": "string"},
    }}
    default_on_fail = "mask"
    can_mask = True
    inline = True

    def validate(self, text: str, context: Context) -> Outcome:
        spans = []
        for lit in self.params["find"]:
            start = text.find(lit)
            while start >= 0:
                spans.append(Span(start, start + len(lit), self.params.get("type", lit.upper()),
                                  action=self.params.get("span_action")))
                start = text.find(lit, start + 1)
        if not spans:
            return Outcome.ok()
        kinds = sorted({s.type for s in spans})
        return Outcome.fail("found " + ", ".join(kinds), spans=spans, action=self.params.get("outcome_action"))

    def lookahead(self) -> int:
        return max(len(x) for x in self.params["find"])


class Sleep(Validator):
    """Sleeps in a worker thread, then passes (or fails when ``fail`` is true)."""

    name = "sleep"
    params_schema = {"type": "object", "properties": {"ms": {"type": "number"}, "fail": {"type": "boolean"}}}

    def validate(self, text: str, context: Context) -> Outcome:
        time.sleep(self.params.get("ms", 100) / 1000)
        return Outcome.fail("slept and failed") if self.params.get("fail") else Outcome.ok()


class AsyncSleep(Validator):
    """The async twin of Sleep."""

    name = "async_sleep"
    params_schema = Sleep.params_schema

    async def validate(self, text: str, context: Context) -> Outcome:
        await asyncio.sleep(self.params.get("ms", 100) / 1000)
        return Outcome.fail("slept and failed") if self.params.get("fail") else Outcome.ok()


class Boom(Validator):
    """Raises; the message mentions the text to prove that logs never carry it."""

    name = "boom"
    params_schema = {"type": "object", "properties": {}}

    def validate(self, text: str, context: Context) -> Outcome:
        raise RuntimeError(f"crashed on {text!r}")


class Upper(Validator):
    """Fails when the text has lower-case letters; the fix is the upper-cased text."""

    name = "upper"
    params_schema = {"type": "object", "properties": {}}
    can_fix = True
    inline = True

    def validate(self, text: str, context: Context) -> Outcome:
        if text == text.upper():
            return Outcome.ok()
        return Outcome.fail("has lower-case letters", fix=text.upper())


class Counting(Validator):
    """Counts setup() and validate() calls across instances (class-level counters)."""

    name = "counting"
    params_schema = {"type": "object", "properties": {"fail_setup": {"type": "boolean"}}}
    lock = threading.Lock()
    setups = 0
    calls = 0

    def setup(self) -> None:
        with Counting.lock:
            Counting.setups += 1
        if self.params.get("fail_setup"):
            raise OSError("model file missing")

    def validate(self, text: str, context: Context) -> Outcome:
        with Counting.lock:
            Counting.calls += 1
        return Outcome.ok(details={"seen_messages": len(context.messages)})


class BadReturn(Validator):
    name = "bad_return"
    params_schema = {"type": "object", "properties": {}}
    inline = True

    def validate(self, text: str, context: Context):
        return "ok"


ALL = (Find, Sleep, AsyncSleep, Boom, Upper, Counting, BadReturn)
