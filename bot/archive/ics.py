"""The calendar as iCalendar (RFC 5545), built with the icalendar library.

One VEVENT per meetup with a VTIMEZONE for the community's zone, so that calendar apps show
the right local time on both sides of a DST change. UIDs are `<event id>@<community slug>`:
stable across exports, so a subscribed calendar updates a meetup instead of duplicating it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from bot.calendar.loader import slugify
from bot.calendar.model import CalendarData, Community, Event, EventStatus

STATUS = {
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.PLANNED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}


def community_slug(community: Community) -> str:
    return slugify(community.short_name or community.name)


def event_uid(event: Event, community: Community) -> str:
    return f"{event.id}@{community_slug(community)}"


def calendar_ics(
    data: CalendarData, *, stamp: datetime, events: Iterable[Event] | None = None, site_url: str | None = None
) -> bytes:
    """The whole calendar (or just `events`) as an .ics document.

    `stamp` is DTSTAMP: when the information was last revised (from the content: the file's last
    commit, adapters/web/stamp.py), so the same file always gives the same bytes. With the
    website's address (`site_url`), each meetup's URL is its page there."""
    community = data.community
    chosen = sorted(data.events if events is None else events, key=lambda e: (e.start, e.id))
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//meetup-bot//{community.display_name}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", community.display_name)
    cal.add("x-wr-timezone", community.timezone.key)
    if community.description:
        cal.add("x-wr-caldesc", community.description)
    # One wide, fixed span rather than just the years of these events: clients (vobject among
    # them) cache a VTIMEZONE by its TZID, so every file we serve must describe the same zone.
    years = [e.start.year for e in chosen] or [stamp.year]
    cal.add_component(_vtimezone(community.timezone.key, min(2000, min(years) - 1), max(2040, max(years) + 2)))
    for event in chosen:
        cal.add_component(vevent(event, community, stamp, site_url))
    return bytes(cal.to_ical())


@lru_cache(maxsize=16)
def _vtimezone(key: str, first_year: int, last_year: int) -> icalendar.Timezone:
    # Computing the transitions takes a few milliseconds: cached.
    vtz = icalendar.Timezone.from_tzinfo(ZoneInfo(key), key, date(first_year, 1, 1), date(last_year, 1, 1))
    # The library writes each transition list as one RDATE with many values. That is valid, but
    # dateutil (behind vobject and many clients) keeps only the first value, which shifts later
    # years by an hour; one RDATE per transition reads the same everywhere.
    for sub in vtz.subcomponents:
        rdates = sub.get("RDATE")
        if rdates is None:
            continue
        instants = [d.dt for group in (rdates if isinstance(rdates, list) else [rdates]) for d in group.dts]
        del sub["RDATE"]
        for instant in instants:
            sub.add("RDATE", instant)
    return vtz


def vevent(event: Event, community: Community, stamp: datetime, site_url: str | None = None) -> icalendar.Event:
    tz = community.timezone
    ve = icalendar.Event()
    ve.add("uid", event_uid(event, community))
    ve.add("dtstamp", stamp.astimezone(UTC))
    ve.add("dtstart", event.start.astimezone(tz))
    ve.add("dtend", event.end.astimezone(tz))
    ve.add("summary", event.title)
    ve.add("status", STATUS[event.status])
    if location := location_text(event):
        ve.add("location", location)
    ve.add("description", description_text(event, tz))
    if url := (f"{site_url.rstrip('/')}/events/{event.id}/" if site_url else event.url):
        ve.add("url", url)
    return ve


def location_text(event: Event) -> str | None:
    venue = event.venue
    if venue is None:
        return event.host
    return ", ".join(part for part in (venue.name, venue.address) if part)


def description_text(event: Event, tz: ZoneInfo) -> str:
    """Plain text: the status, the description, the schedule, the talks with their links."""
    parts: list[str] = []
    if event.is_cancelled:
        parts.append("CANCELLED")
    if event.description:
        parts.append(event.description)
    if event.schedule:
        lines = [f"{s.start.astimezone(tz):%H:%M}-{s.end.astimezone(tz):%H:%M} {s.title}" for s in event.schedule]
        parts.append("Schedule:\n" + "\n".join(lines))
    for talk in event.talks:
        line = talk.title + (f" — {', '.join(s.name for s in talk.speakers)}" if talk.speakers else "")
        links = [f"{label}: {url}" for label, url in (("video", talk.video), ("slides", talk.slides)) if url]
        parts.append("\n".join([line, *links]))
    facts = [f"in {event.language}" if event.language else "", "filmed" if event.filmed else ""]
    if any(facts):
        parts.append(", ".join(f for f in facts if f))
    if event.url:
        parts.append(event.url)
    return "\n\n".join(parts)
