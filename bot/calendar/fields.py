"""The building blocks of reading events.yaml: the error types, and a reader of single fields
(text, URL, flag, lists, links, parsed values) that records each problem with its file, line and
field path instead of stopping at the first. The sections are read in read_community.py and
read_events.py; loader.py puts them together.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.calendar.model import Link, ReminderRule
from bot.calendar.wall_clock import parse_clock, parse_duration
from bot.calendar.yamlnodes import YList, YMap

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoadError:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class CalendarError(Exception):
    """The file could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: Iterable[LoadError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


REMINDER_KEYS = {"day_before", "before"}
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


class FieldReader:
    """Reads fields of one file's parsed YAML, collecting errors as it goes."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[LoadError] = []
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def error(self, line: int | None, path: str, message: str) -> None:
        self.errors.append(LoadError(self.filename, line, path, message))

    # -- structural checks --

    def mapping(self, value: Any, path: str, line: int, keys: set[str], required: Iterable[str] = ()) -> YMap | None:
        if not isinstance(value, YMap):
            self.error(line, path, f"expected a mapping of fields, got {kind_of(value)}")
            return None
        for key in value:
            if key not in keys:
                hint = difflib.get_close_matches(key, sorted(keys), n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(sorted(keys))})"
                self.error(value.line_of(key), f"{path}.{key}", f"unknown key {shown(key)}{more}")
        for key in required:
            if value.get(key) in (None, ""):
                self.error(value.line, f"{path}.{key}", "required field is missing")
        return value

    def seq(self, value: Any, path: str, line: int) -> YList:
        if value is None:
            return YList(line)
        if isinstance(value, YList):
            return value
        if isinstance(value, (str, int)):  # a single item written without a list
            single = YList(line)
            single.append(value)
            single.item_lines.append(line)
            return single
        self.error(line, path, f"expected a list, got {kind_of(value)}")
        return YList(line)

    def text(self, m: YMap, key: str, path: str) -> str | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, (YMap, YList)):
            self.error(m.line_of(key), f"{path}.{key}", f"expected text, got {kind_of(value)}")
            return None
        if value.__class__ is not str:  # `title: on` is the text "on", not YAML 1.1's True
            value = m.text_of(key)
        result = str(value).strip()
        return result or None

    def url(self, m: YMap, key: str, path: str) -> str | None:
        value = self.text(m, key, path)
        if value is not None and not value.startswith(("http://", "https://")):
            self.error(m.line_of(key), f"{path}.{key}", f"expected an http(s) URL, got {shown(value)}")
            return None
        return value

    def flag(self, m: YMap, key: str, path: str) -> bool | None:
        value = m.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.error(m.line_of(key), f"{path}.{key}", f"expected true or false, got {shown(value)}")
        return None

    def texts(self, m: YMap, key: str, path: str) -> tuple[str, ...]:
        value = m.get(key)
        if isinstance(value, int):  # a single item, `tags: no`: its text as written
            value = m.text_of(key)
        items = self.seq(value, f"{path}.{key}", m.line_of(key))
        out: list[str] = []
        for i, item in enumerate(items):
            if isinstance(item, (YMap, YList)) or item is None:
                self.error(items.line_of(i), f"{path}.{key}[{i}]", f"expected text, got {kind_of(item)}")
            else:
                out.append(str(item if item.__class__ is str else items.text_of(i)).strip())
        return tuple(out)

    def links(self, m: YMap, key: str, path: str) -> tuple[Link, ...]:
        value = m.get(key)
        if value is None:
            return ()
        links = self.mapping(value, f"{path}.{key}", m.line_of(key), set(value) if isinstance(value, YMap) else set())
        if links is None:
            return ()
        return tuple(Link(label, url) for label in links if (url := self.url(links, label, f"{path}.{key}")))

    def parsed(self, m: YMap, key: str, path: str, parse: Callable[[str], T], what: str) -> T | None:
        raw = self.text(m, key, path)
        if raw is None:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            # An enum class's own message ("'x' is not a valid EventStatus") names Python, not the file.
            detail = f": {exc}" if str(exc) and not isinstance(parse, type) else ""
            self.error(m.line_of(key), f"{path}.{key}", f"expected {what}, got {shown(raw)}{detail}")
            return None

    def entries(
        self, m: YMap, key: str, path: str, keys: set[str], required: Iterable[str] = ()
    ) -> Iterator[tuple[str, YMap]]:
        """Each item of the list `key` that is a mapping of `keys` (others are reported), with its
        path. Lazily: the caller's checks of one item come before the next item's."""
        if m.get(key) is None:
            return
        items = self.seq(m[key], f"{path}.{key}", m.line_of(key))
        for i, item in enumerate(items):
            ipath = f"{path}.{key}[{i}]"
            entry = self.mapping(item, ipath, items.line_of(i), keys, required)
            if entry is not None:
                yield ipath, entry

    def reminders(self, parent: YMap, path: str) -> tuple[ReminderRule, ...]:
        rules: list[ReminderRule] = []
        for ipath, m in self.entries(parent, "reminders", path, REMINDER_KEYS):
            if len(m) != 1:
                self.error(m.line, ipath, 'write exactly one of day_before: "10:00" or before: 2h')
                continue
            if "day_before" in m:
                at = self.parsed(m, "day_before", ipath, parse_clock, "a time such as 10:00")
                if at is not None:
                    rules.append(ReminderRule(day_before=at))
            elif "before" in m:
                ahead = self.parsed(m, "before", ipath, parse_duration, "a duration such as 2h or 90m")
                if ahead is not None:
                    rules.append(ReminderRule(before=ahead))
        return tuple(rules)

    def capacity(self, m: YMap, path: str) -> int | None:
        capacity = m.get("capacity")
        if capacity is not None and (not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0):
            self.error(
                m.line_of("capacity"), f"{path}.capacity", f"expected a positive whole number, got {shown(capacity)}"
            )
            capacity = None
        return capacity


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def person_slug(name: str) -> str:
    """A speaker's id from their name: its Latin letters and digits (`slugify`); a name with none
    (דנה לוי) gets `speaker-` and a digest of the name, the same at every import and different
    for every name: two such people never share one id (they all slugified to "unnamed")."""
    slug = slugify(name)
    if slug != "unnamed":
        return slug
    digest = hashlib.sha256(" ".join(unicodedata.normalize("NFC", name).casefold().split()).encode()).hexdigest()
    return f"speaker-{digest[:8]}"


def or_default(value: T | None, default: T) -> T:
    return default if value is None else value


def kind_of(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    if value is None:
        return "nothing"
    return f"{shown(value)}"


MAX_SHOWN = 80  # characters of a bad value quoted in an error: a 50 MB value is not 50 MB of errors


def shown(value: Any) -> str:
    """A value as an error quotes it, cut after MAX_SHOWN characters."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return f"{value[:MAX_SHOWN]!r}… ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN + 2 else f"{text[:MAX_SHOWN]}…"


def suggest(word: str, known: dict[str, Any]) -> str:
    """The id meant: the one whose id or name starts with the reference ("liran", "Liran Ben Haim"
    for liran-ben-haim) when only one does, else the closest spelling."""
    slug = slugify(word) if any(c.isalnum() for c in word) else ""
    starts = [k for k, v in known.items() if slug and slug in (k[: len(slug)], slugify(v.name)[: len(slug)])]
    hint = starts if len(starts) == 1 else difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def item_line(m: YMap, key: str, index: int) -> int:
    value = m.get(key)
    return value.line_of(index) if isinstance(value, YList) else m.line_of(key)
