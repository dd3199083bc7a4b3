"""Spec loading: YAML or RAIL text to one immutable :class:`Spec`.

This layer knows nothing of plugins; callers pass a :class:`Catalog` (the plugin
registry implements it). ``railguard.load_spec`` does that for you.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import SpecError, SpecIssue
from .check import check_document, did_you_mean
from .model import Messages, Settings, Spec, ValidatorSpec
from .schema import Catalog, entry_schema, envelope_schema
from .source import SourceMap, render_path

__all__ = ["load", "load_text", "Spec", "ValidatorSpec", "Settings", "Messages", "Catalog", "render_path",
           "did_you_mean", "SourceMap", "MAX_SPEC_BYTES"]

MAX_SPEC_BYTES = 10 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
RAIL_SUFFIXES = (".rail", ".xml")


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and value.strip() == value and value.lower().endswith(YAML_SUFFIXES + RAIL_SUFFIXES)


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"), (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
         (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))


def _bom_encoding(raw: bytes) -> str | None:
    """The encoding of a file that is plainly not UTF-8: a UTF-16/32 byte-order mark, or NUL bytes."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return f"{name} (it starts with a {name} byte-order mark)"
    head = raw[:4096]
    if len(head) >= 8 and head.count(b"\x00") * 4 >= len(head):
        # UTF-8 text never has this many NUL bytes; UTF-16/32 text of ASCII characters does.
        return "UTF-16 or UTF-32 (no byte-order mark, but every second or fourth byte is NUL)"
    return None


def load(path_or_text: str | os.PathLike[str], catalog: Catalog, *, format: str | None = None) -> Spec:
    """Load a spec from a file path or from spec text (YAML, or RAIL when it starts with '<')."""
    if isinstance(path_or_text, os.PathLike) or (isinstance(path_or_text, str) and _looks_like_path(path_or_text)):
        path = Path(path_or_text)
        name = str(path_or_text)
        try:
            size = path.stat().st_size
            if size > MAX_SPEC_BYTES:
                raise SpecError([SpecIssue(f"spec file is {size} bytes; the limit is {MAX_SPEC_BYTES}", "$", name)])
            raw = path.read_bytes()
        except FileNotFoundError:
            raise SpecError([SpecIssue("no such file", "$", name)]) from None
        except IsADirectoryError:
            raise SpecError([SpecIssue("is a directory, not a spec file", "$", name)]) from None
        except OSError as exc:
            raise SpecError([SpecIssue(f"cannot read: {exc.strerror or exc}", "$", name)]) from None
        if format is None:
            suffix = path.suffix.lower()
            format = "rail" if suffix in RAIL_SUFFIXES else "yaml" if suffix in YAML_SUFFIXES else None
        encoding = _bom_encoding(raw)
        if encoding is not None:
            raise SpecError([SpecIssue(f"not UTF-8 text: the file is {encoding}; save it as UTF-8", "$", name, 1, 1)])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise SpecError([SpecIssue(f"not UTF-8 text (byte {exc.start}, line {line}); specs are UTF-8", "$",
                                       name, line)]) from None
        return load_text(text, catalog, format=format, file=name)
    if not isinstance(path_or_text, str):
        raise SpecError(f"expected a path or spec text, got {type(path_or_text).__name__}")
    return load_text(path_or_text, catalog, format=format)


def load_text(text: str, catalog: Catalog, *, format: str | None = None, file: str | None = None) -> Spec:
    """Load spec text. ``format`` is 'yaml' or 'rail'; guessed from the first character when omitted."""
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError([SpecIssue(f"spec text is {len(text)} characters; the limit is {MAX_SPEC_BYTES}", "$", file)])
    if format is None:
        format = "rail" if text.lstrip().startswith("<") else "yaml"
    if format == "yaml":
        from .yaml_source import parse_yaml

        data, source, issues = parse_yaml(text, file)
    elif format == "rail":
        from .rail_source import parse_rail

        envelope = envelope_schema(catalog.action_names())
        known = set(catalog.validator_names())

        schemas: dict[str, Any] = {}

        def schema_for(name: str) -> Any:
            if name not in known:
                return None
            if name not in schemas:
                schemas[name] = entry_schema(catalog.params_schema(name), catalog.action_names())
            return schemas[name]

        data, source, issues = parse_rail(text, file, envelope, schema_for)
    else:
        raise SpecError([SpecIssue(f"{format!r} is not a spec format; use 'yaml' or 'rail'", "$", file)])
    return check_document(data, source, catalog, issues)
