"""Checking a loaded document against the envelope and every validator's schema.

All problems are collected and reported together, each with file, line, column
(where known) and JSON path, leading with the offending value.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from typing import Any, Iterable, Iterator, Mapping

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from .._frozen import freeze
from ..errors import SpecError, SpecIssue
from .cases import build_cases
from .model import Messages, Settings, Spec, ValidatorSpec
from .schema import DEFAULT_MESSAGES, DEFAULT_SETTINGS, STAGES, Catalog, entry_schema, envelope_schema
from .source import SourceMap, cap_message, shorten, sort_issues

MAX_ENTRIES = 1000  # validator entries per stage: far above any real guard, and it bounds checking work
COMMON_KEYS = ("on_fail", "id", "on_error", "timeout_s", "mode")


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    folded = {c.lower(): c for c in choices}
    if value.lower() in folded and folded[value.lower()] != value:
        return f" (did you mean {folded[value.lower()]!r}?)"
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close:
        close = [folded[c] for c in difflib.get_close_matches(value.lower(), list(folded), n=1, cutoff=0.6)]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _short(values: Iterable[Any], limit: int = 40) -> str:
    values = list(values)
    if len(values) <= limit:
        return repr(values)
    return repr(values[:limit])[:-1] + f", ... ({len(values) - limit} more)]"


def _issues(err: ValidationError, base: tuple, source: SourceMap) -> Iterator[SpecIssue]:
    path = base + tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        allowed = list((err.schema.get("properties") or {}).keys())
        patterns = err.schema.get("patternProperties") or {}
        for key in err.instance:
            if key in allowed or any(_compiled(p).search(key) for p in patterns):
                continue
            spell = source.spell
            hint = did_you_mean(spell(str(key)), [spell(a) for a in allowed])
            yield source.issue(path + (key,), f"{shorten(spell(str(key)))} is not a known key{hint}. "
                               f"Valid keys: {sorted(spell(a) for a in allowed)}", key=True)
        return
    if err.validator == "enum" and isinstance(err.instance, str):
        choices = [c for c in err.validator_value if isinstance(c, str)]
        yield source.issue(path, f"{shorten(err.instance)} is not one of {_short(err.validator_value)}"
                           f"{did_you_mean(err.instance[:200], choices)}")
        return
    if err.validator == "enum":
        yield source.issue(path, f"{shorten(err.instance)} is not one of {_short(err.validator_value)}")
        return
    if err.validator == "type" and isinstance(err.instance, str) and err.instance.lstrip()[:1] in ("{", "["):
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        if "object" in wanted or "array" in wanted:
            import json

            try:
                json.loads(err.instance)
            except RecursionError:
                yield source.issue(path, f"JSON text nested too deeply ({len(err.instance)} characters)")
                return
            except ValueError as exc:
                kinds = " or ".join(("an " if w[0] in "aeiou" else "a ") + w for w in wanted)
                yield source.issue(path, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
                                   f"of the text ({kinds} is wanted here)")
                return
    if err.context:
        best = best_match(err.context)
        if best is not None:
            # best.absolute_path is already absolute within the checked instance.
            yield from _issues(best, base, source)
            return
    yield source.issue(path, _message(err))


def _message(err: ValidationError) -> str:
    """jsonschema's message, with the offending value quoted short (its repr may be megabytes)."""
    message = err.message
    if len(message) > 200:
        full = repr(err.instance)
        if message.startswith(full):
            message = shorten(err.instance) + message[len(full):]
    return cap_message(message)


def _anchored(pattern: str) -> str:
    """``pattern`` with every end-of-input ``$`` as ``\\Z``: JSON Schema means the end of the string,
    Python's ``$`` also matches before a final newline (so ``name: "x\\n"`` passed ``^[a-z]+$``)."""
    out = []
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "$":
            out.append("\\Z")
            continue
        out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_anchored(pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{shorten(instance)} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Mapping[str, Any], instance: Any,
                        schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        rx = _compiled(pattern)
        for key, value in instance.items():
            if rx.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extras: Any, instance: Any,
                           schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    props = schema.get("properties", {})
    patterns = [_compiled(p) for p in schema.get("patternProperties", {})]
    unknown = [k for k in instance if k not in props and not any(rx.search(k) for rx in patterns)]
    if validator.is_type(extras, "object"):
        for key in unknown:
            yield from validator.descend(instance[key], extras, path=key)
    elif not extras and unknown:
        yield ValidationError(f"additional properties are not allowed ({len(unknown)} unexpected)")


# Draft 2020-12 with patterns read as JSON Schema means them (end of input is the end of the string).
SpecValidator = validators.extend(Draft202012Validator, {"pattern": _pattern,
                                                         "patternProperties": _pattern_properties,
                                                         "additionalProperties": _additional_properties})


def nonfinite_issues(data: Any, source: SourceMap, path: tuple = ()) -> list[SpecIssue]:
    """NaN and infinities anywhere in a spec (``.nan`` in YAML, ``"nan"`` or ``NaN`` JSON text in RAIL):
    they pass every range check (``threshold: .nan`` never matches), so they are refused everywhere."""
    out: list[SpecIssue] = []
    stack: list[tuple[Any, tuple]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            out.append(source.issue(where, f"{value!r} is not a finite number; NaN and infinities are not allowed "
                                    "in specs"))
        elif isinstance(value, Mapping):
            stack.extend((v, where + (k,)) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, where + (i,)) for i, v in enumerate(value))
    return out


def schema_issues(schema: Mapping[str, Any], instance: Any, base: tuple, source: SourceMap,
                  validator: Any = None) -> list[SpecIssue]:
    validator = validator if validator is not None else SpecValidator(schema)
    out: list[SpecIssue] = []
    for err in validator.iter_errors(instance):
        out.extend(_issues(err, base, source))
    return out


def _entry(raw: Any, path: tuple, source: SourceMap, known: list[str]) -> tuple[str, Any] | SpecIssue:
    if isinstance(raw, str):
        return raw, {}
    if isinstance(raw, Mapping) and len(raw) == 1:
        (name, params), = raw.items()
        return name, ({} if params is None else params)
    if isinstance(raw, Mapping) and len(raw) > 1:
        names = [k for k in raw if k in known]
        hint = (f" ('{names[0]}' is a validator: are its parameters indented under it?)" if names else "")
        return source.issue(path, f"an entry with keys {sorted(map(str, raw))} names more than one validator; "
                            f"each entry is a single validator name mapping to its parameters{hint}")
    return source.issue(path, f"{raw!r} is not a validator entry; write '- name: {{parameters}}' "
                        f"(known validators: {sorted(known)})")


def check_document(data: Any, source: SourceMap, catalog: Catalog,
                   prior: Iterable[SpecIssue] = ()) -> Spec:
    """Check plain spec data and build the immutable :class:`Spec`; raise SpecError listing every issue."""
    prior = list(prior)
    issues: list[SpecIssue] = list(prior)
    if not isinstance(data, Mapping):
        if data is not None or not issues:
            issues.append(source.issue((), f"the spec must be a mapping with keys railguard, name, input, output; "
                                       f"got {type(data).__name__}"))
        raise SpecError(sort_issues(issues))
    actions = catalog.action_names()
    envelope = envelope_schema(actions)
    envelope["properties"]["input"]["items"] = {}
    envelope["properties"]["output"]["items"] = {}
    issues += schema_issues(envelope, data, (), source)
    issues += nonfinite_issues(data, source)

    known = catalog.validator_names()
    entries: dict[str, list[tuple[str, dict[str, Any], int]]] = {"input": [], "output": []}
    checkers: dict[str, tuple[dict[str, Any], Any]] = {}  # one schema and validator per validator name
    for stage in STAGES:
        items = data.get(stage)
        if not isinstance(items, list):
            continue
        if len(items) > MAX_ENTRIES:
            issues.append(source.issue((stage,), f"{len(items)} validator entries in the {stage} stage; the limit is "
                                       f"{MAX_ENTRIES} per stage"))
            continue
        for i, raw in enumerate(items):
            path = (stage, i)
            got = _entry(raw, path, source, known)
            if isinstance(got, SpecIssue):
                issues.append(got)
                continue
            name, params = got
            if name not in known:
                spell = source.spell
                issues.append(source.issue(path + (name,), f"{shorten(spell(str(name)))} is not a known validator"
                                           f"{did_you_mean(spell(str(name)), [spell(k) for k in known])}. Known "
                                           f"validators: {sorted(spell(k) for k in known)}", key=True))
                continue
            ppath = path + (name,)
            if not isinstance(params, Mapping):
                issues.append(source.issue(ppath, f"{params!r} is not a mapping of parameters for {name!r}"))
                continue
            if name not in checkers:
                schema = entry_schema(catalog.params_schema(name), actions)
                checkers[name] = (schema, SpecValidator(schema))
            schema, checker = checkers[name]
            found = schema_issues(schema, params, ppath, source, checker)
            issues += found
            issues += _semantic_issues(name, stage, params, ppath, source, catalog, schema_ok=not found)
            entries[stage].append((name, dict(params), i))

    if "input" not in data and "output" not in data or (not data.get("input") and not data.get("output")):
        issues.append(source.issue((), "the spec declares no validators: give at least one under 'input' or "
                                   "'output' (a guard that checks nothing would pass everything)"))
    if issues:
        # A value the parser already refused (a Python tag, say) is not reported twice.
        refused = {i.path for i in prior}
        raise SpecError(sort_issues(prior + [i for i in issues[len(prior):] if i.path not in refused]))
    return _build(data, entries, source, catalog)


def _semantic_issues(name: str, stage: str, params: Mapping[str, Any], path: tuple, source: SourceMap,
                     catalog: Catalog, schema_ok: bool) -> list[SpecIssue]:
    out: list[SpecIssue] = []
    if stage not in catalog.stages(name):
        out.append(source.issue(path, f"{name!r} cannot run in the {stage} stage; it runs in: "
                                f"{', '.join(catalog.stages(name))}", key=True))
    on_fail = params.get("on_fail", catalog.default_on_fail(name))
    if isinstance(on_fail, str) and on_fail in catalog.action_names():
        kind = catalog.action_kind(on_fail)
        if stage not in catalog.action_stages(on_fail):
            valid = [a for a in catalog.action_names() if stage in catalog.action_stages(a)
                     and _action_fits(catalog, name, a)]
            out.append(source.issue(path + ("on_fail",), f"{on_fail!r} cannot be used in the {stage} stage "
                                    f"(it needs a model answer to retry); valid here: {valid}"))
        elif not _action_fits(catalog, name, on_fail):
            valid = [a for a in catalog.action_names() if stage in catalog.action_stages(a)
                     and _action_fits(catalog, name, a)]
            need = "spans to mask" if kind == "mask" else "a fix value"
            out.append(source.issue(path + ("on_fail",), f"{on_fail!r} needs {need}, which {name!r} does not "
                                    f"report; valid for {name!r}: {valid}"))
    # Validator-specific checks run even when the schema found problems, so that every problem is
    # reported at once; a checker tripping over schema-invalid parameters is then not reported.
    for problem in catalog.check_params(name, params):
        if schema_ok or not problem.message.startswith(f"validator {name!r} ("):
            out.append(source.issue(path + tuple(problem.path), problem.message))
    return out


def _action_fits(catalog: Catalog, validator: str, action: str) -> bool:
    kind = catalog.action_kind(action)
    if kind == "mask":
        return catalog.can(validator, "mask")
    if kind == "fix":
        return catalog.can(validator, "fix")
    return True


def _build(data: Mapping[str, Any], entries: Mapping[str, list], source: SourceMap, catalog: Catalog) -> Spec:
    settings = {**DEFAULT_SETTINGS, **(data.get("settings") or {})}
    messages = {**DEFAULT_MESSAGES, **(data.get("messages") or {})}
    stages: dict[str, tuple[ValidatorSpec, ...]] = {}
    issues: list[SpecIssue] = []
    for stage in STAGES:
        items = entries[stage]
        counts: dict[str, int] = {}
        for name, _, _ in items:
            counts[name] = counts.get(name, 0) + 1
        taken: dict[str, int] = {}
        built: list[ValidatorSpec] = []
        explicit = {p["id"] for _, p, _ in items if "id" in p}
        seen_n: dict[str, int] = {}
        for name, params, index in items:
            vid = params.pop("id", None)
            if vid is None:
                seen_n[name] = seen_n.get(name, 0) + 1
                vid = name if counts[name] == 1 else f"{name}#{seen_n[name]}"
                k = seen_n[name]
                while vid in explicit or vid in taken:
                    k += 1
                    vid = f"{name}#{k}"
            elif vid in taken:
                issues.append(source.issue((stage, index, name, "id"), f"{vid!r} is already the id of "
                                           f"$.{stage}[{taken[vid]}]; ids must be unique within a stage"))
            taken[vid] = index
            built.append(ValidatorSpec(
                name=name,
                id=vid,
                stage=stage,
                index=index,
                on_fail=params.pop("on_fail", catalog.default_on_fail(name)),
                on_error=params.pop("on_error", settings["on_error"]),
                timeout_s=float(params.pop("timeout_s", settings["timeout_s"])),
                mode=params.pop("mode", settings["mode"]),
                params=freeze(params),
            ))
        stages[stage] = tuple(built)
    tests, test_issues = build_cases(data.get("tests"), stages, source)
    issues += test_issues
    if issues:
        raise SpecError(sort_issues(issues))
    return Spec(
        version=data["railguard"],
        name=data["name"],
        description=data.get("description"),
        messages=Messages(**messages),
        settings=Settings(on_error=settings["on_error"], timeout_s=float(settings["timeout_s"]),
                          max_reasks=int(settings["max_reasks"]), on_block=settings["on_block"],
                          mask_format=settings["mask_format"], stream_reask=settings["stream_reask"],
                          mode=settings["mode"]),
        input=stages["input"],
        output=stages["output"],
        tests=tests,
        source=source,
    )
