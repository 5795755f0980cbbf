"""Wall-clock rules of the calendar: placing a local time on a day (or after midnight), the
instants of a schedule slot, times the clocks skip, and the small parsers of clock times,
ranges, durations, weekdays and slot kinds (also used outside the loader).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar.model import SlotKind

DURATION = re.compile(r"(?:(\d+)w)?\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?")
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_WRAPPED_SLOT = timedelta(hours=6)  # a slot such as 23:30-00:30 crosses midnight
MAX_WRAPPED_EVENT = timedelta(hours=16)  # "start: 2027-01-12 19:00, end: 02:00" is the next day
SLOT_KIND_WORDS = {
    "talk": SlotKind.TALK, "lecture": SlotKind.TALK, "break": SlotKind.BREAK,
    "mingling": SlotKind.MINGLING, "gathering": SlotKind.MINGLING, "q&a": SlotKind.QA,
    "qa": SlotKind.QA, "other": SlotKind.OTHER,
}  # fmt: skip


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
