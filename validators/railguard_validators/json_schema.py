"""``json_schema``: the text must be JSON valid against a JSON Schema.

Failures list every schema error with its JSON path (``$.items[2].price: -1 is
less than the minimum of 0``), so a reask tells the model exactly what to change.
With ``on_fail: fix``, a JSON value embedded in prose or in a fenced code block is
extracted when that value alone is valid. The schema is checked when the spec is
loaded; only local references (``#/...``) are allowed, nothing is ever fetched.
"""

from __future__ import annotations

import json
import re
from itertools import islice
from typing import Any, Iterable, Iterator, Mapping

from railguard import Context, Outcome, ParamIssue, Validator, hookimpl

MAX_LISTED = 10  # errors listed in a message; the rest are counted
MAX_VALUE = 40  # characters of a quoted value in a message
MAX_CANDIDATES = 50  # positions tried when looking for JSON inside prose
MAX_SCHEMA_ERRORS = 20  # errors of an invalid JSON Schema reported at spec load
_FENCE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\r?\n(.*?)```", re.DOTALL)
_OPEN = re.compile(r"[\[{]")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.fullmatch(str(part)):
            out += f".{part}"
        else:
            out += "[" + json.dumps(str(part)) + "]"
    return out


def _plain(value: Any) -> Any:
    """Frozen spec values (FrozenMap, tuples) to plain JSON values."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _remote_refs(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str) and not value.startswith("#"):
                yield path + (key,), value
            else:
                yield from _remote_refs(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _remote_refs(value, path + (i,))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 3] + "..."


def _message(err: Any) -> str:
    """jsonschema's message with the offending value quoted short."""
    message = err.message
    full = repr(err.instance)
    if len(full) > MAX_VALUE and full in message:
        message = message.replace(full, _short(err.instance), 1)
    if len(message) > 200:
        message = message[:197] + "..."
    return message


def _describe(err: Any) -> str:
    return f"{json_path(err.absolute_path)}: {_message(err)}"


class JsonSchema(Validator):
    name = "json_schema"
    description = "The text must be JSON valid against a JSON Schema; fix extracts JSON from prose or a code block."
    params_schema = {
        "type": "object",
        "required": ["schema"],
        "x-rail-text": "schema",
        "properties": {
            "schema": {"type": ["object", "boolean"],
                       "description": "A JSON Schema (draft 2020-12 unless it says otherwise with $schema): a "
                                      "mapping in YAML, JSON text in RAIL's <schema> element."},
            "formats": {"type": "boolean", "default": False,
                        "description": "Also check 'format' (email, date-time, ...), which JSON Schema 2020-12 "
                                       "treats as an annotation by default."},
        },
    }
    default_on_fail = "block"
    can_fix = True
    inline = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        from jsonschema import FormatChecker
        from jsonschema.validators import validator_for

        self.schema = _plain(self.params["schema"])
        cls = validator_for(self.schema) if isinstance(self.schema, Mapping) else validator_for({})
        checker = FormatChecker() if self.params.get("formats", False) else None
        self.checker = cls(self.schema, format_checker=checker)

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import validator_for

        raw = params.get("schema")
        if not isinstance(raw, (Mapping, bool)):
            return  # the parameter schema reports it (RAIL JSON text that does not parse included)
        schema = _plain(raw)
        for path, ref in _remote_refs(schema):
            yield ParamIssue(("schema",) + path,
                             f"{ref!r}: only local references ('#/...') are allowed; a spec never fetches schemas")
        # Every error of the schema, not only the first (check_schema raises one of them).
        cls = validator_for(schema) if isinstance(schema, Mapping) else validator_for({})
        try:
            found = list(islice(cls(cls.META_SCHEMA).iter_errors(schema), MAX_SCHEMA_ERRORS + 1))
        except RecursionError:
            yield ParamIssue(("schema",), "not a valid JSON Schema: it nests too deeply")
            return
        found.sort(key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path])
        for exc in found[:MAX_SCHEMA_ERRORS]:
            yield ParamIssue(("schema",) + tuple(exc.absolute_path), f"not a valid JSON Schema: {_message(exc)}")
        if len(found) > MAX_SCHEMA_ERRORS:
            yield ParamIssue(("schema",), f"not a valid JSON Schema: more errors after the first {MAX_SCHEMA_ERRORS}")
        if not found:
            try:
                cls.check_schema(schema)
            except SchemaError as exc:  # pragma: no cover - iter_errors found none; kept as a second opinion
                yield ParamIssue(("schema",) + tuple(exc.absolute_path), f"not a valid JSON Schema: {_message(exc)}")

    def _errors(self, value: Any) -> list[str]:
        errors = sorted(self.checker.iter_errors(value), key=lambda e: [
            (0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path])  # document order
        return [_describe(e) for e in errors]

    def _extract(self, text: str) -> str | None:
        """A JSON value inside ``text`` that alone is valid: a fenced block first, then one found in prose."""
        decoder = json.JSONDecoder()
        for m in _FENCE.finditer(text):
            block = m.group(1).strip()
            try:
                value = json.loads(block)
            except ValueError:
                continue
            if self.checker.is_valid(value):
                return block
        for n, m in enumerate(_OPEN.finditer(text)):
            if n >= MAX_CANDIDATES:
                break
            try:
                value, end = decoder.raw_decode(text, m.start())
            except ValueError:
                continue
            if self.checker.is_valid(value):
                return text[m.start():end]
        return None

    def validate(self, text: str, context: Context) -> Outcome:
        try:
            value = json.loads(text)
        except ValueError as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not valid JSON"
            where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            return Outcome.fail(f"the text is not valid JSON ({reason}{where}); answer with JSON only",
                                fix=self._extract(text), details={"errors": 1, "json": False})
        errors = self._errors(value)
        if not errors:
            return Outcome.ok(details={"errors": 0, "json": True})
        listed = "; ".join(errors[:MAX_LISTED])
        more = f"; and {len(errors) - MAX_LISTED} more" if len(errors) > MAX_LISTED else ""
        return Outcome.fail(f"the JSON does not match the schema: {listed}{more}",
                            details={"errors": len(errors), "json": True})

    def lookahead(self) -> int | None:
        return None  # JSON is valid or not only as a whole


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [JsonSchema]
