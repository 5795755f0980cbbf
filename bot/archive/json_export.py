"""The calendar as JSON (for websites and other tools), and back.

Times: `start`/`end` are ISO 8601 local times with their offset; schedule times are `HH:MM`
on the meetup's local day, placed across midnight by the loader's own rule (`slot_span`).
`calendar_from_json` reads the document back into the model, so `export -> re-load -> export` is the same document.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar.loader import person_slug, slot_span, slugify
from bot.calendar.model import (
    CalendarData,
    Community,
    Event,
    EventStatus,
    Link,
    ScheduleSlot,
    SlotKind,
    Speaker,
    Talk,
    Venue,
)


def calendar_to_json(data: CalendarData) -> dict[str, Any]:
    community = data.community
    tz = community.timezone
    return {
        "community": {
            "name": community.name,
            "short_name": community.short_name,
            "timezone": tz.key,
            "language": community.language,
            "description": community.description,
            "links": {link.label: link.url for link in community.links},
        },
        "events": [event_to_json(e, tz) for e in sorted(data.events, key=lambda e: (e.start, e.id))],
    }


def event_to_json(event: Event, tz: ZoneInfo) -> dict[str, Any]:
    venue = event.venue
    host = event.host or (venue.host if venue else None)
    venue_json = None
    if venue is not None or host:
        venue_json = {"name": venue.name if venue else host, "address": venue.address if venue else None, "host": host}
    return {
        "id": event.id,
        "title": event.title,
        "start": event.start.astimezone(tz).isoformat(timespec="minutes"),
        "end": event.end.astimezone(tz).isoformat(timespec="minutes"),
        "status": event.status.value,
        "url": event.url,
        "language": event.language,
        "filmed": event.filmed,
        "venue": venue_json,
        "schedule": [
            {
                "start": f"{s.start.astimezone(tz):%H:%M}",
                "end": f"{s.end.astimezone(tz):%H:%M}",
                "title": s.title,
                "kind": s.kind.value,
            }
            for s in event.schedule
        ],
        "talks": [
            {
                "title": t.title,
                "speakers": [s.name for s in t.speakers],
                "language": t.language,
                "video": t.video,
                "slides": t.slides,
                "tags": list(t.tags),
            }
            for t in event.talks
        ],
    }


def dumps(data: CalendarData) -> str:
    return json.dumps(calendar_to_json(data), ensure_ascii=False, indent=2) + "\n"


# ---- back into the model -------------------------------------------------------------------


class JsonCalendarError(ValueError):
    """The JSON document is not an export of ours; the message names the field."""


def calendar_from_json(doc: Any) -> CalendarData:
    if not isinstance(doc, dict) or not isinstance(doc.get("community"), dict):
        raise JsonCalendarError("expected an object with `community` and `events`")
    c = doc["community"]
    try:
        tz = ZoneInfo(_str(c, "timezone", "community", required=True))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise JsonCalendarError(f"community.timezone: unknown timezone ({exc})") from None
    links = c.get("links") or {}
    if not isinstance(links, dict):
        raise JsonCalendarError("community.links: expected an object of label: url")
    community = Community(
        name=_str(c, "name", "community", required=True),
        timezone=tz,
        short_name=_str(c, "short_name", "community"),
        description=_str(c, "description", "community"),
        language=_str(c, "language", "community"),
        links=tuple(Link(str(k), str(v)) for k, v in links.items()),
    )
    events = doc.get("events")
    if not isinstance(events, list):
        raise JsonCalendarError("events: expected a list")
    return CalendarData(community=community, events=tuple(_event(e, tz, f"events[{i}]") for i, e in enumerate(events)))


def _event(e: Any, tz: ZoneInfo, path: str) -> Event:
    if not isinstance(e, dict):
        raise JsonCalendarError(f"{path}: expected an object")
    start, end = _instant(e, "start", path), _instant(e, "end", path)
    try:
        status = EventStatus(e.get("status", "confirmed"))
    except ValueError:
        raise JsonCalendarError(f"{path}.status: expected planned, confirmed or cancelled") from None
    v = e.get("venue")
    venue = None
    if isinstance(v, dict):
        name = _str(v, "name", f"{path}.venue", required=True)
        venue = Venue(id=slugify(name), name=name, address=_str(v, "address", f"{path}.venue"),
                      host=_str(v, "host", f"{path}.venue"))  # fmt: skip
    filmed = e.get("filmed")
    if filmed is not None and not isinstance(filmed, bool):
        raise JsonCalendarError(f"{path}.filmed: expected true, false or null")
    return Event(
        id=_str(e, "id", path, required=True),
        title=_str(e, "title", path, required=True),
        start=start,
        end=end,
        status=status,
        venue=venue,
        host=venue.host if venue else None,
        url=_str(e, "url", path),
        language=_str(e, "language", path),
        filmed=filmed,
        schedule=_schedule(e.get("schedule") or [], start, tz, f"{path}.schedule"),
        talks=tuple(_talk(t, f"{path}.talks[{i}]") for i, t in enumerate(e.get("talks") or [])),
    )


def _schedule(items: Any, start: datetime, tz: ZoneInfo, path: str) -> tuple[ScheduleSlot, ...]:
    slots: list[ScheduleSlot] = []
    for i, s in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(s, dict):
            raise JsonCalendarError(f"{where}: expected an object")
        begin_t, end_t = _clock(s, "start", where), _clock(s, "end", where)
        try:  # HH:MM on the meetup's day, after midnight by the loader's own rule
            begin, end = slot_span(start, begin_t, end_t, tz)
        except ValueError as exc:  # a time the clocks skip
            raise JsonCalendarError(f"{where}: {exc}") from None
        try:
            kind = SlotKind(s.get("kind", "other"))
        except ValueError:
            raise JsonCalendarError(f"{where}.kind: expected talk, break, mingling, q&a or other") from None
        slots.append(ScheduleSlot(begin, end, _str(s, "title", where, required=True), kind))
    return tuple(slots)


def _talk(t: Any, path: str) -> Talk:
    if not isinstance(t, dict):
        raise JsonCalendarError(f"{path}: expected an object")
    names = t.get("speakers") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise JsonCalendarError(f"{path}.speakers: expected a list of names")
    tags = t.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(n, str) for n in tags):
        raise JsonCalendarError(f"{path}.tags: expected a list of words")
    return Talk(
        title=_str(t, "title", path, required=True),
        speakers=tuple(Speaker(person_slug(n), n) for n in names),
        language=_str(t, "language", path),
        video=_str(t, "video", path),
        slides=_str(t, "slides", path),
        tags=tuple(tags),
    )


def _str(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> Any:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise JsonCalendarError(f"{path}.{key}: expected text, got {value!r}")
    return value


def _instant(obj: dict[str, Any], key: str, path: str) -> datetime:
    raw = _str(obj, key, path, required=True)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise JsonCalendarError(f"{path}.{key}: expected an ISO 8601 time, got {raw!r}") from None
    if value.tzinfo is None:
        raise JsonCalendarError(f"{path}.{key}: {raw!r} has no UTC offset")
    return value


def _clock(obj: dict[str, Any], key: str, path: str) -> time:
    raw = _str(obj, key, path, required=True)
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise JsonCalendarError(f"{path}.{key}: expected HH:MM, got {raw!r}") from None
