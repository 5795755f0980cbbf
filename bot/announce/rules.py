"""What the bot announces, and when: pure functions of the calendar and two instants.

Every announcement has a deterministic key, which is its identity in the delivery ledger:

- `reminder:<event id>:<rule key>:<event start, ISO UTC>`: a meetup that moves gets new keys,
  so it is reminded again at its new time; one that does not move is never reminded twice.
- `call:<ISO year>-W<week>`: the standing call for speakers and venues, at most once a week.
- `notice:<event id>:<what was announced>-><what the calendar says now>`: a change notice.
- `broadcast:<uuid>`: an organiser's /cfp <text> or /announce <text>.

Local wall-clock times (a day-before reminder at 10:00, the Sunday call) are resolved with
zoneinfo on the day itself, so they stay at 10:00 local across DST changes; `before: 2h` is a
fixed duration ahead of the start instant.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar.calendar import Calendar
from bot.calendar.model import CallPolicy, Community, Event, EventStatus, ReminderRule
from bot.chat import views
from bot.chat.reply import Block, Bold, Heading, Reply, paragraph


class Kind(enum.StrEnum):
    REMINDER = "reminder"
    CALL = "call"
    NOTICE = "notice"
    BROADCAST = "broadcast"


@dataclass(frozen=True, slots=True)
class Announcement:
    key: str
    kind: Kind
    due: datetime  # aware, UTC
    event: Event | None = None
    rule: ReminderRule | None = None
    text: str | None = None  # a broadcast's text, or what a notice says changed
    style: str | None = None  # a broadcast's "cfp" or "announce"


@dataclass(frozen=True, slots=True)
class AnnouncedEvent:
    """What the community was last told about a meetup (recorded once its reminder went out)."""

    event_id: str
    start: datetime
    venue: str | None
    cancelled: bool

    @property
    def label(self) -> str:
        if self.cancelled:
            return "cancelled"
        return f"{iso_utc(self.start)}@{self.venue or '-'}"


def iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in `tz`, as a UTC instant. A time the clocks skip (spring forward) lands
    an hour later by wall clock; a repeated one (fall back) takes its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


# ---- reminders ------------------------------------------------------------------------------


def rules_for(event: Event, community: Community) -> tuple[ReminderRule, ...]:
    return event.reminders or community.reminders


def reminder_time(event: Event, rule: ReminderRule, tz: ZoneInfo) -> datetime:
    if rule.day_before is not None:
        return local_instant(event.start.astimezone(tz).date() - timedelta(days=1), rule.day_before, tz)
    assert rule.before is not None
    return (event.start - rule.before).astimezone(UTC)


def reminder_key(event: Event, rule: ReminderRule) -> str:
    return f"reminder:{event.id}:{rule.key}:{iso_utc(event.start)}"


def reminders_between(calendar: Calendar, start: datetime, end: datetime) -> list[Announcement]:
    """Reminders due in (start, end]; none for cancelled meetups, none after a meetup began."""
    tz = calendar.community.timezone
    out: list[Announcement] = []
    # A reminder is at most a few weeks ahead of its meetup; skip the long past cheaply.
    for event in calendar.upcoming(start):
        if event.is_cancelled:
            continue
        for rule in rules_for(event, calendar.community):
            due = reminder_time(event, rule, tz)
            if start < due <= end and due < event.start:
                out.append(Announcement(reminder_key(event, rule), Kind.REMINDER, due, event=event, rule=rule))
    return out


# ---- calls for speakers and venues ------------------------------------------------------------


def in_quiet_hours(local: time, policy: CallPolicy) -> bool:
    qs, qe = policy.quiet_start, policy.quiet_end
    if qs == qe:
        return False
    if qs < qe:  # e.g. 01:00-06:00
        return qs <= local < qe
    return local >= qs or local < qe  # wraps midnight, e.g. 22:00-08:00


def call_slot(day: date, policy: CallPolicy, tz: ZoneInfo) -> datetime:
    """When the call of the week whose cadence day is `day` goes out: the configured time, or
    the end of quiet hours when the configured time falls inside them."""
    if not in_quiet_hours(policy.at, policy):
        return local_instant(day, policy.at, tz)
    wraps = policy.quiet_start > policy.quiet_end
    later = day + timedelta(days=1) if wraps and policy.at >= policy.quiet_start else day
    return local_instant(later, policy.quiet_end, tz)


def call_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"call:{year}-W{week:02d}"


def calls_between(calendar: Calendar, start: datetime, end: datetime) -> list[Announcement]:
    """Calls due in (start, end]: on the cadence day, when the next meetup within the horizon
    still needs speakers or a venue."""
    community = calendar.community
    policy, tz = community.calls, community.timezone
    if not policy.enabled:
        return []
    out: list[Announcement] = []
    day = start.astimezone(tz).date() - timedelta(days=1)  # a slot pushed past midnight
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() == policy.weekday:
            due = call_slot(day, policy, tz)
            if start < due <= end:
                event = calendar.next(due)
                if event is not None and event.needs and event.start - due <= policy.horizon:
                    out.append(Announcement(call_key(day), Kind.CALL, due, event=event))
        day += timedelta(days=1)
    return out


def due_between(calendar: Calendar, start: datetime, end: datetime) -> list[Announcement]:
    """Every reminder and call due in (start, end], in order."""
    found = reminders_between(calendar, start, end) + calls_between(calendar, start, end)
    return sorted(found, key=lambda a: (a.due, a.key))


# ---- change notices -------------------------------------------------------------------------


def snapshot(event: Event) -> AnnouncedEvent:
    return AnnouncedEvent(
        event.id, event.start.astimezone(UTC), event.venue.id if event.venue else None, event.is_cancelled
    )


def needs_snapshot(event: Event) -> bool:
    """Only confirmed meetups promise a date and place; a change to them earns a notice."""
    return event.status is EventStatus.CONFIRMED


def change_notices(calendar: Calendar, announced: Mapping[str, AnnouncedEvent], now: datetime) -> list[Announcement]:
    """One notice per announced meetup whose date, time, venue or status changed since, while
    the meetup (as announced or as now planned) has not happened yet."""
    out: list[Announcement] = []
    for event_id, told in announced.items():
        event = calendar.get(event_id)
        if event is None:
            continue
        current = snapshot(event)
        if (current.start, current.venue, current.cancelled) == (told.start, told.venue, told.cancelled):
            continue
        if max(event.end, told.start) <= now:
            continue
        key = f"notice:{event_id}:{told.label}->{current.label}"
        out.append(Announcement(key, Kind.NOTICE, now.astimezone(UTC), event=event, text=_what_changed(told, event)))
    return out


def _what_changed(told: AnnouncedEvent, event: Event) -> str:
    if event.is_cancelled:
        return "cancelled"
    changed = []
    if told.start != event.start:
        changed.append("date and time" if told.start.date() != event.start.astimezone(UTC).date() else "time")
    if told.venue != (event.venue.id if event.venue else None):
        changed.append("venue")
    return " and ".join(changed) or "details"


# ---- broadcasts -------------------------------------------------------------------------------


def broadcast(key: str, text: str, style: str, created_at: datetime) -> Announcement:
    return Announcement(key, Kind.BROADCAST, created_at.astimezone(UTC), text=text, style=style)


# ---- how each one looks -------------------------------------------------------------------------


def render(announcement: Announcement, calendar: Calendar, now: datetime) -> Reply:
    community = calendar.community
    a = announcement
    if a.kind is Kind.REMINDER and a.event is not None:
        card = views.event_card(a.event, community, now, full=False)
        return Reply((Heading(f"⏰ Reminder: {a.event.title}"), *card.blocks[1:]), card.disable_link_preview)
    if a.kind is Kind.CALL:
        return views.call_for_speakers(community, a.event, now)
    if a.kind is Kind.NOTICE and a.event is not None:
        return notice_reply(a.event, a.text or "details", community, now)
    if a.kind is Kind.BROADCAST:
        return broadcast_reply(a.text or "", a.style or "announce", community)
    raise ValueError(f"cannot render {a.key}")


def notice_reply(event: Event, changed: str, community: Community, now: datetime) -> Reply:
    tz = community.timezone
    if event.is_cancelled:
        return Reply(
            (
                Heading(f"❌ Cancelled: {event.title}"),
                paragraph(f"The meetup on {views.short_date(event, tz)} will not take place."),
            )
        )
    return Reply(
        (
            Heading(f"📅 Changed: {event.title}"),
            paragraph(
                f"The {changed} changed. ",
                Bold("When: "),
                views.when_line(event, tz),
                f" ({views.relative_phrase(event.start, event.end, now, tz)})",
            ),
            paragraph(*views.venue_line(event)),
            paragraph(f"Details: /event {event.id}"),
        ),
        disable_link_preview=True,
    )


def broadcast_reply(text: str, style: str, community: Community) -> Reply:
    if style != "cfp":
        return Reply((Heading(f"📣 {community.display_name}"), paragraph(text)))
    blocks: list[Block] = [Heading(f"📣 Call for speakers — {community.display_name}"), paragraph(text)]
    blocks.extend(views.wanted_talks(community))
    return Reply(tuple(blocks), disable_link_preview=True)


def keys(announcements: Iterable[Announcement]) -> list[str]:
    return [a.key for a in announcements]
