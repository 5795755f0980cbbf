"""What the bot announces, and when: pure functions of the calendar and two instants.

Every announcement has a deterministic key, which is its identity in the delivery ledger:

- `reminder:<event id>:r<n>:<event start, ISO UTC>`: the meetup's n-th reminder in time order
  among its rules. Not the rule's text: editing `before: 5h` to `4h`, or reordering the rules,
  keeps each reminder's key, so what went out is not sent again. A meetup that moves gets new
  keys (it is reminded at its new time, see the Announcer for the chats a notice covers). Keys
  written before this scheme (`reminder:<id>:<rule key>:<start>`) are an announcement's
  `aliases`: a chat settled under one is settled.
- `call:<ISO year>-W<week>`: the standing call for speakers and venues, at most once a week.
- `notice:<event id>:<what was announced>-><what the calendar says now>`: a change notice.
- `broadcast:<uuid>`: an organiser's /cfp <text> or /announce <text>.
- `new:<event id>`: a confirmed meetup the chats have not been told about (see `new_meetups`).

Local wall-clock times (a day-before reminder at 10:00, the Sunday call) are resolved with
zoneinfo on the day itself, so they stay at 10:00 local across DST changes; `before: 2h` is a
fixed duration ahead of the start instant.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar.calendar import Calendar
from bot.calendar.model import CallPolicy, Community, Event, EventStatus, ReminderRule
from bot.chat import views
from bot.chat.reply import Block, Bold, Code, Heading, Reply, bullet_list, paragraph
from bot.rsvp import views as rsvp_views
from bot.rsvp.model import Counts, is_open


class Kind(enum.StrEnum):
    REMINDER = "reminder"
    CALL = "call"
    NOTICE = "notice"
    BROADCAST = "broadcast"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Announcement:
    key: str
    kind: Kind
    due: datetime  # aware, UTC
    event: Event | None = None
    rule: ReminderRule | None = None
    text: str | None = None  # a broadcast's text, or what a notice says changed
    style: str | None = None  # a broadcast's "cfp" or "announce"
    aliases: tuple[str, ...] = ()  # older keys of the same announcement (see the module docstring)
    told: AnnouncedEvent | None = None  # a notice: what the community had been told before


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


def reminder_key(event: Event, position: int, start: datetime | None = None) -> str:
    """The key of the meetup's `position`-th reminder (1 = earliest) for a start instant."""
    return f"reminder:{event.id}:r{position}:{iso_utc(start or event.start)}"


def legacy_reminder_key(event: Event, rule: ReminderRule) -> str:
    """The key the same reminder had when keys named the rule (ledgers written before)."""
    return f"reminder:{event.id}:{rule.key}:{iso_utc(event.start)}"


def reminders_of(event: Event, community: Community) -> list[Announcement]:
    """Every reminder of the meetup, in time order, each keyed by its place in that order.
    Rules that give the same instant are one reminder."""
    tz = community.timezone
    timed = sorted({(reminder_time(event, rule, tz), rule.key): rule for rule in rules_for(event, community)}.items())
    out: list[Announcement] = []
    for (due, _), rule in timed:
        if out and out[-1].due == due:
            continue
        key = reminder_key(event, len(out) + 1)
        out.append(
            Announcement(key, Kind.REMINDER, due, event=event, rule=rule, aliases=(legacy_reminder_key(event, rule),))
        )
    return out


def reminders_between(calendar: Calendar, start: datetime, end: datetime) -> list[Announcement]:
    """Reminders due in (start, end]; none for cancelled meetups, none after a meetup began."""
    out: list[Announcement] = []
    # A reminder is at most a few weeks ahead of its meetup; skip the long past cheaply.
    for event in calendar.upcoming(start):
        if event.is_cancelled:
            continue
        for reminder in reminders_of(event, calendar.community):
            if start < reminder.due <= end and reminder.due < event.start:
                out.append(reminder)
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
        what = _what_changed(told, event)
        out.append(Announcement(key, Kind.NOTICE, now.astimezone(UTC), event=event, text=what, told=told))
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


# ---- new meetups -----------------------------------------------------------------------------


def new_key(event: Event) -> str:
    return f"new:{event.id}"


def after_quiet_hours(instant: datetime, policy: CallPolicy, tz: ZoneInfo) -> datetime:
    """`instant`, or the end of the quiet hours it falls inside."""
    local = instant.astimezone(tz)
    if not in_quiet_hours(local.time(), policy):
        return instant.astimezone(UTC)
    wraps = policy.quiet_start > policy.quiet_end
    day = local.date() + timedelta(days=1) if wraps and local.time() >= policy.quiet_start else local.date()
    return local_instant(day, policy.quiet_end, tz)


def new_meetups(
    calendar: Calendar, first_seen: Mapping[str, datetime], start: datetime, end: datetime, grace: timedelta
) -> list[Announcement]:
    """New-meetup announcements due in (start, end]: a meetup is announced when it was first
    seen confirmed (`first_seen`, the store's `known_events`), or at the end of the quiet hours
    that moment falls in. None for a meetup no longer confirmed, none once it has started, and
    none when one of its reminders is due at or before the announcement and not more than
    `grace` before it: that reminder goes out (or went out) and says the same."""
    community = calendar.community
    out: list[Announcement] = []
    for event_id, seen in first_seen.items():
        event = calendar.get(event_id)
        if event is None or event.status is not EventStatus.CONFIRMED:
            continue
        due = after_quiet_hours(seen, community.calls, community.timezone)
        if not start < due <= end or event.start <= due:
            continue
        if any(due - grace < r.due <= due for r in reminders_of(event, community)):
            continue
        out.append(Announcement(new_key(event), Kind.NEW, due, event=event))
    return sorted(out, key=lambda a: (a.due, a.key))


def unseen(
    calendar: Calendar, first_seen: Mapping[str, datetime] | None, known: Collection[str], at: datetime
) -> dict[str, datetime]:
    """`first_seen` plus the confirmed meetups ahead not `known` (the baseline included), as if
    seen `at`: what the bot's next look at the calendar records; a dry run shows it. Nothing
    before the baseline was taken (`first_seen` None): the first look takes every meetup as known."""
    if first_seen is None:
        return {}
    ahead = {e.id: at for e in calendar.upcoming(at) if e.status is EventStatus.CONFIRMED and e.id not in known}
    return {**ahead, **first_seen}


# ---- broadcasts -------------------------------------------------------------------------------


def broadcast(key: str, text: str, style: str, created_at: datetime) -> Announcement:
    return Announcement(key, Kind.BROADCAST, created_at.astimezone(UTC), text=text, style=style)


# ---- how each one looks -------------------------------------------------------------------------


def render(announcement: Announcement, calendar: Calendar, now: datetime, rsvp: Counts | None = None) -> Reply:
    """How the announcement looks; a reminder or new meetup given `rsvp` counts shows them, with the Going /
    Can't go buttons."""
    community = calendar.community
    a = announcement
    if a.kind is Kind.REMINDER and a.event is not None:
        card = views.event_card(a.event, community, now, full=False)
        reply = Reply((Heading(f"⏰ Reminder: {a.event.title}"), *card.blocks[1:]), card.disable_link_preview)
        return reply if rsvp is None else rsvp_views.with_rsvp(reply, a.event, rsvp, open_=is_open(a.event, now))
    if a.kind is Kind.CALL:
        return views.call_for_speakers(community, a.event, now)
    if a.kind is Kind.NOTICE and a.event is not None:
        return notice_reply(a.event, a.text or "details", community, now)
    if a.kind is Kind.NEW and a.event is not None:
        card = views.event_card(a.event, community, now, full=False)
        reply = Reply((Heading(f"🆕 New meetup: {a.event.title}"), *card.blocks[1:]), card.disable_link_preview)
        return reply if rsvp is None else rsvp_views.with_rsvp(reply, a.event, rsvp, open_=is_open(a.event, now))
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


def rebuild(calendar: Calendar, key: str, now: datetime) -> Announcement | None:
    """The reminder, call, notice or new-meetup post a ledger key names, from the current
    calendar (broadcasts live in the store). None when the calendar no longer has it."""
    kind, _, rest = key.partition(":")
    event = calendar.get(rest.split(":", 1)[0]) if kind in ("reminder", "notice", "new") else None
    if kind == "new" and event is not None and event.status is EventStatus.CONFIRMED:
        return Announcement(key, Kind.NEW, now.astimezone(UTC), event=event)
    if kind == "reminder" and event is not None and not event.is_cancelled:
        return next((r for r in reminders_of(event, calendar.community) if key in (r.key, *r.aliases)), None)
    if kind == "notice" and event is not None:
        return Announcement(key, Kind.NOTICE, now.astimezone(UTC), event=event, text="details")
    if kind == "call":
        policy, tz = calendar.community.calls, calendar.community.timezone
        year, _, week = rest.partition("-W")
        try:
            day = date.fromisocalendar(int(year), int(week), policy.weekday + 1)
        except ValueError:
            return None
        due = call_slot(day, policy, tz)
        return Announcement(key, Kind.CALL, due, event=calendar.next(due))
    return None


def in_doubt_reply(key: str, chat_keys: Iterable[str]) -> Reply:
    """For the organisers: sends that may or may not have arrived, and the one command to resend."""
    return Reply(
        (
            Heading("⚠️ Maybe not delivered"),
            paragraph(
                Code(key),
                " was being sent when the bot stopped or the platform did not answer, so it may be missing in:",
            ),
            bullet_list((Code(chat),) for chat in chat_keys),
            paragraph("Please check those chats. If it is not there, send it again with ", Code(f"/resend {key}")),
        ),
        disable_link_preview=True,
    )


def keys(announcements: Iterable[Announcement]) -> list[str]:
    return [a.key for a in announcements]
