"""`meetup-bot schedule [--days N]`: a dry run of the reminders, calls and new-meetup posts ahead.

Lists every reminder, call and new-meetup post the bot will make in the next N days, in the
community's local time, with the chats they go to (ANNOUNCE_CHATS or events.yaml, plus
/subscribe'd chats when the store is reachable). Sends nothing, writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect

from adapters.terminal_text import for_terminal
from bot.announce.delivery import targets
from bot.announce.rules import due_between, new_meetups, unseen
from bot.announce.scheduler import Timing
from bot.calendar.loader import CalendarError
from bot.calendar.source import CalendarSource
from bot.chat.views import short_time
from bot.clock import system_clock
from bot.config import Settings
from bot.store.store import Store, Subscription
from bot.wording import plural

MAX_DAYS = 3660  # ten years ahead is already more than any calendar plans


def days(text: str) -> int:
    """--days: a whole number of days from 1 to MAX_DAYS."""
    raw = text.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"expected a whole number of days from 1 to {MAX_DAYS}, got {text[:40]!r}")
    return int(raw)


def start_time(text: str) -> datetime:
    """--from: an ISO date, or date and time, optionally with a UTC offset."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date and time such as 2027-01-18T10:00, got {text[:40]!r}"
        ) from None


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schedule", help="dry run: every reminder, call and new-meetup post in the next N days")
    p.add_argument("--days", type=days, default=14, help=f"how many days ahead, 1 to {MAX_DAYS} (default 14)")
    p.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    p.add_argument(
        "--from", dest="start", type=start_time, help="start of the window, ISO date and time (default: now)"
    )
    p.set_defaults(func=cmd_schedule)


def read_subscriptions(settings: Settings) -> tuple[list[Subscription], str, str | None]:
    """Subscriptions from the store, without creating one that does not exist: the chats, the
    store they came from ("the sqlite store"), and, when they cannot be read, why and what to do."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return [], "", f"no store yet at {url.removeprefix('sqlite:///')}; `meetup-bot run` creates it"
    store = Store(url)
    try:
        if not inspect(store.engine).has_table(store.subs.name):  # the worker has never started
            return [], "", f"the {store.dialect} store has no tables yet: `meetup-bot run` creates them when it starts"
        return store.subscriptions(), f"the {store.dialect} store", None
    except Exception as exc:  # unreachable or refused: say so, still list the configured chats
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:200]
        return [], "", f"cannot read the {store.dialect} store ({type(exc).__name__}: {reason})"
    finally:
        store.close()


def read_first_seen(settings: Settings) -> tuple[dict[str, datetime] | None, set[str]]:
    """When the store first saw each new meetup confirmed, and every meetup it knows (None: no
    store, or it never saw the calendar, so its first start takes every meetup in it as known).
    Creates nothing."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None, set()
    store = Store(url)
    try:
        if not inspect(store.engine).has_table(store.known.table.name):
            return None, set()
        return store.known.first_seen(), store.known.known()
    except Exception:  # read_subscriptions already says why the store cannot be read
        return None, set()
    finally:
        store.close()


def cmd_schedule(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    from adapters.calendar_files import calendar_path

    events = calendar_path(args.events, settings.env)  # CALENDAR_REPO: fetched now
    try:
        source = CalendarSource.from_file(events)
    except CalendarError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    calendar = source.current
    community = calendar.community
    tz = community.timezone
    start: datetime = args.start or system_clock()
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    try:
        start = start.astimezone(UTC)
        end = start + timedelta(days=args.days)
        end.astimezone(tz)
    except OverflowError:
        print("meetup-bot schedule: --from and --days reach outside the years 1 to 9999", file=sys.stderr)
        return 2
    configured = settings.announce_chats if settings.announce_chats is not None else community.announce
    subs, store_name, unread = read_subscriptions(settings)
    chats = targets(configured, subs)
    source_name = "ANNOUNCE_CHATS" if settings.announce_chats is not None else f"{events} community.announce"
    print(f"Announcements from {short_time(start, tz)} to {short_time(end, tz)} ({tz.key})")
    print(f"Target chats ({len(chats)}, from {source_name}{f' and {store_name}' if store_name else ''}):")
    for chat in chats:
        # A chat's title is whatever its members named it: no escape sequences reach the terminal.
        print(f"  {chat.key}" + (f"  ({for_terminal(chat.title)})" if chat.title else ""))
    if not chats:
        print("  none: set community.announce in events.yaml or ANNOUNCE_CHATS, or /subscribe a chat")
    if unread:
        print(f"  chats that used /subscribe are not included: {unread}")
    # New meetups: as the bot's next look at events.yaml would record them.
    first_seen = unseen(calendar, *read_first_seen(settings), start)
    news = new_meetups(calendar, first_seen, start - timedelta(microseconds=1), end, Timing().grace)
    plan = sorted(due_between(calendar, start, end) + news, key=lambda a: (a.due, a.key))
    if not plan:
        print(f"Nothing due in the next {plural(args.days, 'day')}.")
        return 0
    print(f"{plural(len(plan), 'announcement')}:")
    for a in plan:
        when = f"{short_time(a.due, tz)} {a.due.astimezone(tz).tzname()}"  # as the chat shows times
        about = a.event.title if a.event else ""
        print(f"  {when}  {a.kind.value:<8}  {about}  [{a.key}] -> {plural(len(chats), 'chat')}")
    return 0
