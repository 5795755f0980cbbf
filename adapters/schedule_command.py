"""`meetup-bot schedule [--days N]`: a dry run of the reminders and calls ahead.

Lists every reminder and call the bot will post in the next N days, in the community's local
time, with the chats they go to (ANNOUNCE_CHATS or events.yaml, plus /subscribe'd chats when
the store is reachable). Sends nothing, writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.announce.delivery import targets
from bot.announce.rules import due_between
from bot.calendar.loader import CalendarError
from bot.calendar.source import CalendarSource
from bot.clock import system_clock
from bot.config import Settings
from bot.store.store import Store, Subscription


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schedule", help="dry run: every reminder and call due in the next N days")
    p.add_argument("--days", type=int, default=14, help="how many days ahead (default 14)")
    p.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    p.add_argument("--from", dest="start", help="start of the window, ISO date and time (default: now)")
    p.set_defaults(func=cmd_schedule)


def read_subscriptions(settings: Settings) -> tuple[list[Subscription], str]:
    """Subscriptions from the store, without creating one that does not exist."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return [], "no store yet"
    store = Store(url)
    try:
        return store.subscriptions(), f"{store.dialect} store"
    except Exception as exc:  # a store not yet created, or unreachable: say so, still list
        return [], f"store not readable ({type(exc).__name__})"
    finally:
        store.close()


def cmd_schedule(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    events = Path(args.events) if args.events else settings.events_file
    try:
        source = CalendarSource.from_file(events)
    except CalendarError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    calendar = source.current
    community = calendar.community
    tz = community.timezone
    start = datetime.fromisoformat(args.start) if args.start else system_clock()
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    start = start.astimezone(UTC)
    end = start + timedelta(days=args.days)
    configured = settings.announce_chats if settings.announce_chats is not None else community.announce
    subs, where = read_subscriptions(settings)
    chats = targets(configured, subs)
    source_name = "ANNOUNCE_CHATS" if settings.announce_chats is not None else f"{events} community.announce"
    print(
        f"Announcements from {start.astimezone(tz):%a %d %b %Y %H:%M} to {end.astimezone(tz):%a %d %b %Y %H:%M} "
        f"({tz.key})"
    )
    print(f"Target chats ({len(chats)}; from {source_name} and the {where}):")
    for chat in chats:
        print(f"  {chat.key}" + (f"  ({chat.title})" if chat.title else ""))
    if not chats:
        print("  none: set community.announce in events.yaml or ANNOUNCE_CHATS, or /subscribe a chat")
    plan = due_between(calendar, start, end)
    print(f"{len(plan)} announcement(s):")
    for a in plan:
        local = a.due.astimezone(tz)
        about = a.event.title if a.event else ""
        print(f"  {local:%a %d %b %Y %H:%M %Z}  {a.kind.value:<8}  {about}  [{a.key}] -> {len(chats)} chat(s)")
    return 0
