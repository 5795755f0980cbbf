"""The `speakers:`, `venues:` and `events:` sections of events.yaml: ids, references between
them, times in the community timezone, schedules and talks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from bot.calendar.fields import SLUG, FieldReader, T, item_line, shown, slugify, suggest
from bot.calendar.model import Event, EventStatus, GuestList, Need, ScheduleSlot, Speaker, Talk, Venue
from bot.calendar.wall_clock import (
    CLOCK,
    MAX_WRAPPED_EVENT,
    after_midnight,
    check_exists,
    guess_slot_kind,
    parse_clock,
    parse_clock_range,
    parse_slot_kind,
    slot_span,
)
from bot.calendar.yamlnodes import YMap

SPEAKER_KEYS = {"name", "affiliation", "bio", "links"}
VENUE_KEYS = {"name", "address", "host", "notes", "capacity", "map", "guest_list"}
EVENT_KEYS = {
    "id", "title", "start", "end", "status", "venue", "host", "url", "language", "filmed",
    "description", "notes", "needs", "schedule", "talks", "reminders", "capacity", "guest_list",
}  # fmt: skip
SLOT_KEYS = {"time", "title", "kind"}
TALK_KEYS = {"title", "speakers", "abstract", "language", "slides", "video", "tags"}
DEFAULT_LENGTH = timedelta(hours=3)  # a meetup with neither `end` nor a schedule


class EventReader(FieldReader):
    """Reads speakers, venues and events (after the community, whose timezone they use)."""

    def speakers(self, value: Any, line: int) -> dict[str, Speaker]:
        hint = "speaker ids are lower-case slugs such as liran-ben-haim"
        return self.by_id(value, line, "speakers", hint, SPEAKER_KEYS, self.speaker)

    def venues(self, value: Any, line: int) -> dict[str, Venue]:
        hint = "venue ids are lower-case slugs such as sqlink-ramat-gan"
        return self.by_id(value, line, "venues", hint, VENUE_KEYS, self.venue)

    def by_id(
        self, value: Any, line: int, section: str, hint: str, keys: set[str], read: Callable[[str, YMap, str], T]
    ) -> dict[str, T]:
        """A top-level section of named entries (`speakers:`, `venues:`), each read by `read`."""
        out: dict[str, T] = {}
        if value is None:
            return out
        m = self.mapping(value, section, line, set(value) if isinstance(value, YMap) else set())
        for eid in m or ():
            assert m is not None
            path = f"{section}.{eid}"
            if not SLUG.fullmatch(eid):
                self.error(m.line_of(eid), path, hint)
            spec = self.mapping(m[eid], path, m.line_of(eid), keys, ("name",))
            if spec is not None:
                out[eid] = read(eid, spec, path)
        return out

    def speaker(self, sid: str, m: YMap, path: str) -> Speaker:
        return Speaker(
            id=sid,
            name=self.text(m, "name", path) or sid,
            affiliation=self.text(m, "affiliation", path),
            bio=self.text(m, "bio", path),
            links=self.links(m, "links", path),
        )

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
            guest_list=self.guest_list(m, path),
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
                        f"ids are lower-case slugs such as 2016-09-preemption, got {shown(eid)}",
                    )
                if eid in seen:
                    self.error(
                        m.line_of("id"), f"{path}.id", f"duplicate id {shown(eid)} (first used on line {seen[eid]})"
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
            guest_list=self.guest_list(m, path),
        )

    def guest_list(self, m: YMap, path: str) -> GuestList | None:
        return self.parsed(m, "guest_list", path, GuestList, "full_names")

    def needs(self, m: YMap, path: str) -> frozenset[Need]:
        out: set[Need] = set()
        for i, word in enumerate(self.texts(m, "needs", path)):
            try:
                out.add(Need(word.lower()))
            except ValueError:
                self.error(
                    item_line(m, "needs", i), f"{path}.needs[{i}]", f"expected speakers or venue, got {shown(word)}"
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
                line, f"{path}.end", f"expected a time such as 21:30 or a date and time, got {shown(raw)}: {exc}"
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
        slots: list[ScheduleSlot] = []
        for spath, s in self.entries(m, "schedule", path, SLOT_KEYS, ("time", "title")):
            if start is None:
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
        out: list[Talk] = []
        for tpath, t in self.entries(m, "talks", path, TALK_KEYS, ("title",)):
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
                self.error(items.line_of(i), spath, f"unknown speaker {shown(ref)}{suggest(str(ref), speakers)}")
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
        self.error(m.line_of("venue"), f"{path}.venue", f"unknown venue {shown(ref)}{suggest(str(ref), venues)}")
        return None

    # -- time --

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
