"""YAML specs to a plain dict plus a source map.

PyYAML's parser (libyaml's C parser where installed) produces events; this module composes them
into nodes itself, without recursion, so that the work is bounded while parsing: at most
``MAX_NODES`` nodes, ``MAX_DEPTH`` levels, ``MAX_SCALAR_CHARS`` characters per string, and, once
aliases and merge keys are expanded, ``MAX_NODES`` values and ``MAX_EXPANDED_CHARS`` characters
(no billion laughs). Every value keeps its line and column. Tags that would build Python objects
are refused, duplicate keys are errors, and every problem, whatever PyYAML raises for it (a
control character, ``!!int abc``, a scalar merge key...), is a :class:`SpecError` with file:line.
"""

from __future__ import annotations

import gc
import math
import re
from contextlib import contextmanager
from typing import Any

import yaml

from ..errors import SpecError, SpecIssue
from .source import SourceMap, render_path, shorten

MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_SCALAR_CHARS = 1_000_000
MAX_EXPANDED_CHARS = 10 * 1024 * 1024

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TAG_PREFIX = "tag:yaml.org,2002:"
# What YAML (and so PyYAML's reader) refuses: C0/C1 controls other than tab, LF, CR and NEL, surrogates, U+FFFE/F.
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_LOADER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


class _Stop(Exception):
    """A bound was exceeded: stop at once with this issue."""

    def __init__(self, issue: SpecIssue):
        self.issue = issue


def _short_tag(tag: str) -> str:
    short = "!!" + tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag
    return short if len(short) <= 60 else short[:60] + "..."


def _mark(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


# -- composing events into nodes, iteratively and within bounds -----------------------------------
def _compose(loader: Any, file: str | None) -> yaml.Node | None:
    def stop(message: str, mark: Any) -> _Stop:
        return _Stop(SpecIssue(message, "$", file, *_mark(mark)))

    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStart
    anchors: dict[str, yaml.Node] = {}
    stack: list[list[Any]] = []  # [collection node, is mapping, pending key node]
    root: yaml.Node | None = None
    count = 0
    while True:
        event = loader.get_event()
        node: yaml.Node | None = None
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = stack.pop()
            frame[0].end_mark = event.end_mark
            if not stack:
                break
            continue
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise stop(f"found undefined alias {shorten(event.anchor)}", event.start_mark)
            node = anchors[event.anchor]
        else:
            count += 1
            if count > MAX_NODES:
                raise stop(f"the spec has more than {MAX_NODES} values; the limit keeps loading fast and small",
                           event.start_mark)
            anchor = getattr(event, "anchor", None)
            if anchor is not None and anchor in anchors:
                raise stop(f"anchor {shorten(anchor)} is defined twice", event.start_mark)
            tag = event.tag
            if isinstance(event, yaml.ScalarEvent):
                if len(event.value) > MAX_SCALAR_CHARS:
                    raise stop(f"a string of {len(event.value)} characters; the limit is {MAX_SCALAR_CHARS}",
                               event.start_mark)
                if tag is None or tag == "!":
                    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            elif isinstance(event, yaml.SequenceStartEvent):
                if tag is None or tag == "!":
                    tag = loader.resolve(yaml.SequenceNode, None, event.implicit)
                node = yaml.SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
            elif isinstance(event, yaml.MappingStartEvent):
                if tag is None or tag == "!":
                    tag = loader.resolve(yaml.MappingNode, None, event.implicit)
                node = yaml.MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
            else:  # pragma: no cover - the parser yields no other event inside a document
                raise stop(f"unexpected YAML event {type(event).__name__}", event.start_mark)
            if anchor is not None:
                anchors[anchor] = node
        if stack:
            frame = stack[-1]
            if not frame[1]:
                frame[0].value.append(node)
            elif frame[2] is None:
                frame[2] = node
            else:
                frame[0].value.append((frame[2], node))
                frame[2] = None
        else:
            root = node
        if isinstance(node, yaml.CollectionNode) and not isinstance(event, yaml.AliasEvent):
            if len(stack) >= MAX_DEPTH:
                raise stop(f"the spec is nested more than {MAX_DEPTH} levels deep", event.start_mark)
            stack.append([node, isinstance(node, yaml.MappingNode), None])
        elif not stack:
            break
    loader.get_event()  # DocumentEnd
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        raise stop("a spec is one YAML document; found a second one ('---')", event.start_mark)
    return root


# -- nodes to plain data ----------------------------------------------------------------------------
class _Walker:
    def __init__(self, loader: Any, source: SourceMap):
        self.loader = loader
        self.source = source
        self.issues: list[SpecIssue] = []
        self.count = 0
        self.chars = 0

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def issue(self, node: yaml.Node, path: tuple, message: str) -> None:
        line, col = self.pos(node)
        self.issues.append(SpecIssue(message, render_path(path), self.source.file, line, col))

    def stop(self, node: yaml.Node, path: tuple, message: str) -> _Stop:
        return _Stop(SpecIssue(message, render_path(path), self.source.file, *self.pos(node)))

    def walk(self, node: yaml.Node, path: tuple, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.stop(node, path, f"the spec expands to more than {MAX_NODES} values (through aliases?)")
        if depth > MAX_DEPTH:
            raise self.stop(node, path, f"the spec is nested more than {MAX_DEPTH} levels deep (a recursive alias?)")
        self.source.values.setdefault(path, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self.issue(node, path, f"tag {shorten(_short_tag(node.tag))} is not allowed in specs")
                return None
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.issue(node, path, f"tag {shorten(_short_tag(node.tag))} is not allowed in specs")
                return None
            return [self.walk(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.issue(key_node, path, "mapping keys must be plain strings")
                continue
            if key_node.tag == _MERGE_TAG:
                self.merge(value_node, path, depth, merged)
                continue
            key = self.scalar(key_node, path)
            if not isinstance(key, str):
                if key is None and key_node.tag != _TAG_PREFIX + "null":
                    continue  # already reported
                key = str(key) if isinstance(key, (int, float, bool)) or key is None else key
                if not isinstance(key, str):
                    self.issue(key_node, path, "mapping keys must be plain strings")
                    continue
            child = path + (key,)
            if key in out:
                self.issue(key_node, child, f"key {shorten(key)} is given twice (the second would silently win)")
                continue
            self.source.keys[child] = self.pos(key_node)
            out[key] = self.walk(value_node, child, depth + 1)
        for key, value in merged.items():
            out.setdefault(key, value)  # keys given here win over merged ones
        return out

    def merge(self, value: yaml.Node, path: tuple, depth: int, merged: dict[str, Any]) -> None:
        """A merge key (``<<: *defaults`` or ``<<: [*a, *b]``); earlier mappings win, as in YAML 1.1."""
        if isinstance(value, yaml.SequenceNode) and value.tag == _SEQ_TAG:
            subs = list(value.value)
        else:
            subs = [value]
        for sub in subs:
            if not isinstance(sub, yaml.MappingNode):
                self.issue(sub, path, "a merge key ('<<') takes a mapping or a list of mappings (such as "
                           "'<<: *defaults'), not a single value")
                continue
            got = self.walk(sub, path, depth + 1)
            for key, item in (got or {}).items():
                merged.setdefault(key, item)

    def scalar(self, node: yaml.Node, path: tuple) -> Any:
        self.chars += len(node.value)
        if self.chars > MAX_EXPANDED_CHARS:
            raise self.stop(node, path, f"the spec expands to more than {MAX_EXPANDED_CHARS} characters (through "
                            "aliases?)")
        tag = _short_tag(node.tag)
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            if "constructor for the tag" in str(exc.problem):
                self.issue(node, path, f"tag {tag!r} is not allowed in specs (specs never execute code)")
            else:
                self.issue(node, path, f"{shorten(node.value)} cannot be read as {tag}: "
                           f"{str(exc.problem)[:80]}")
            return None
        except Exception as exc:  # PyYAML's constructors raise ValueError, KeyError, AttributeError...
            what = "too many digits" if "digits" in str(exc) else "not a valid value of that type"
            self.issue(node, path, f"{shorten(node.value)} cannot be read as {tag} ({what})")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.issue(node, path, f"{shorten(node.value)} is not a finite number; NaN and infinities are not "
                       "allowed in specs")
            return None
        if value is not None and not isinstance(value, (str, int, float, bool)):
            self.issue(node, path, f"{shorten(node.value)} reads as {tag} ({type(value).__name__}), which specs do "
                       "not take; quote it to make it a string")
            return None
        return value


@contextmanager
def _collector_paused() -> Any:
    """Pause the cyclic garbage collector while building a bounded tree of fresh objects: its
    generational passes over the growing tree made a 1 MB spec take seconds instead of 0.3 s."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- the entry point --------------------------------------------------------------------------------
def _parse_error(exc: yaml.YAMLError, text: str, file: str | None) -> SpecIssue:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark)
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        return SpecIssue(f"not valid YAML: {what[:200]}{_hint(exc, text, line)}", "$", file, line, col)
    return SpecIssue(f"not valid YAML: {str(exc)[:200]}", "$", file)


def _hint(exc: yaml.MarkedYAMLError, text: str, line: int | None) -> str:
    """Plain words for PyYAML's indentation jargon (whose mark is often a line after the mistake)."""
    problem = f"{exc.context or ''} {exc.problem or ''}"
    if "mapping values are not allowed" in problem:
        return (". Hint: a 'key: value' where YAML did not expect one; check the indentation of this line against "
                "the line above, or quote a value that contains ': '")
    if ("expected <block end>" in problem or "did not find expected key" in problem
            or "did not find expected '-' indicator" in problem):
        near = f" near line {line - 1} or {line}" if line and line > 1 else ""
        return (f". Hint: the indentation is inconsistent{near}: keys of one mapping, and the '- ' items of "
                "one list, must start in the same column (use spaces, not tabs)")
    if "found character '\\t'" in problem or "found a tab character" in problem:
        return ". Hint: YAML indents with spaces; replace the tab characters"
    if "could not find expected ':'" in problem:
        return ". Hint: a key without ':', or a quoted string that does not end on this line"
    return ""


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, SourceMap, list[SpecIssue]]:
    """The plain data, where each value is, and the structural issues found (duplicate keys, tags)."""
    source = SourceMap(file)
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        before = text[:bad.start()]
        line, col = before.count("\n") + 1, bad.start() - (before.rfind("\n") + 1) + 1
        code = ord(bad.group())
        name = "NUL" if code == 0 else "a control character" if code < 0x20 or 0x7F <= code < 0xA0 else \
            "a surrogate" if 0xD800 <= code < 0xE000 else "a non-character"
        raise SpecError([SpecIssue(f"character U+{code:04X} ({name}) is not allowed in a YAML spec; remove it",
                                   "$", file, line, col)])
    loader = _LOADER(text)
    try:
        with _collector_paused():
            return _load(loader, text, file, source)
    finally:
        loader.dispose()


def _load(loader: Any, text: str, file: str | None, source: SourceMap) -> tuple[Any, SourceMap, list[SpecIssue]]:
    try:
        node = _compose(loader, file)
    except _Stop as exc:
        raise SpecError([exc.issue]) from None
    except yaml.YAMLError as exc:
        raise SpecError([_parse_error(exc, text, file)]) from None
    if node is None:
        raise SpecError([SpecIssue("the spec is empty", "$", file, 1, 1)])
    walker = _Walker(loader, source)
    try:
        data = walker.walk(node, ())
    except _Stop as exc:
        raise SpecError([exc.issue]) from None
    return data, source, walker.issues
