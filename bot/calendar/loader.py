"""events.yaml -> CalendarData, validated; every error carries file, line and field.

All problems in a file are collected and reported together, so an organiser fixes a pull
request in one round. The schema is documented in the README ("events.yaml"). The reading is
split by part: fields.py (errors and single fields), read_community.py, read_events.py and
clock.py (local times and small parsers); this module puts them together and keeps the cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.calendar import cache as calendar_cache
from bot.calendar.fields import CalendarError, LoadError, person_slug, slugify
from bot.calendar.gc_pause import paused_gc
from bot.calendar.model import CalendarData
from bot.calendar.read_community import CommunityReader
from bot.calendar.read_events import EventReader
from bot.calendar.wall_clock import (
    after_midnight,
    check_exists,
    guess_slot_kind,
    on_day,
    parse_clock,
    parse_clock_range,
    parse_duration,
    parse_slot_kind,
    parse_weekday,
    slot_span,
)
from bot.calendar.yamlnodes import parse_yaml

# Names other modules import from here; the functions themselves live in the modules above.
__all__ = [
    "CalendarError",
    "LoadError",
    "after_midnight",
    "check_exists",
    "guess_slot_kind",
    "load_calendar_data",
    "on_day",
    "parse_calendar",
    "parse_clock",
    "parse_clock_range",
    "parse_duration",
    "parse_slot_kind",
    "parse_weekday",
    "person_slug",
    "read_calendar",
    "slot_span",
    "slugify",
]

TOP_KEYS = {"community", "speakers", "venues", "events"}


class _Reader(CommunityReader, EventReader):
    """Reads one file's parsed YAML into model objects, collecting errors as it goes."""


# ---- entry points ------------------------------------------------------------------------


def parse_calendar(text: str, filename: str = "events.yaml") -> CalendarData:
    """Parse and validate a calendar; raises CalendarError listing every problem."""
    with paused_gc():  # roughly halves the load time of a large calendar
        return _parse_calendar(text, filename)


def _parse_calendar(text: str, filename: str) -> CalendarData:
    reader = _Reader(filename)
    try:
        root, problems = parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise CalendarError([LoadError(filename, line, "(yaml)", f"syntax error: {exc.problem or exc}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a NUL, a control code)
        line = _reader_line(text, exc)
        raise CalendarError([LoadError(filename, line, "(yaml)", f"syntax error: {_reader_problem(exc)}")]) from None
    except yaml.YAMLError as exc:
        raise CalendarError([LoadError(filename, None, "(yaml)", f"syntax error: {exc}")]) from None
    for p in problems:
        reader.error(p.line, p.path, p.message)
    top = reader.mapping(root, "(top)", 1, TOP_KEYS, ("community",))
    if top is None:
        raise CalendarError(reader.errors)
    community = reader.community(top.get("community")) if "community" in top else None
    speakers = reader.speakers(top.get("speakers"), top.line_of("speakers"))
    venues = reader.venues(top.get("venues"), top.line_of("venues"))
    events = reader.events(top.get("events"), top.line_of("events"), speakers, venues)
    if reader.errors or community is None:
        raise CalendarError(sorted(reader.errors, key=lambda e: e.line or 0))
    return CalendarData(
        community=community,
        speakers=tuple(speakers.values()),
        venues=tuple(venues.values()),
        events=tuple(sorted(events, key=lambda e: (e.start, e.id))),
        source=filename,
    )


def _reader_line(text: str, exc: yaml.reader.ReaderError) -> int:
    # The C reader gives the UTF-8 byte offset and the character as a number; the Python reader
    # the character offset and the character itself.
    if isinstance(exc.character, str):
        return text.count("\n", 0, exc.position) + 1
    return text.encode()[: exc.position].count(b"\n") + 1


def _reader_problem(exc: yaml.reader.ReaderError) -> str:
    """PyYAML's two-line text ("... in "<unicode string>", position 1") as one clause."""
    code = ord(exc.character) if isinstance(exc.character, str) else exc.character
    return f"the character U+{code:04X} is not allowed in YAML ({exc.reason})"


def load_calendar_data(path: str | Path, *, cache: bool = True) -> CalendarData:
    """Load and validate a calendar file; raises CalendarError listing every problem.

    An unchanged file that was valid before comes from the calendar cache (see
    `bot.calendar.cache`), which makes restarts with large calendars fast.
    """
    data, write_cache = read_calendar(path, cache=cache)
    if write_cache is not None:
        write_cache()
    return data


def read_calendar(path: str | Path, *, cache: bool = True) -> tuple[CalendarData, Callable[[], None] | None]:
    """`load_calendar_data` that leaves writing the cache to the caller: the second item, when
    not None, writes the entry for a file parsed now. The bot calls it once it is answering, so
    that pickling a large calendar is off the path to the first answer."""
    path = Path(path)
    try:
        content = path.read_bytes()
        text = content.decode("utf-8")
    except OSError as exc:
        raise CalendarError([LoadError(str(path), None, "(file)", f"cannot read it: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        problem = f"not UTF-8 text (byte 0x{content[exc.start]:02x})"
        raise CalendarError([LoadError(str(path), line, "(file)", problem)]) from None
    directory = calendar_cache.cache_dir() if cache else None
    if directory is None:
        return parse_calendar(text, str(path)), None
    key = calendar_cache.cache_key(path, content)
    cached = calendar_cache.get(directory, key)
    if cached is not None:
        return cached, None
    data = parse_calendar(text, str(path))
    return data, functools.partial(calendar_cache.put, directory, key, data)
