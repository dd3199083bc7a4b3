"""YAML specs to a plain dict plus a source map.

Loaded with PyYAML's safe loader at the node level, so that every value keeps its
line and column. Python tags are refused, duplicate keys are errors, and alias
expansion is bounded (no billion-laughs through anchors).
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import SpecError, SpecIssue
from .source import SourceMap, render_path

MAX_NODES = 200_000

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, source: SourceMap):
        self.loader = loader
        self.source = source
        self.issues: list[SpecIssue] = []
        self.count = 0

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def issue(self, node: yaml.Node, path: tuple, message: str) -> None:
        line, col = self.pos(node)
        self.issues.append(SpecIssue(message, render_path(path), self.source.file, line, col))

    def walk(self, node: yaml.Node, path: tuple) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError([SpecIssue(f"spec has more than {MAX_NODES} values (alias expansion?)",
                                       render_path(path), self.source.file, *self.pos(node))])
        self.source.values.setdefault(path, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self.issue(node, path, f"tag {node.tag!r} is not allowed in specs")
                return None
            self.loader.flatten_mapping(node)
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.issue(key_node, path, "mapping keys must be plain strings")
                    continue
                key = self.scalar(key_node, path)
                if not isinstance(key, str):
                    key = str(key) if isinstance(key, (int, float, bool)) or key is None else key
                    if not isinstance(key, str):
                        self.issue(key_node, path, "mapping keys must be plain strings")
                        continue
                child = path + (key,)
                if key in out:
                    self.issue(key_node, child, f"key {key!r} is given twice (the second would silently win)")
                    continue
                self.source.keys[child] = self.pos(key_node)
                out[key] = self.walk(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.issue(node, path, f"tag {node.tag!r} is not allowed in specs")
                return None
            return [self.walk(child, path + (i,)) for i, child in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: tuple) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.issue(node, path, f"tag {node.tag!r} is not allowed in specs (specs never execute code)"
                       if "tag" in str(exc.problem) else str(exc.problem))
            return None


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, SourceMap, list[SpecIssue]]:
    """The plain data, where each value is, and the structural issues found (duplicate keys, tags)."""
    source = SourceMap(file)
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            col = mark.column + 1 if mark else None
            what = " ".join(p for p in (exc.context, exc.problem) if p)
            raise SpecError([SpecIssue(f"not valid YAML: {what}", "$", file, line, col)]) from None
        except yaml.YAMLError as exc:
            raise SpecError([SpecIssue(f"not valid YAML: {exc}", "$", file)]) from None
        if node is None:
            raise SpecError([SpecIssue("the spec is empty", "$", file, 1, 1)])
        walker = _Walker(loader, source)
        data = walker.walk(node, ())
    finally:
        loader.dispose()
    return data, source, walker.issues
