"""The RSVP tests' calendar and a core assembled as `meetup-bot run` assembles it, on a SQLite file.

Private messages go through the real Notifier to a RecordingSender (the far side of the Sender
protocol); the platform tests drive the real adapters against the local fake APIs instead.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.platforms import service_accounts
from bot.assembly import Core, assemble
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Reply
from bot.config import Settings
from bot.rsvp.service import RsvpService
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url, two_stores, unique_prefix
from tests.announcements.senders import RecordingSender
from tests.fakes.clock import FixedClock

CALENDAR = """\
community:
  name: Test Kernel Meetup
  short_name: TKM
  timezone: Asia/Jerusalem
  organisers: ["telegram:42"]
venues:
  small-room: {name: Small Room, capacity: 3}
events:
  - {id: tiny, title: Tiny Meetup, start: 2027-01-19 19:00, capacity: 2}
  - {id: roomy, title: Roomy Meetup, start: 2027-02-16 19:00, venue: small-room}
  - {id: open, title: Open Meetup, start: 2027-03-16 19:00}
  - {id: old, title: Old Meetup, start: 2026-11-10 19:00}
"""

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001", title="Kernel group")
ORGANISER = UserRef("telegram", "42", "Olga Organiser", "olga")


def person(n: int) -> UserRef:
    return UserRef("telegram", str(1000 + n), f"Person {n}", f"p{n}")


def calendar(body: str = CALENDAR) -> Calendar:
    return Calendar(parse_calendar(textwrap.dedent(body), "rsvp.yaml"))


@dataclass
class Chat:
    """The assembled core, spoken to as a chat would."""

    core: Core
    clock: FixedClock
    source: CalendarSource
    sender: RecordingSender

    @property
    def rsvp(self) -> RsvpService:
        assert self.core.rsvp is not None
        return self.core.rsvp

    async def replies(
        self, text: str, user: UserRef, chat: ChatRef = GROUP, *, pressed: bool = False, message_id: str | None = None
    ) -> list[Reply]:
        message = IncomingMessage(
            chat=chat, sender=user, text=text, received_at=self.clock(), pressed=pressed, message_id=message_id
        )
        return await self.core.bot.handle(message)

    async def say(self, text: str, user: UserRef, chat: ChatRef = GROUP) -> str:
        return "\n".join(r.plain_text() for r in await self.replies(text, user, chat))

    def private(self, user: UserRef) -> list[str]:
        """What was sent to the person's private chat."""
        return [text for key, text in self.sender.posted if key == f"{user.platform}:{user.user_id}"]


@contextlib.asynccontextmanager
async def assembled(source: CalendarSource, tmp_path: Path, now: datetime = NOW) -> AsyncIterator[Chat]:
    """The core on `source` and a SQLite file in `tmp_path`, as `meetup-bot run` assembles it,
    sending through a RecordingSender; private messages on their way are drained at the end."""
    clock = FixedClock(now)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        scheduler_enabled=False,
        service_accounts=service_accounts(),
    )
    core = assemble(settings, source, clock)
    await core.announcements.open()
    sender = RecordingSender("telegram")
    core.announcements.delivery.senders = {"telegram": sender}  # what start() does with the adapters
    try:
        yield Chat(core, clock, source, sender)
    finally:
        assert core.rsvp is not None
        await core.rsvp.drain()
        await core.announcements.stop()


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    async with assembled(CalendarSource(calendar()), tmp_path) as chat:
        yield chat


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database: what two bot processes share (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        url, prefix = f"sqlite:///{tmp_path / 'bot.sqlite3'}", "mb_"
    else:
        if not PG_URL:
            pytest.skip("TEST_DATABASE_URL is not set")
        url, prefix = pg_url(), unique_prefix()
    with two_stores(url, prefix) as pair:
        yield pair
