"""YAML to plain Python values that remember their line numbers.

PyYAML's own constructor forgets where a value came from, and resolves `19:00` to the
sexagesimal integer 1140 (YAML 1.1). We read the parser's events (from the C parser when it
is installed) and build the values ourselves: mappings and lists carry the line of each entry,
times and dates stay strings for the schema to parse, and a duplicate key is an error, not a
silent overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
import yaml.composer

try:  # the C parser is several times faster on large calendars
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# YAML 1.1 booleans, as PyYAML resolves them.
_BOOL = {
    w: value
    for words, value in (("yes true on", True), ("no false off", False))
    for word in words.split()
    for w in (word, word.capitalize(), word.upper())
}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?")
_TAG = "tag:yaml.org,2002:"


class YMap(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list[Any]):
    """A list that knows its own line and the line of each item."""

    __slots__ = ("item_lines", "line")

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


def _plain(value: str) -> Any:
    """Resolve a plain (unquoted, untagged) scalar. Times, dates and YAML 1.1's base-60
    numbers (19:00) stay text: the schema parses them with its own, clearer errors."""
    if value in _NULL:
        return None
    flag = _BOOL.get(value)
    if flag is not None:
        return flag
    if value[0] in "-+0123456789.":
        if _INT.fullmatch(value):
            return int(value.replace("_", ""), 0)
        if _FLOAT.fullmatch(value) and any(c.isdigit() for c in value):
            return float(value.replace("_", ""))
    return value


def _scalar(event: Any) -> Any:
    tag, value = event.tag, event.value
    if tag is None or tag == "!":
        return _plain(value) if event.implicit[0] else value
    # An explicit tag: honour the core types, keep anything else as its text.
    if tag in (_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"):
        resolved = _plain(value)
        return value if isinstance(resolved, str) else resolved
    return value


class _Frame:
    """A mapping or list being filled while the parser's events stream by."""

    __slots__ = ("container", "key", "key_line", "path")

    def __init__(self, container: YMap | YList, path: str) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None  # in a mapping: the key waiting for its value
        self.key_line = 0


_SKIP = "\x00skip"  # the key of a value to drop (after a duplicate or non-text key)


def parse_yaml(text: str) -> tuple[Any, list[YamlProblem]]:
    """Parse YAML text. Raises yaml.YAMLError on syntax errors; returns structural problems
    (duplicate keys, non-scalar keys) beside the value.

    Values are built straight from the parser's event stream: no node graph in between.
    """
    return _build(yaml.parse(text, Loader=_Loader))


def _build(events: Iterator[Any]) -> tuple[Any, list[YamlProblem]]:
    # Events are Any: the C and pure-Python parsers have different Mark classes in the stubs.
    problems: list[YamlProblem] = []
    anchors: dict[str, Any] = {}
    stack: list[_Frame] = []
    root: Any = None
    documents = 0
    first_document: Any = None  # a yaml.Mark (the C parser has its own Mark class)

    def place(value: Any, line: int) -> str | None:
        """Put a value where the parser is; return its path if it is a container's."""
        nonlocal root
        if not stack:
            root = value
            return ""
        frame = stack[-1]
        container = frame.container
        if isinstance(container, YList):
            container.append(value)
            container.item_lines.append(line)
            return f"{frame.path}[{len(container) - 1}]"
        key = frame.key
        if key is None:  # this value is a key
            if isinstance(value, (YMap, YList)):
                problems.append(YamlProblem(line, frame.path or "(top)", "keys must be plain text"))
                frame.key = _SKIP
                return f"{frame.path}.?"
            frame.key, frame.key_line = str(value), line
            return None
        frame.key = None
        path = f"{frame.path}.{key}" if frame.path else key
        if key == _SKIP:
            return path
        if key in container:
            problems.append(YamlProblem(frame.key_line, path, f"duplicate key {key!r}"))
            return path
        container[key] = value
        container.key_lines[key] = frame.key_line
        return path

    for event in events:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = _scalar(event)
            if event.anchor:
                anchors[event.anchor] = value
            place(value, event.start_mark.line + 1)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            line = event.start_mark.line + 1
            container: YMap | YList = YMap(line) if kind is yaml.MappingStartEvent else YList(line)
            if event.anchor:
                anchors[event.anchor] = container
            stack.append(_Frame(container, place(container, line) or ""))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.AliasEvent:
            anchor = event.anchor
            if anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {anchor!r}", event.start_mark)
            place(anchors[anchor], event.start_mark.line + 1)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents == 1:
                first_document = event.start_mark
            else:
                raise yaml.composer.ComposerError(
                    "expected a single document in the stream", first_document,
                    "but found another document", event.start_mark,
                )  # fmt: skip
    return root, problems
