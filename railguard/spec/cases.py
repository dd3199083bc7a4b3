"""Test cases a spec carries under ``tests:``: their schema and how they are built and checked.

A case gives a text (``input``, ``output`` or chat ``messages``) and what the guard must do
with it (``expect``: pass, block, mask, fix or reask), optionally the text it must become
(``result``), the entity types it must mask (``entities``), the categories or topics that must
be reported (``categories``), the entries that must or must not fail (``fires``, ``passes``,
by entry id) and those that must error (``errors``; any other error fails the case), and what
remote services answer (``replies``). ``railguard test`` runs them (see :mod:`railguard.spectest`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .._frozen import freeze
from ..errors import SpecIssue
from .model import TestCase, ValidatorSpec
from .source import SourceMap

EXPECTATIONS = ["pass", "block", "mask", "fix", "reask"]
ROLES = ["system", "developer", "user", "assistant", "tool"]
MAX_CASE_CHARS = 100_000

_TEXT = {"type": "string", "maxLength": MAX_CASE_CHARS}
_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100}, "maxItems": 100}

CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["expect"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Shown in reports."},
        "input": {**_TEXT, "description": "A user's text: the input stage checks it."},
        "output": {**_TEXT, "description": "A model's answer: the output stage checks it."},
        "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "description": "A conversation: the input stage checks its user turns, or it is the context of 'output'.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["role", "content"],
                "x-rail-text": "content",
                "properties": {"role": {"enum": ROLES}, "content": _TEXT},
            },
        },
        "expect": {"enum": EXPECTATIONS, "description": "What the guard must do with the text."},
        "result": {**_TEXT, "description": "The text the guard must hand on (masked or fixed)."},
        "entities": {**_NAMES, "description": "Entity types that must be among the reported spans."},
        "categories": {**_NAMES, "description": "Categories or topics that must be reported."},
        "fires": {**_NAMES, "description": "Entry ids that must fail on this text."},
        "passes": {**_NAMES, "description": "Entry ids that must pass this text."},
        "errors": {**_NAMES, "description": "Entry ids that must error (their on_error decides), e.g. on a "
                                            "malformed remote reply."},
        "replies": {
            "type": "object",
            "maxProperties": 100,
            "additionalProperties": {"anyOf": [{"type": "string", "maxLength": MAX_CASE_CHARS}, {"type": "object"}]},
            "description": "What a remote entry's service answers, by entry id: Llama Guard's generated text, "
                           "or a Bedrock ApplyGuardrail response ('NONE' for no intervention).",
        },
    },
}

TESTS_SCHEMA: dict[str, Any] = {"type": "array", "items": CASE_SCHEMA, "maxItems": 10_000,
                                "description": "Test cases: run them with `railguard test`."}


def build_cases(raw: Any, stages: Mapping[str, Sequence[ValidatorSpec]], source: SourceMap
                ) -> tuple[tuple[TestCase, ...], list[SpecIssue]]:
    """Schema-checked case data to :class:`TestCase` values, plus the problems the schema cannot see:
    no text or two texts, ids that name no entry of the stage, expectations that contradict."""
    if not isinstance(raw, list):
        return (), []
    cases: list[TestCase] = []
    issues: list[SpecIssue] = []
    for i, case in enumerate(raw):
        if not isinstance(case, Mapping):
            continue
        path = ("tests", i)
        before = len(issues)
        has = [k for k in ("input", "output") if k in case]
        if len(has) == 2:
            issues.append(source.issue(path, "a case gives both 'input' and 'output'; a case checks one stage: "
                                       "split it into two cases"))
            continue
        if not has and "messages" not in case:
            issues.append(source.issue(path, "a case needs the text to check: 'input', 'output' or 'messages'"))
            continue
        stage = "output" if has == ["output"] else "input"
        messages = tuple((m["role"], m["content"]) for m in case.get("messages", ()))
        if stage == "input" and "input" not in case and not any(role == "user" for role, _ in messages):
            issues.append(source.issue(path + ("messages",), "the messages have no user turn, so the input "
                                       "stage would check nothing; add one, or give 'output'"))
            continue
        ids = [v.id for v in stages.get(stage, ())]
        for key in ("fires", "passes", "errors"):
            for j, vid in enumerate(case.get(key, ())):
                if vid not in ids:
                    issues.append(source.issue(path + (key, j), f"{vid!r} is not the id of an entry of the {stage} "
                                               f"stage; ids there: {ids}"))
        for vid in case.get("replies", {}):
            if vid not in ids:
                issues.append(source.issue(path + ("replies", vid), f"{vid!r} is not the id of an entry of the "
                                           f"{stage} stage; ids there: {ids}", key=True))
        both = sorted(set(case.get("fires", ())) & set(case.get("passes", ())))
        if both:
            issues.append(source.issue(path, f"{both} are listed under both 'fires' and 'passes'"))
        expect = case["expect"]
        if expect == "reask" and stage != "output":
            issues.append(source.issue(path + ("expect",), "'reask' happens only in the output stage; give "
                                       "'output' (and the conversation as 'messages')"))
        if "result" in case and expect in ("block", "reask"):
            issues.append(source.issue(path + ("result",), f"'result' is compared with the text handed on; with "
                                       f"expect: {expect} that is the spec's blocked message, not worth "
                                       "repeating: drop 'result'"))
        if "result" in case and expect == "pass":
            issues.append(source.issue(path + ("result",), "a passing text is handed on unchanged; 'result' "
                                       "is for expect: mask or fix"))
        if len(issues) > before:
            continue
        cases.append(TestCase(
            index=i,
            name=case.get("name") or f"tests[{i}]",
            stage=stage,
            text=case.get(stage),
            messages=messages,
            expect=expect,
            result=case.get("result"),
            entities=tuple(case.get("entities", ())),
            categories=tuple(case.get("categories", ())),
            fires=tuple(case.get("fires", ())),
            passes=tuple(case.get("passes", ())),
            errors=tuple(case.get("errors", ())),
            replies=freeze(case.get("replies") or {}),
        ))
    return tuple(cases), issues
