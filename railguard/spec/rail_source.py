"""RAIL-like XML specs to the same plain dict as YAML.

Mapping rules (DESIGN.md section 3): the element name is the validator name with
``-`` read as ``_``; attributes and child elements become keys; a child whose name
is the singular of an array-valued key (``<topic>`` for ``topics``, ``<category>``
for ``categories``) is collected into that list; the parameter's JSON Schema
decides types, so ``"5"`` becomes 5 where an integer is wanted and
``"EMAIL PHONE"`` (or ``"EMAIL, PHONE"``) becomes a list where an array is wanted; JSON text
becomes an object or array where the schema wants one.
Text content goes to the key a schema names with ``x-rail-text``; a schema's ``x-rail-values``
maps RAIL attribute words to the JSON value they stand for (``normalize="all"`` is ``true``).

Parsing is hardened: no DTD, no entities, no network, no XInclude. A document with
a DOCTYPE is refused before it is parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Mapping

from ..errors import SpecIssue
from .check import MAX_ENTRIES
from .source import SourceMap, render_path

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
MAX_NODES = 200_000  # elements and attributes, as YAML's bound on values
_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

SchemaLookup = Callable[[str], "Mapping[str, Any] | None"]


def _key(name: str) -> str:
    return name.replace("-", "_")


def _resolve(schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    seen = 0
    while schema is not None and "$ref" in schema and root is not None and seen < 20:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part) if isinstance(node, Mapping) else None
        schema = node
        seen += 1
    return schema


def _branches(schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    schema = _resolve(schema, root)
    if not isinstance(schema, Mapping):
        return []
    out = [schema]
    for combinator in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(combinator, ()):
            out.extend(_branches(sub, root))
    return out


def _types(schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> set[str]:
    types: set[str] = set()
    for branch in _branches(schema, root):
        t = branch.get("type")
        if isinstance(t, str):
            types.add(t)
        elif isinstance(t, list):
            types.update(t)
        for value in list(branch.get("enum", ())) + ([branch["const"]] if "const" in branch else []):
            types.add({bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(value), "string"))
    return types


def _property(schema: Mapping[str, Any] | None, key: str, root: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    for branch in _branches(schema, root):
        props = branch.get("properties")
        if isinstance(props, Mapping) and key in props:
            return _resolve(props[key], root)
    for branch in _branches(schema, root):
        extra = branch.get("additionalProperties")
        if isinstance(extra, Mapping):
            return _resolve(extra, root)
    return None


def _has_property(schema: Mapping[str, Any] | None, key: str, root: Mapping[str, Any] | None) -> bool:
    return any(isinstance(b.get("properties"), Mapping) and key in b["properties"] for b in _branches(schema, root))


def _items(schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    for branch in _branches(schema, root):
        if isinstance(branch.get("items"), Mapping):
            return _resolve(branch["items"], root)
    return None


def _text_key(schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> str | None:
    for branch in _branches(schema, root):
        if isinstance(branch.get("x-rail-text"), str):
            return branch["x-rail-text"]
    return None


def split_list(text: str) -> list[str]:
    """``"A B C"`` or ``"A, B, C"`` to a list; commas win when present (phrases keep their spaces)."""
    if "," in text:
        return [p.strip() for p in text.split(",") if p.strip()]
    return text.split()


def coerce(text: str, schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> Any:
    """A string from XML, typed as the schema wants. Left as a string when it cannot be coerced,
    so the schema check reports it with its path."""
    for branch in _branches(schema, root):
        words = branch.get("x-rail-values")
        if isinstance(words, Mapping) and text.strip() in words:
            return words[text.strip()]  # a RAIL word the validator defines, such as normalize="all" for true
    types = _types(schema, root)
    if not types or "string" in types:
        return text
    stripped = text.strip()
    if ("object" in types or "array" in types) and stripped[:1] in ("{", "["):
        # JSON text for an object- or array-typed value (a JSON Schema inside <schema>...</schema>).
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            value = None
        if value is not None and not _shallow(value):
            value = None  # left as text: the schema check reports it
        if (isinstance(value, dict) and "object" in types) or (isinstance(value, list) and "array" in types):
            return value
    if "array" in types:
        item_schema = _items(schema, root)
        return [coerce(part, item_schema, root) for part in split_list(stripped)]
    if "integer" in types and _INT.match(stripped):
        return int(stripped)
    if "number" in types and _NUM.match(stripped):
        value = float(stripped)
        return int(value) if value.is_integer() and "integer" in types else value
    if "boolean" in types and stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    if "null" in types and stripped in ("", "null"):
        return None
    return text


MAX_JSON_DEPTH = 64


def _shallow(value: Any) -> bool:
    """Whether JSON text read into ``value`` nests at most MAX_JSON_DEPTH levels."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _plural(key: str, schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None) -> str | None:
    candidates = [key + "s", key + "es"]
    if key.endswith("y"):
        candidates.append(key[:-1] + "ies")
    for cand in candidates:
        if _has_property(schema, cand, root) and "array" in _types(_property(schema, cand, root), root):
            return cand
    return None


class _Converter:
    def __init__(self, source: SourceMap):
        self.source = source
        self.issues: list[SpecIssue] = []

    def issue(self, el: Any, path: tuple, message: str) -> None:
        self.issues.append(SpecIssue(message, render_path(path), self.source.file, el.sourceline, None))

    def element(self, el: Any, schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None,
                path: tuple, skip_attrs: tuple[str, ...] = ()) -> Any:
        """An element with attributes and/or children: a dict. A bare element: its (typed) text."""
        self.source.values.setdefault(path, (el.sourceline, None))
        children = [c for c in el if isinstance(c.tag, str)]
        attrs = {k: v for k, v in el.attrib.items() if k not in skip_attrs}
        text = (el.text or "").strip()
        # Text alone is the value itself, unless the value must be an object that takes its text under
        # a key (<json-schema>{...}</json-schema> is <json-schema><schema>{...}</schema></json-schema>).
        text_only_object = (text and "string" not in _types(schema, root) and _text_key(schema, root) is not None)
        if not attrs and not children and not text_only_object:
            if "object" in _types(schema, root) and not text:
                return {}
            return coerce(text, schema, root)
        out: dict[str, Any] = {}
        given: dict[str, str] = {}
        for raw_name, value in attrs.items():
            key = self.attribute(el, raw_name, path, schema, root, given)
            if key is None:
                continue
            self.source.values[path + (key,)] = (el.sourceline, None)
            self.source.keys[path + (key,)] = (el.sourceline, None)
            out[key] = coerce(value, _property(schema, key, root), root)
        if text:
            text_key = _text_key(schema, root)
            if text_key is None:
                self.issue(el, path, f"unexpected text inside <{el.tag}>; give values as attributes or child elements")
            elif text_key in out:
                self.issue(el, path + (text_key,), f"{text_key!r} is given both as an attribute and as text")
            else:
                self.source.values[path + (text_key,)] = (el.sourceline, None)
                out[text_key] = coerce(text, _property(schema, text_key, root), root)
        for child in children:
            self.child(child, out, schema, root, path)
        return out

    def attribute(self, el: Any, raw_name: str, path: tuple, schema: Mapping[str, Any] | None,
                  root: Mapping[str, Any] | None, given: dict[str, str]) -> str | None:
        """The key of an attribute, or None (reported) for a second spelling of one key or a YAML
        spelling: RAIL writes ``on-fail``, and ``on_fail`` or a namespaced ``x:on-fail`` beside it would
        silently override it."""
        shown = raw_name.split("}", 1)[1] if "}" in raw_name else raw_name
        if "}" in raw_name:  # a namespaced attribute: name it by its prefix, as it is written
            prefix = next((p for p, uri in (el.nsmap or {}).items() if uri == raw_name[1:].split("}", 1)[0]), None)
            shown = f"{prefix}:{shown}" if prefix else shown
        local = raw_name.split("}", 1)[1] if "}" in raw_name else raw_name
        key = _key(local)
        if "_" in local and _has_property(schema, key, root):
            self.issue(el, path + (key,), f"attribute {shown!r} of <{el.tag}>: RAIL spells it "
                       f"{local.replace('_', '-')!r} (hyphens, not underscores)")
            return None
        if key in given:
            self.issue(el, path + (key,), f"attributes {given[key]!r} and {shown!r} of <{el.tag}> both give "
                       f"{key.replace('_', '-')!r}; give it once")
            return None
        given[key] = shown
        return key

    def child(self, child: Any, out: dict[str, Any], schema: Mapping[str, Any] | None,
              root: Mapping[str, Any] | None, path: tuple) -> None:
        key = _key(child.tag)
        if not _has_property(schema, key, root):
            plural = _plural(key, schema, root)
            if plural is not None:
                items = out.setdefault(plural, [])
                if not isinstance(items, list):
                    self.issue(child, path + (plural,), f"{plural!r} is given both as an attribute and as elements")
                    return
                self.source.keys.setdefault(path + (plural,), (child.sourceline, None))
                self.source.values.setdefault(path + (plural,), (child.sourceline, None))
                item_schema = _items(_property(schema, plural, root), root)
                items.append(self.element(child, item_schema, root, path + (plural, len(items))))
                return
        sub = _property(schema, key, root)
        self.source.keys[path + (key,)] = (child.sourceline, None)
        if key in out:
            self.issue(child, path + (key,), f"<{child.tag}> is given twice (or also as an attribute)")
            return
        grandchildren = [c for c in child if isinstance(c.tag, str)]
        if "array" in _types(sub, root) and not child.attrib and grandchildren:
            # <words><word>..</word><word>..</word></words>
            item_schema = _items(sub, root)
            self.source.values[path + (key,)] = (child.sourceline, None)
            out[key] = [self.element(g, item_schema, root, path + (key, i)) for i, g in enumerate(grandchildren)]
            return
        out[key] = self.element(child, sub, root, path + (key,))


def _cases(conv: _Converter, el: Any, schema: Mapping[str, Any] | None, root: Mapping[str, Any]) -> list[Any]:
    """``<tests><case expect="pass"><input>...</input></case>...</tests>`` to the list of case mappings."""
    conv.source.values[("tests",)] = (el.sourceline, None)
    if el.attrib or (el.text or "").strip():
        conv.issue(el, ("tests",), "<tests> takes no attributes or text, only <case> elements")
    item = _items(schema, root)
    cases = []
    for i, case in enumerate(c for c in el if isinstance(c.tag, str)):
        if case.tag != "case":
            conv.issue(case, ("tests", i), f"<{case.tag}> inside <tests>; each test is a <case> element")
            continue
        cases.append(conv.element(case, item, root, ("tests", len(cases))))
    return cases


def _stray_text(conv: _Converter, root_el: Any) -> None:
    """Text at the root or after an element is an error, as a stray value in YAML is."""
    if (root_el.text or "").strip():
        conv.issue(root_el, (), "unexpected text inside <rail>; it holds elements only")
    for el in root_el.iterdescendants():
        if isinstance(el.tag, str) and (el.tail or "").strip():
            parent = el.getparent()
            conv.issues.append(SpecIssue(f"unexpected text after <{el.tag}> inside <{parent.tag}>",
                                         "$", conv.source.file, el.sourceline, None))


def parse_rail(text: str | bytes, file: str | None, envelope: Mapping[str, Any],
               validator_schema: SchemaLookup) -> tuple[Any, SourceMap, list[SpecIssue]]:
    """Parse a RAIL document into (data, source map, issues)."""
    from lxml import etree

    source = SourceMap(file, syntax="rail")
    try:
        raw = text.encode("utf-8") if isinstance(text, str) else text
    except UnicodeEncodeError as exc:  # a lone surrogate, from Python text
        line = text.count("\n", 0, exc.start) + 1
        return None, source, [SpecIssue(f"character U+{ord(text[exc.start]):04X} (a lone surrogate) is not "
                                        "allowed in a spec", "$", file, line, None)]
    match = _DOCTYPE.search(raw)
    if match:
        line = raw.count(b"\n", 0, match.start()) + 1
        return None, source, [SpecIssue(
            "DOCTYPE declarations are not allowed in railguard specs: DTDs and entities are never loaded "
            "or expanded; remove the <!DOCTYPE ...> block", "$", file, line, None)]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root_el = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line, col = (exc.position if exc.position else (None, None))
        return None, source, [SpecIssue(f"not well-formed XML: {exc.msg}", "$", file, line or None,
                                        (col + 1) if isinstance(col, int) else None)]
    conv = _Converter(source)
    source.values[()] = (root_el.sourceline, None)
    count = 0
    for el in root_el.iter():
        count += 1 + len(el.attrib)
        if count > MAX_NODES:
            return None, source, [SpecIssue(f"the spec has more than {MAX_NODES} elements and attributes; the limit "
                                            "keeps loading fast and small", "$", file, el.sourceline, None)]
    if root_el.tag != "rail":
        conv.issue(root_el, (), f"the root element is <{root_el.tag}>; a railguard spec's root is <rail>")
        return None, source, conv.issues
    data: dict[str, Any] = {}
    props = envelope["properties"]
    given: dict[str, str] = {}
    _stray_text(conv, root_el)
    for raw_name, value in root_el.attrib.items():
        key = conv.attribute(root_el, raw_name, (), envelope, envelope, given)
        if key is None:
            continue
        key = "railguard" if key == "version" else key
        source.values[(key,)] = (root_el.sourceline, None)
        source.keys[(key,)] = (root_el.sourceline, None)
        data[key] = coerce(value, props.get(key), envelope)
    if isinstance(data.get("railguard"), str) and data["railguard"].startswith("0."):
        conv.issue(root_el, ("railguard",), f"version {data['railguard']!r} is the Guardrails AI RAIL dialect; "
                   "railguard specs use <rail version=\"1\" name=\"...\">")
    for child in (c for c in root_el if isinstance(c.tag, str)):
        key = _key(child.tag)
        source.keys[(key,)] = (child.sourceline, None)
        if key in data:
            conv.issue(child, (key,), f"<{child.tag}> is given twice (or also as an attribute)")
            continue
        if key in ("input", "output"):
            source.values[(key,)] = (child.sourceline, None)
            count = sum(1 for c in child if isinstance(c.tag, str))
            if count > MAX_ENTRIES:  # not converted: the checker refuses the stage by its length alone
                data[key] = [None] * count
                continue
            entries = []
            for i, vel in enumerate(c for c in child if isinstance(c.tag, str)):
                name = _key(vel.tag)
                epath = (key, i)
                source.values[epath] = (vel.sourceline, None)
                source.keys[epath + (name,)] = (vel.sourceline, None)
                schema = validator_schema(name)
                if schema is None:
                    # An unknown validator (a typo such as <denied-topic>): the checker reports its name
                    # once; its attributes and children are not read against a schema it does not have.
                    entries.append({name: {}})
                    continue
                if "_" in vel.tag:
                    conv.issue(vel, epath + (name,), f"<{vel.tag}>: RAIL spells it <{vel.tag.replace('_', '-')}> "
                               "(hyphens, not underscores)")
                params = conv.element(vel, schema, schema, epath + (name,))
                entries.append({name: params if params not in ("", None) else {}})
            if (child.text or "").strip():
                conv.issue(child, (key,), f"unexpected text inside <{child.tag}>; it holds validator elements")
            data[key] = entries
        elif key == "tests":
            data[key] = _cases(conv, child, props.get(key), envelope)
        else:
            data[key] = conv.element(child, props.get(key), envelope, (key,))
    return data, source, conv.issues
