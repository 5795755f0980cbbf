"""YAML to plain Python values that remember their line numbers.

PyYAML's own constructor forgets where a value came from, and resolves `19:00` to the
sexagesimal integer 1140 (YAML 1.1). We compose the node graph (with the C parser when it is
installed) and build the values ourselves: mappings and lists carry the line of each entry,
times and dates stay strings for the schema to parse, and a duplicate key is an error, not a
silent overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C parser is several times faster on large calendars
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_BOOL = {
    "yes": True, "true": True, "on": True, "y": True,
    "no": False, "false": False, "off": False, "n": False,
}  # fmt: skip


class YMap(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list[Any]):
    """A list that knows its own line and the line of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass(frozen=True, slots=True)
class YamlProblem:
    line: int | None
    path: str
    message: str


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, value = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return _BOOL.get(value.lower(), value)
    # YAML 1.1 reads 19:00 as the base-60 integer 1140: keep anything with a colon as text.
    if tag == "tag:yaml.org,2002:int" and ":" not in value:
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:float" and ":" not in value:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value  # strings, timestamps (parsed by the schema), sexagesimals


def parse_yaml(text: str) -> tuple[Any, list[YamlProblem]]:
    """Parse YAML text. Raises yaml.YAMLError on syntax errors; returns structural problems
    (duplicate keys, non-scalar keys) beside the value."""
    problems: list[YamlProblem] = []
    root = yaml.compose(text, Loader=_Loader)
    if root is None:
        return None, problems

    def build(node: yaml.Node, path: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            result = YMap(node.start_mark.line + 1)
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append(YamlProblem(key_line, path or "(top)", "keys must be plain text"))
                    continue
                key = str(_scalar(key_node))
                child = f"{path}.{key}" if path else key
                if key in result:
                    problems.append(YamlProblem(key_line, child, f"duplicate key {key!r}"))
                    continue
                result[key] = build(value_node, child)
                result.key_lines[key] = key_line
            return result
        if isinstance(node, yaml.SequenceNode):
            seq = YList(node.start_mark.line + 1)
            for index, item in enumerate(node.value):
                seq.append(build(item, f"{path}[{index}]"))
                seq.item_lines.append(item.start_mark.line + 1)
            return seq
        assert isinstance(node, yaml.ScalarNode)
        return _scalar(node)

    return build(root, ""), problems
