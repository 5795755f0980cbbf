"""`meetup-bot attendees <meetup> --format csv|json`: the guest list for the host's front desk.

Reads the answers from the store (DATABASE_URL, or the SQLite file `meetup-bot run` uses):
everyone going, in the order they answered, then the waitlist, with name, platform, username
and when they answered (in the community's timezone). Writes nothing; a store that does not
exist yet simply has no answers. The store is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.calendar.calendar import Calendar
    from bot.calendar.model import Event
    from bot.config import Settings
    from bot.rsvp.model import Attendee

FIELDS = ("status", "name", "platform", "username", "user_id", "answered_at")


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
    events_file = Path(args.events) if args.events else settings.events_file
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
        people = read_attendees(settings, event.id)
    except StoreUnavailable as error:
        print(f"cannot read the answers: {error}", file=sys.stderr)
        return 1
    from bot.rsvp.model import RsvpState

    people = [a for a in people if args.all or a.state is not RsvpState.NOT_GOING]
    order = {RsvpState.GOING: 0, RsvpState.WAITLIST: 1, RsvpState.NOT_GOING: 2}
    people.sort(key=lambda a: (order[a.state], a.seq))
    rows = [row(a, calendar) for a in people]
    if args.format == "json":
        json.dump(document(event, calendar, people, rows), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return 0


def find(calendar: Calendar, key: str, now: Any) -> Event | None:
    from bot.chat.handlers import small_number  # ASCII digits only: "²" and "①" are not numbers

    if key.isascii() and key.isdigit():
        number = small_number(key)
        upcoming = calendar.upcoming(now)
        return upcoming[number - 1] if number is not None and 1 <= number <= len(upcoming) else None
    return calendar.get(key)


def read_attendees(settings: Settings, event_id: str) -> list[Attendee]:
    from bot.store.store import Store

    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []  # the bot has not run here yet: nobody has answered
    store = Store(url)
    try:
        store.create()  # a store from before RSVP existed gets its (empty) tables
        return store.rsvp.attendees(event_id)
    finally:
        store.close()


def row(attendee: Attendee, calendar: Calendar) -> dict[str, str]:
    person = attendee.person
    return {
        "status": attendee.state.value,
        "name": person.name or "",
        "platform": person.platform,
        "username": person.username or "",
        "user_id": person.user_id,
        "answered_at": attendee.answered_at.astimezone(calendar.community.timezone).isoformat(timespec="seconds"),
    }


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
