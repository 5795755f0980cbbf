"""`meetup-bot attendees <meetup> --format csv|json`: the guest list for the host's front desk.

Reads the answers from the store (DATABASE_URL, or the SQLite file `meetup-bot run` uses):
everyone going, in the order they answered, then the waitlist, with name, platform, username
and when they answered (in the community's timezone), the full name given for hosts that need
names (marked when never given) and when they were checked in at the door; walk-ins last. Writes
nothing; a SQLite store that does not exist is said so (the wrong folder, or SQLITE_PATH unset).
The store is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.store.hot_reads import absent_sqlite, no_store_here, sqlite_path

if TYPE_CHECKING:
    from bot.calendar.calendar import Calendar
    from bot.calendar.model import Event
    from bot.config import Settings
    from bot.rsvp.model import Attendee
    from bot.store.guests import CheckIn

FIELDS = ("status", "name", "full_name", "platform", "username", "user_id", "answered_at", "checked_in_at")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("attendees", help="a meetup's guest list (who said they are going), as CSV or JSON")
    p.add_argument("meetup", help="the meetup's id, or its number in /events")
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    p.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    p.add_argument("--all", action="store_true", help="also list who said they can't go")
    p.set_defaults(func=cmd_attendees)


def cmd_attendees(args: argparse.Namespace) -> int:
    from bot.calendar.loader import CalendarError
    from bot.calendar.source import CalendarSource
    from bot.clock import system_clock
    from bot.config import Settings
    from bot.store.store import StoreUnavailable

    settings = Settings.from_env()
    from adapters.calendar_files import calendar_path

    events_file = calendar_path(args.events, settings.env)  # CALENDAR_REPO: fetched now
    try:
        calendar = CalendarSource.from_file(events_file).current
    except CalendarError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    event = find(calendar, args.meetup, system_clock())
    if event is None:
        from bot.wording import clip  # what was typed, quoted back at most 80 characters long

        print(
            f"no meetup {clip(args.meetup)!r} in {events_file}: give its id, or its number in /events", file=sys.stderr
        )
        return 1
    try:
        found = read_attendees(settings, event.id)
    except StoreUnavailable as error:
        print(f"cannot read the answers: {error}", file=sys.stderr)
        return 1
    if found is None:
        where = sqlite_path(settings.database_url) or settings.database_url
        print(f"cannot read the answers: {no_store_here(where)}", file=sys.stderr)
        return 1
    people, full_names, checkins = found
    from bot.rsvp.model import RsvpState

    people = [a for a in people if args.all or a.state is not RsvpState.NOT_GOING]
    order = {RsvpState.GOING: 0, RsvpState.WAITLIST: 1, RsvpState.NOT_GOING: 2}
    people.sort(key=lambda a: (order[a.state], a.seq))
    came = {c.user_key: c for c in checkins if c.checked_in_at is not None}
    rows = [row(a, calendar, event, full_names, came.get(a.person.key)) for a in people]
    rows += [walk_in_row(c, calendar) for c in came.values() if c.walk_in]
    if args.format == "json":
        document_ = document(event, calendar, people, rows)
        document_["came"] = len(came)
        json.dump(document_, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from adapters.terminal_text import for_csv

        # Names are typed by chat users: no formulas for the host's spreadsheet, no escapes.
        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: for_csv(value) for key, value in r.items()} for r in rows)
    return 0


def find(calendar: Calendar, key: str, now: Any) -> Event | None:
    from bot.chat.handlers import small_number  # ASCII digits only: "²" and "①" are not numbers

    if key.isascii() and key.isdigit():
        number = small_number(key)
        upcoming = calendar.upcoming(now)
        return upcoming[number - 1] if number is not None and 1 <= number <= len(upcoming) else None
    return calendar.get(key)


def read_attendees(settings: Settings, event_id: str) -> tuple[list[Attendee], dict[str, str], list[CheckIn]] | None:
    """The answers, the full names given and the check-ins; None when there is no store here."""
    from bot.store.store import Store

    url = settings.database_url
    if absent_sqlite(url) is not None:
        return None  # the bot has not run here (or the store is elsewhere): say so, not a bare header
    store = Store(url)
    try:
        store.create()  # a store from before RSVP existed gets its (empty) tables
        people = store.rsvp.attendees(event_id)
        return people, store.guests.full_names(a.person.key for a in people), store.guests.checkins_of(event_id)
    finally:
        store.close()


def _iso(moment: datetime | None, calendar: Calendar) -> str:
    return moment.astimezone(calendar.community.timezone).isoformat(timespec="seconds") if moment else ""


def row(
    attendee: Attendee, calendar: Calendar, event: Event, full_names: dict[str, str], came: CheckIn | None
) -> dict[str, str]:
    from bot.rsvp.views import NO_NAME  # the marker for someone who never gave their full name

    person = attendee.person
    # Given for hosts that need names, so shown for their meetups only.
    full = (full_names.get(person.key) or NO_NAME) if event.needs_full_names else ""
    return {
        "status": attendee.state.value,
        "name": person.name or "",
        "full_name": full,
        "platform": person.platform,
        "username": person.username or "",
        "user_id": person.user_id,
        "answered_at": _iso(attendee.answered_at, calendar),
        "checked_in_at": _iso(came.checked_in_at if came else None, calendar),
    }


def walk_in_row(checkin: CheckIn, calendar: Calendar) -> dict[str, str]:
    """Someone checked in at the door by name who never said going."""
    empty = dict.fromkeys(FIELDS, "")
    return {**empty, "status": "walk-in", "name": checkin.name or "", "full_name": checkin.name or "",
            "checked_in_at": _iso(checkin.checked_in_at, calendar)}  # fmt: skip


def document(event: Event, calendar: Calendar, people: list[Attendee], rows: list[dict[str, str]]) -> dict[str, Any]:
    from bot.rsvp.model import RsvpState

    tz = calendar.community.timezone
    return {
        "meetup": {
            "id": event.id,
            "title": event.title,
            "start": event.start.astimezone(tz).isoformat(timespec="minutes"),
            "seats": event.seats,
            "cancelled": event.is_cancelled,
        },
        "going": sum(1 for a in people if a.state is RsvpState.GOING),
        "waitlist": sum(1 for a in people if a.state is RsvpState.WAITLIST),
        "attendees": rows,
    }
