"""events.yaml -> CalendarData, validated; every error carries file, line and field.

All problems in a file are collected and reported together, so an organiser fixes a pull
request in one round. The schema is documented in the README ("events.yaml").
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.calendar import cache as calendar_cache
from bot.calendar.gc_pause import paused_gc
from bot.calendar.model import (
    DEFAULT_REMINDERS,
    CalendarData,
    CallForSpeakers,
    CallForVenues,
    CallPolicy,
    Community,
    Event,
    EventStatus,
    Link,
    Need,
    ReminderRule,
    ScheduleSlot,
    SlotKind,
    Speaker,
    Talk,
    Venue,
)
from bot.calendar.yamlnodes import YList, YMap, parse_yaml

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


# ---- the schema: allowed keys per section ------------------------------------------------

TOP_KEYS = {"community", "speakers", "venues", "events"}
COMMUNITY_KEYS = {
    "name", "short_name", "timezone", "language", "description", "links", "organisers",
    "announce", "call_for_speakers", "call_for_venues", "calls", "reminders", "topic_aliases",
    "organisers_chat",
}  # fmt: skip
SPEAKER_KEYS = {"name", "affiliation", "bio", "links"}
VENUE_KEYS = {"name", "address", "host", "notes", "capacity", "map"}
EVENT_KEYS = {
    "id", "title", "start", "end", "status", "venue", "host", "url", "language", "filmed",
    "description", "notes", "needs", "schedule", "talks", "reminders", "capacity",
}  # fmt: skip
SLOT_KEYS = {"time", "title", "kind"}
TALK_KEYS = {"title", "speakers", "abstract", "language", "slides", "video", "tags"}
CFS_KEYS = {"text", "topics", "how_to_submit"}
CFV_KEYS = {"text", "how_to_offer"}
CALLS_KEYS = {"horizon", "weekday", "at", "quiet_hours", "enabled"}
REMINDER_KEYS = {"day_before", "before"}

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
# Any platform: adapters are plugged in, and `meetup-bot check` warns about one that is not running.
PLATFORM_ID = re.compile(r"[a-z][a-z0-9_-]*:\S+", re.IGNORECASE)
DURATION = re.compile(r"(?:(\d+)w)?\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?")
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_LENGTH = timedelta(hours=3)  # a meetup with neither `end` nor a schedule
MAX_WRAPPED_SLOT = timedelta(hours=6)  # a slot such as 23:30-00:30 crosses midnight
MAX_WRAPPED_EVENT = timedelta(hours=16)  # "start: 2027-01-12 19:00, end: 02:00" is the next day
SLOT_KIND_WORDS = {
    "talk": SlotKind.TALK, "lecture": SlotKind.TALK, "break": SlotKind.BREAK,
    "mingling": SlotKind.MINGLING, "gathering": SlotKind.MINGLING, "q&a": SlotKind.QA,
    "qa": SlotKind.QA, "other": SlotKind.OTHER,
}  # fmt: skip


class _Reader:
    """Reads one file's parsed YAML into model objects, collecting errors as it goes."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[LoadError] = []
        self.tz: ZoneInfo = ZoneInfo("UTC")

    def error(self, line: int | None, path: str, message: str) -> None:
        self.errors.append(LoadError(self.filename, line, path, message))

    # -- structural checks --

    def mapping(self, value: Any, path: str, line: int, keys: set[str], required: Iterable[str] = ()) -> YMap | None:
        if not isinstance(value, YMap):
            self.error(line, path, f"expected a mapping of fields, got {_kind(value)}")
            return None
        for key in value:
            if key not in keys:
                hint = difflib.get_close_matches(key, sorted(keys), n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(sorted(keys))})"
                self.error(value.line_of(key), f"{path}.{key}", f"unknown key {_shown(key)}{more}")
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
        self.error(line, path, f"expected a list, got {_kind(value)}")
        return YList(line)

    def text(self, m: YMap, key: str, path: str) -> str | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, (YMap, YList)):
            self.error(m.line_of(key), f"{path}.{key}", f"expected text, got {_kind(value)}")
            return None
        if value.__class__ is not str:  # `title: on` is the text "on", not YAML 1.1's True
            value = m.text_of(key)
        result = str(value).strip()
        return result or None

    def url(self, m: YMap, key: str, path: str) -> str | None:
        value = self.text(m, key, path)
        if value is not None and not value.startswith(("http://", "https://")):
            self.error(m.line_of(key), f"{path}.{key}", f"expected an http(s) URL, got {_shown(value)}")
            return None
        return value

    def flag(self, m: YMap, key: str, path: str) -> bool | None:
        value = m.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.error(m.line_of(key), f"{path}.{key}", f"expected true or false, got {_shown(value)}")
        return None

    def texts(self, m: YMap, key: str, path: str) -> tuple[str, ...]:
        value = m.get(key)
        if isinstance(value, int):  # a single item, `tags: no`: its text as written
            value = m.text_of(key)
        items = self.seq(value, f"{path}.{key}", m.line_of(key))
        out: list[str] = []
        for i, item in enumerate(items):
            if isinstance(item, (YMap, YList)) or item is None:
                self.error(items.line_of(i), f"{path}.{key}[{i}]", f"expected text, got {_kind(item)}")
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
            self.error(m.line_of(key), f"{path}.{key}", f"expected {what}, got {_shown(raw)}{detail}")
            return None

    # -- the sections --

    def community(self, value: Any) -> Community | None:
        m = self.mapping(value, "community", 1, COMMUNITY_KEYS, ("name", "timezone"))
        if m is None:
            return None
        tz_name = self.text(m, "timezone", "community")
        if tz_name:
            try:
                self.tz = ZoneInfo(tz_name)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(
                    m.line_of("timezone"),
                    "community.timezone",
                    f"unknown timezone {_shown(tz_name)} (use an IANA name such as Asia/Jerusalem)",
                )
        organisers, announce = self.platform_ids(m, "organisers"), self.platform_ids(m, "announce")
        organisers_chat = self.text(m, "organisers_chat", "community")  # where proposals are reviewed
        if organisers_chat and not PLATFORM_ID.fullmatch(organisers_chat):
            where, got = m.line_of("organisers_chat"), repr(organisers_chat)
            self.error(
                where, "community.organisers_chat", f"expected platform:<chat id> such as telegram:-100123, got {got}"
            )
        return Community(
            name=self.text(m, "name", "community") or "",
            timezone=self.tz,
            short_name=self.text(m, "short_name", "community"),
            description=self.text(m, "description", "community"),
            language=self.text(m, "language", "community"),
            links=self.links(m, "links", "community"),
            organisers=organisers,
            announce=announce,
            organisers_chat=organisers_chat or None,
            call_for_speakers=self.call_for_speakers(m),
            call_for_venues=self.call_for_venues(m),
            calls=self.calls(m),
            reminders=self.reminders(m, "community") or DEFAULT_REMINDERS,
            topic_aliases=self.topic_aliases(m),
        )

    def platform_ids(self, m: YMap, key: str) -> tuple[str, ...]:
        """`platform:<id>` strings such as `telegram:-100123` (organisers, announcement chats)."""
        ids = self.texts(m, key, "community")
        for i, ref in enumerate(ids):
            if not PLATFORM_ID.fullmatch(ref):
                self.error(_item_line(m, key, i), f"community.{key}[{i}]", f"expected platform:<id>, got {_shown(ref)}")
        return ids

    def call_for_speakers(self, c: YMap) -> CallForSpeakers:
        if c.get("call_for_speakers") is None:
            return CallForSpeakers()
        m = self.mapping(
            c["call_for_speakers"], "community.call_for_speakers", c.line_of("call_for_speakers"), CFS_KEYS
        )
        if m is None:
            return CallForSpeakers()
        path = "community.call_for_speakers"
        return CallForSpeakers(
            text=self.text(m, "text", path),
            topics=self.texts(m, "topics", path),
            how_to_submit=self.text(m, "how_to_submit", path),
        )

    def call_for_venues(self, c: YMap) -> CallForVenues:
        if c.get("call_for_venues") is None:
            return CallForVenues()
        m = self.mapping(c["call_for_venues"], "community.call_for_venues", c.line_of("call_for_venues"), CFV_KEYS)
        if m is None:
            return CallForVenues()
        path = "community.call_for_venues"
        return CallForVenues(text=self.text(m, "text", path), how_to_offer=self.text(m, "how_to_offer", path))

    def calls(self, c: YMap) -> CallPolicy:
        default = CallPolicy()
        if c.get("calls") is None:
            return default
        path = "community.calls"
        m = self.mapping(c["calls"], path, c.line_of("calls"), CALLS_KEYS)
        if m is None:
            return default
        quiet = self.parsed(m, "quiet_hours", path, parse_clock_range, "a range such as 22:00-08:00")
        enabled = self.flag(m, "enabled", path)
        return CallPolicy(
            horizon=self.parsed(m, "horizon", path, parse_duration, "a duration such as 6w or 10d") or default.horizon,
            weekday=_default(
                self.parsed(m, "weekday", path, parse_weekday, "a weekday such as sunday"), default.weekday
            ),
            at=self.parsed(m, "at", path, parse_clock, "a time such as 10:00") or default.at,
            quiet_start=quiet[0] if quiet else default.quiet_start,
            quiet_end=quiet[1] if quiet else default.quiet_end,
            enabled=default.enabled if enabled is None else enabled,
        )

    def reminders(self, parent: YMap, path: str) -> tuple[ReminderRule, ...]:
        if parent.get("reminders") is None:
            return ()
        items = self.seq(parent["reminders"], f"{path}.reminders", parent.line_of("reminders"))
        rules: list[ReminderRule] = []
        for i, item in enumerate(items):
            ipath = f"{path}.reminders[{i}]"
            m = self.mapping(item, ipath, items.line_of(i), REMINDER_KEYS)
            if m is None:
                continue
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

    def topic_aliases(self, c: YMap) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = c.get("topic_aliases")
        if value is None:
            return ()
        path = "community.topic_aliases"
        m = self.mapping(value, path, c.line_of("topic_aliases"), set(value) if isinstance(value, YMap) else set())
        if m is None:
            return ()
        return tuple((topic.lower(), tuple(a.lower() for a in self.texts(m, topic, path))) for topic in m)

    def speakers(self, value: Any, line: int) -> dict[str, Speaker]:
        out: dict[str, Speaker] = {}
        if value is None:
            return out
        m = self.mapping(value, "speakers", line, set(value) if isinstance(value, YMap) else set())
        for sid in m or ():
            assert m is not None
            path = f"speakers.{sid}"
            if not SLUG.fullmatch(sid):
                self.error(m.line_of(sid), path, "speaker ids are lower-case slugs such as liran-ben-haim")
            spec = self.mapping(m[sid], path, m.line_of(sid), SPEAKER_KEYS, ("name",))
            if spec is not None:
                out[sid] = self.speaker(sid, spec, path)
        return out

    def speaker(self, sid: str, m: YMap, path: str) -> Speaker:
        return Speaker(
            id=sid,
            name=self.text(m, "name", path) or sid,
            affiliation=self.text(m, "affiliation", path),
            bio=self.text(m, "bio", path),
            links=self.links(m, "links", path),
        )

    def venues(self, value: Any, line: int) -> dict[str, Venue]:
        out: dict[str, Venue] = {}
        if value is None:
            return out
        m = self.mapping(value, "venues", line, set(value) if isinstance(value, YMap) else set())
        for vid in m or ():
            assert m is not None
            path = f"venues.{vid}"
            if not SLUG.fullmatch(vid):
                self.error(m.line_of(vid), path, "venue ids are lower-case slugs such as sqlink-ramat-gan")
            spec = self.mapping(m[vid], path, m.line_of(vid), VENUE_KEYS, ("name",))
            if spec is not None:
                out[vid] = self.venue(vid, spec, path)
        return out

    def capacity(self, m: YMap, path: str) -> int | None:
        capacity = m.get("capacity")
        if capacity is not None and (not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0):
            self.error(
                m.line_of("capacity"), f"{path}.capacity", f"expected a positive whole number, got {_shown(capacity)}"
            )
            capacity = None
        return capacity

    def venue(self, vid: str, m: YMap, path: str) -> Venue:
        capacity = self.capacity(m, path)
        return Venue(
            id=vid,
            name=self.text(m, "name", path) or vid,
            address=self.text(m, "address", path),
            host=self.text(m, "host", path),
            notes=self.texts(m, "notes", path),
            capacity=capacity,
            map_url=self.url(m, "map", path),
        )

    def events(self, value: Any, line: int, speakers: dict[str, Speaker], venues: dict[str, Venue]) -> list[Event]:
        items = self.seq(value, "events", line)
        seen: dict[str, int] = {}
        out: list[Event] = []
        for i, item in enumerate(items):
            path = f"events[{i}]"
            m = self.mapping(item, path, items.line_of(i), EVENT_KEYS, ("id", "title", "start"))
            if m is None:
                continue
            eid = self.text(m, "id", path)
            if eid is not None:
                if not SLUG.fullmatch(eid):
                    self.error(
                        m.line_of("id"),
                        f"{path}.id",
                        f"ids are lower-case slugs such as 2016-09-preemption, got {_shown(eid)}",
                    )
                if eid in seen:
                    self.error(
                        m.line_of("id"), f"{path}.id", f"duplicate id {_shown(eid)} (first used on line {seen[eid]})"
                    )
                else:
                    seen[eid] = m.line_of("id")
            event = self.event(m, path, speakers, venues)
            if event is not None:
                out.append(event)
        return out

    def event(self, m: YMap, path: str, speakers: dict[str, Speaker], venues: dict[str, Venue]) -> Event | None:
        start = self.parsed(m, "start", path, self.local_datetime, "a local date and time such as 2027-01-12 19:00")
        schedule = self.schedule(m, path, start)
        end = self.event_end(m, path, start, schedule)
        status = self.parsed(m, "status", path, EventStatus, "planned, confirmed or cancelled")
        needs = self.needs(m, path)
        talks = self.talks(m, path, speakers)
        venue = self.event_venue(m, path, venues)
        if start is None or end is None:
            return None
        return Event(
            id=self.text(m, "id", path) or "",
            title=self.text(m, "title", path) or "",
            start=start,
            end=end,
            status=status or EventStatus.CONFIRMED,
            venue=venue,
            host=self.text(m, "host", path) or (venue.host if venue else None),
            url=self.url(m, "url", path),
            language=self.text(m, "language", path),
            filmed=self.flag(m, "filmed", path),
            description=self.text(m, "description", path),
            notes=self.texts(m, "notes", path),
            needs=needs,
            schedule=schedule,
            talks=talks,
            reminders=self.reminders(m, path),
            capacity=self.capacity(m, path),
        )

    def needs(self, m: YMap, path: str) -> frozenset[Need]:
        out: set[Need] = set()
        for i, word in enumerate(self.texts(m, "needs", path)):
            try:
                out.add(Need(word.lower()))
            except ValueError:
                self.error(
                    _item_line(m, "needs", i), f"{path}.needs[{i}]", f"expected speakers or venue, got {_shown(word)}"
                )
        return frozenset(out)

    def event_end(
        self, m: YMap, path: str, start: datetime | None, schedule: tuple[ScheduleSlot, ...]
    ) -> datetime | None:
        if start is None:
            return None
        if m.get("end") is None:
            return schedule[-1].end if schedule else start + DEFAULT_LENGTH
        raw = self.text(m, "end", path) or ""
        line = m.line_of("end")
        try:
            if CLOCK.fullmatch(raw):  # "21:25": the same local day as the start (or 00:30 after it)
                end = self.after_midnight(start, parse_clock(raw), MAX_WRAPPED_EVENT)
            else:
                end = self.local_datetime(raw)
        except ValueError as exc:
            self.error(
                line, f"{path}.end", f"expected a time such as 21:30 or a date and time, got {_shown(raw)}: {exc}"
            )
            return None
        if end <= start:
            self.error(line, f"{path}.end", f"the end ({raw}) is not after the start")
            return None
        if schedule and schedule[-1].end > end:
            self.error(
                line,
                f"{path}.end",
                f"the schedule runs until {schedule[-1].end.astimezone(self.tz):%H:%M}, after the end ({raw})",
            )
        return end

    def schedule(self, m: YMap, path: str, start: datetime | None) -> tuple[ScheduleSlot, ...]:
        if m.get("schedule") is None:
            return ()
        items = self.seq(m["schedule"], f"{path}.schedule", m.line_of("schedule"))
        slots: list[ScheduleSlot] = []
        for i, item in enumerate(items):
            spath = f"{path}.schedule[{i}]"
            s = self.mapping(item, spath, items.line_of(i), SLOT_KEYS, ("time", "title"))
            if s is None or start is None:
                continue
            span = self.parsed(s, "time", spath, parse_clock_range, "a range such as 19:00-19:45")
            title = self.text(s, "title", spath) or ""
            kind = self.parsed(s, "kind", spath, parse_slot_kind, "talk, break, mingling, q&a or other")
            if span is None:
                continue
            begin, end = slot_span(start, span[0], span[1], self.tz)
            if end <= begin:
                self.error(
                    s.line_of("time"),
                    f"{spath}.time",
                    f"the slot ends ({span[1]:%H:%M}) before it starts ({span[0]:%H:%M})",
                )
                continue
            if begin < start:
                self.error(
                    s.line_of("time"),
                    f"{spath}.time",
                    f"the slot starts before the meetup ({start.astimezone(self.tz):%H:%M})",
                )
            if slots and begin < slots[-1].start:
                self.error(
                    s.line_of("time"),
                    f"{spath}.time",
                    "slots are out of order (this one starts before the previous one)",
                )
            elif slots and begin < slots[-1].end:
                self.error(
                    s.line_of("time"),
                    f"{spath}.time",
                    f"overlaps the previous slot, which ends at {slots[-1].end.astimezone(self.tz):%H:%M}",
                )
            slots.append(ScheduleSlot(begin, end, title, kind or guess_slot_kind(title)))
        return tuple(slots)

    def talks(self, m: YMap, path: str, speakers: dict[str, Speaker]) -> tuple[Talk, ...]:
        if m.get("talks") is None:
            return ()
        items = self.seq(m["talks"], f"{path}.talks", m.line_of("talks"))
        out: list[Talk] = []
        for i, item in enumerate(items):
            tpath = f"{path}.talks[{i}]"
            t = self.mapping(item, tpath, items.line_of(i), TALK_KEYS, ("title",))
            if t is None:
                continue
            out.append(
                Talk(
                    title=self.text(t, "title", tpath) or "",
                    speakers=self.talk_speakers(t, tpath, speakers),
                    abstract=self.text(t, "abstract", tpath),
                    language=self.text(t, "language", tpath),
                    slides=self.url(t, "slides", tpath),
                    video=self.url(t, "video", tpath),
                    tags=tuple(tag.lower() for tag in self.texts(t, "tags", tpath)),
                )
            )
        return tuple(out)

    def talk_speakers(self, t: YMap, path: str, speakers: dict[str, Speaker]) -> tuple[Speaker, ...]:
        if t.get("speakers") is None:
            return ()
        items = self.seq(t["speakers"], f"{path}.speakers", t.line_of("speakers"))
        out: list[Speaker] = []
        for i, ref in enumerate(items):
            spath = f"{path}.speakers[{i}]"
            if isinstance(ref, YMap):  # a one-off speaker written inline
                spec = self.mapping(ref, spath, items.line_of(i), SPEAKER_KEYS, ("name",))
                if spec is not None:
                    out.append(self.speaker(slugify(str(spec.get("name", ""))), spec, spath))
            elif isinstance(ref, str) and ref in speakers:
                out.append(speakers[ref])
            else:
                self.error(items.line_of(i), spath, f"unknown speaker {_shown(ref)}{_suggest(str(ref), speakers)}")
        return tuple(out)

    def event_venue(self, m: YMap, path: str, venues: dict[str, Venue]) -> Venue | None:
        ref = m.get("venue")
        if ref is None:
            return None
        if isinstance(ref, YMap):
            spec = self.mapping(ref, f"{path}.venue", m.line_of("venue"), VENUE_KEYS, ("name",))
            return self.venue(slugify(str(ref.get("name", ""))), spec, f"{path}.venue") if spec else None
        if isinstance(ref, str) and ref in venues:
            return venues[ref]
        self.error(m.line_of("venue"), f"{path}.venue", f"unknown venue {_shown(ref)}{_suggest(str(ref), venues)}")
        return None

    # -- time --

    def on_day(self, day: date, at: time) -> datetime:
        return on_day(day, at, self.tz)

    def after_midnight(self, begin: datetime, at: time, longest: timedelta) -> datetime:
        return after_midnight(begin, at, longest, self.tz)

    def local_datetime(self, raw: str) -> datetime:
        """`2027-01-12 19:00` in the community timezone, or with an explicit offset."""
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError("") from None
        if value.tzinfo is None:
            if len(raw.strip()) <= 10:
                raise ValueError("a start needs a time of day too")
            return check_exists(value.replace(tzinfo=self.tz))
        return value


def on_day(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in `tz`; ValueError for a time the clocks skip."""
    return check_exists(datetime.combine(day, at, tz))


def after_midnight(begin: datetime, at: time, longest: timedelta, tz: ZoneInfo) -> datetime:
    """`at` on the local day of `begin`; or on the next day when it is earlier than `begin`
    and that makes a span of at most `longest` (23:30-00:30 is an hour, not a typo; a
    reversed 20:15-19:30 would be 23 hours, so it stays on the same day and is reported)."""
    day = begin.astimezone(tz).date()
    same_day = on_day(day, at, tz)
    if same_day > begin:
        return same_day
    next_day = on_day(day + timedelta(days=1), at, tz)
    return next_day if next_day - begin <= longest else same_day


def slot_span(start: datetime, begin: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of a schedule slot `begin-end` of a meetup starting at `start`: on the
    meetup's local day, or the next day for a slot after midnight (more than 12 hours before
    the start by the clock). An end before the begin comes back as such, for the caller to
    report. ValueError for a time the clocks skip."""
    day = start.astimezone(tz).date()
    first = on_day(day, begin, tz)
    if first < start - timedelta(hours=12):
        first = on_day(day + timedelta(days=1), begin, tz)
    return first, after_midnight(first, end, MAX_WRAPPED_SLOT, tz)


def check_exists(value: datetime) -> datetime:
    """Reject wall-clock times skipped by a DST change (they name no instant)."""
    # Both folds agree on the offset everywhere but in a gap or an overlap: the cheap test
    # settles nearly every call, the round trip only the rare one near a change.
    if value.utcoffset() == value.replace(fold=1).utcoffset():
        return value
    tz = value.tzinfo
    roundtrip = value.astimezone(UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != value.replace(tzinfo=None):
        raise ValueError(f"{value:%Y-%m-%d %H:%M} does not exist in {tz} (the clocks skip it)")
    return value


# ---- small parsers, also used by other modules -----------------------------------------


@functools.lru_cache(maxsize=4096)  # calendars repeat the same few times thousands of times
def parse_clock(raw: str) -> time:
    match = CLOCK.fullmatch(raw.strip())
    if match is None:
        raise ValueError("")
    return time(int(match.group(1)), int(match.group(2)))


@functools.lru_cache(maxsize=4096)
def parse_clock_range(raw: str) -> tuple[time, time]:
    parts = re.split(r"\s*[-–]\s*", raw.strip())
    if len(parts) != 2:
        raise ValueError("")
    return parse_clock(parts[0]), parse_clock(parts[1])


def parse_duration(raw: str) -> timedelta:
    text = raw.strip().lower()
    match = DURATION.fullmatch(text)
    if not text or match is None or not any(match.groups()):
        raise ValueError("")
    w, d, h, m = (int(g) if g else 0 for g in match.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=m)


def parse_weekday(raw: str) -> int:
    word = raw.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return index
    raise ValueError("")


def parse_slot_kind(raw: str) -> SlotKind:
    kind = SLOT_KIND_WORDS.get(raw.strip().lower())
    if kind is None:
        raise ValueError("")
    return kind


def guess_slot_kind(title: str) -> SlotKind:
    """A slot without `kind:` is a break, mingling or Q&A by its title, else a talk."""
    lowered = title.lower()
    if "break" in lowered:
        return SlotKind.BREAK
    if any(w in lowered for w in ("mingling", "gathering", "networking", "pizza", "doors open")):
        return SlotKind.MINGLING
    if lowered.strip() in ("q&a", "qa", "questions"):
        return SlotKind.QA
    return SlotKind.TALK


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def _default(value: T | None, default: T) -> T:
    return default if value is None else value


def _kind(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    if value is None:
        return "nothing"
    return f"{_shown(value)}"


MAX_SHOWN = 80  # characters of a bad value quoted in an error: a 50 MB value is not 50 MB of errors


def _shown(value: Any) -> str:
    """A value as an error quotes it, cut after MAX_SHOWN characters."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return f"{value[:MAX_SHOWN]!r}… ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN + 2 else f"{text[:MAX_SHOWN]}…"


def _suggest(word: str, known: dict[str, Any]) -> str:
    """The id meant: the one whose id or name starts with the reference ("liran", "Liran Ben Haim"
    for liran-ben-haim) when only one does, else the closest spelling."""
    slug = slugify(word) if any(c.isalnum() for c in word) else ""
    starts = [k for k, v in known.items() if slug and slug in (k[: len(slug)], slugify(v.name)[: len(slug)])]
    hint = starts if len(starts) == 1 else difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _item_line(m: YMap, key: str, index: int) -> int:
    value = m.get(key)
    return value.line_of(index) if isinstance(value, YList) else m.line_of(key)


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
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError([LoadError(str(path), None, "(file)", f"cannot read: {exc}")]) from None
    directory = calendar_cache.cache_dir() if cache else None
    if directory is None:
        return parse_calendar(text, str(path)), None
    key = calendar_cache.cache_key(path, content)
    cached = calendar_cache.get(directory, key)
    if cached is not None:
        return cached, None
    data = parse_calendar(text, str(path))
    return data, functools.partial(calendar_cache.put, directory, key, data)
