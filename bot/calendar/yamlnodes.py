"""YAML to plain Python values that remember their line numbers.

PyYAML's own constructor forgets where a value came from, and resolves `19:00` to the
sexagesimal integer 1140 (YAML 1.1). We read the parser's events (from the C parser when it
is installed) and build the values ourselves: mappings and lists carry the line of each entry,
times and dates stay strings for the schema to parse, and a duplicate key is an error, not a
silent overwrite. A plain scalar that YAML 1.1 reads as another type (`on`, `no`, `1.10`) also
keeps its source text, so that a text field shows what was written (`text_of`), and a key is
always its source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

    __slots__ = ("key_lines", "line", "source")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.source: dict[str, str] | None = None  # the text of values YAML 1.1 made non-text

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def text_of(self, key: str) -> Any:
        """The value, or for a plain scalar such as `on` or `1.10`, the text as written."""
        source = self.source
        if source is not None and key in source:
            return source[key]
        return self.get(key)


class YList(list[Any]):
    """A list that knows its own line and the line of each item."""

    __slots__ = ("item_lines", "line", "source")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []
        self.source: dict[int, str] | None = None  # the text of items YAML 1.1 made non-text

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line

    def text_of(self, index: int) -> Any:
        """The item, or for a plain scalar such as `on` or `1.10`, the text as written."""
        source = self.source
        if source is not None and index in source:
            return source[index]
        return self[index]


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
    """A mapping or list being filled while the parser's events stream by. Its path (for the
    rare problem report) is worked out from its parent only when needed."""

    __slots__ = ("container", "is_list", "key", "key_line", "parent", "slot")

    def __init__(self, container: YMap | YList, parent: _Frame | None, slot: str | int | None) -> None:
        self.container = container
        self.is_list = isinstance(container, YList)
        self.parent = parent
        self.slot = slot  # the key or index this container sits at in its parent; "?" for a key
        self.key: str | None = None  # in a mapping: the key waiting for its value
        self.key_line = 0

    @property
    def path(self) -> str:
        parent, slot = self.parent, self.slot
        if parent is None:
            return ""
        base = parent.path
        if isinstance(slot, int):
            return f"{base}[{slot}]"
        if slot is _KEY:
            return f"{base}.?"
        return f"{base}.{slot}" if base else str(slot)


_SKIP = "\x00skip"  # the key of a value to drop (after a duplicate or non-text key)
_KEY = "\x00key"  # the slot of a container written as a mapping key
# First characters of the plain scalars YAML 1.1 may read as null, bool, int or float.
_MAYBE_NOT_TEXT = frozenset("~nNyYtTfFoO-+0123456789.")


def parse_yaml(text: str) -> tuple[Any, list[YamlProblem]]:
    """Parse YAML text. Raises yaml.YAMLError on syntax errors; returns structural problems
    (duplicate keys, non-scalar keys) beside the value.

    Values are built straight from the parser's event stream: no node graph in between, and
    no path strings unless a problem needs one.
    """
    loader = _Loader(text)
    try:
        return _build(loader.get_event)
    finally:
        loader.dispose()


def _resolve(event: Any) -> tuple[Any, str | None]:
    """A scalar's value, and its source text when YAML 1.1 read it as bool, int or float."""
    raw = event.value
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return raw, None  # quoted: text
        if raw and raw[0] not in _MAYBE_NOT_TEXT:
            return raw, None  # the common case: plain text
    value = _scalar(event)
    return value, (None if value is None or value.__class__ is str else raw)


def _build(get_event: Callable[[], Any]) -> tuple[Any, list[YamlProblem]]:
    # Events are Any: the C and pure-Python parsers have different Mark classes in the stubs.
    # One loop with the common cases (scalars) inline: this runs once per scalar of a large calendar.
    problems: list[YamlProblem] = []
    anchors: dict[str, Any] = {}
    stack: list[_Frame] = []
    frame: _Frame | None = None
    root: Any = None
    first_document: Any = None  # a yaml.Mark (the C parser has its own Mark class)
    scalar_event, alias_event, stream_end = yaml.ScalarEvent, yaml.AliasEvent, yaml.StreamEndEvent
    map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent

    while True:
        event = get_event()
        kind = event.__class__
        if kind is scalar_event or kind is alias_event:
            line = event.start_mark.line + 1
            if kind is scalar_event:
                value, text = _resolve(event)
                if event.anchor:
                    anchors[event.anchor] = value
            else:
                value, text = _alias(event, anchors), None
            if frame is None:
                root = value
                continue
            container = frame.container
            if frame.is_list:
                container.append(value)  # type: ignore[union-attr]
                container.item_lines.append(line)  # type: ignore[union-attr]
                if text is not None:
                    _keep_source(container, len(container) - 1, text)
                continue
            key = frame.key
            if key is None:  # this scalar is a key
                _take_key(frame, value, text, line, problems)
                continue
            frame.key = None
            if key is _SKIP:
                continue
            if key in container:
                problems.append(YamlProblem(frame.key_line, _child_path(frame, key), f"duplicate key {key!r}"))
                continue
            container[key] = value  # type: ignore[call-overload]
            container.key_lines[key] = frame.key_line  # type: ignore[union-attr]
            if text is not None:
                _keep_source(container, key, text)
        elif kind is map_start or kind is seq_start:
            frame = _open(event, kind is map_start, frame, anchors, problems)
            if not stack:
                root = frame.container
            stack.append(frame)
        elif kind is map_end or kind is seq_end:
            stack.pop()
            frame = stack[-1] if stack else None
        elif kind is yaml.DocumentStartEvent:
            first_document = _document_start(event, first_document)
        elif kind is stream_end:
            return root, problems


def _alias(event: Any, anchors: dict[str, Any]) -> Any:
    """The value an alias (`*name`) stands for."""
    if event.anchor not in anchors:
        raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
    return anchors[event.anchor]


def _take_key(frame: _Frame, value: Any, text: str | None, line: int, problems: list[YamlProblem]) -> None:
    """A scalar (or an alias) read where a mapping expects its next key."""
    if isinstance(value, (YMap, YList)):  # an alias of a container
        problems.append(YamlProblem(line, frame.path or "(top)", "keys must be plain text"))
        frame.key = _SKIP
    else:
        frame.key = value if value.__class__ is str else (str(value) if text is None else text)
        frame.key_line = line


def _open(
    event: Any, is_map: bool, frame: _Frame | None, anchors: dict[str, Any], problems: list[YamlProblem]
) -> _Frame:
    """A mapping or list starts: make it, anchor it, and place it in its parent; return its frame."""
    line = event.start_mark.line + 1
    new: YMap | YList = YMap(line) if is_map else YList(line)
    if event.anchor:
        anchors[event.anchor] = new
    return _place_container(new, frame, line, problems)


def _document_start(event: Any, first_document: Any) -> Any:
    """The mark of the first document; a second document is an error (a calendar is one document)."""
    if first_document is None:
        return event.start_mark
    raise yaml.composer.ComposerError(
        "expected a single document in the stream", first_document, "but found another document", event.start_mark
    )


def _keep_source(container: YMap | YList, slot: Any, text: str) -> None:
    if container.source is None:
        container.source = {}
    container.source[slot] = text


def _child_path(frame: _Frame, key: str) -> str:
    base = frame.path
    return f"{base}.{key}" if base else key


def _place_container(new: YMap | YList, frame: _Frame | None, line: int, problems: list[YamlProblem]) -> _Frame:
    """Put a new mapping or list where the parser is; return its frame."""
    if frame is None:
        return _Frame(new, None, None)
    container = frame.container
    if frame.is_list:
        container.append(new)  # type: ignore[union-attr]
        container.item_lines.append(line)  # type: ignore[union-attr]
        return _Frame(new, frame, len(container) - 1)
    key = frame.key
    if key is None:  # a mapping or list used as a key
        problems.append(YamlProblem(line, frame.path or "(top)", "keys must be plain text"))
        frame.key = _SKIP
        return _Frame(new, frame, _KEY)
    frame.key = None
    if key is not _SKIP:
        if key in container:
            problems.append(YamlProblem(frame.key_line, _child_path(frame, key), f"duplicate key {key!r}"))
        else:
            container[key] = new  # type: ignore[call-overload]
            container.key_lines[key] = frame.key_line  # type: ignore[union-attr]
    return _Frame(new, frame, key)
