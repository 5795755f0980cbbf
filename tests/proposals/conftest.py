"""Fixtures for the proposal tests: an editable copy of events.yaml, a database (a SQLite file, or
a fresh PostgreSQL schema when TEST_DATABASE_URL is set), and the core as `meetup-bot run`
assembles it on them."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.platforms import service_accounts
from bot.assembly import Core, assemble
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Reply
from bot.config import Settings
from bot.proposals.model import Kind, Proposal, Status
from bot.store.store import Store
from tests.conftest import SHIPPED_EVENTS
from tests.fakes.clock import FixedClock
from tests.own_database import DATABASES, own_database

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # before the shipped 2027-01-19 meetup
MEETUP = "2027-01-19-fast-packets"
ORGANISER = UserRef("telegram", "42", "Olga Organiser")
PROPOSER = UserRef("telegram", "4242", "Ada")
ORG_CHAT = "telegram:-100999"


@pytest.fixture
def events(tmp_path: Path) -> Path:
    """The shipped events.yaml, copied so accepting may edit it; organisers' chat set."""
    path = tmp_path / "events.yaml"
    shutil.copy(SHIPPED_EVENTS, path)
    return path


def set_organisers_chat(path: Path, chat: str) -> None:
    body = path.read_text(encoding="utf-8")
    path.write_text(body.replace("\n  announce: []\n", f"\n  announce: []\n  organisers_chat: {chat}\n", 1))


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for the bot: a SQLite file, or its own schema on TEST_DATABASE_URL."""
    yield from own_database(request.param, tmp_path, "prop")


def build(events: Path, db: str, clock: FixedClock, **settings: Any) -> Core:
    """The core as the app builds it, on this file and database, with its store open."""
    settings.setdefault("service_accounts", service_accounts())  # as tests.conftest.assemble_core does
    config = Settings(database_url=db, scheduler_enabled=False, **settings)
    core = assemble(config, CalendarSource.from_file(events), clock)
    core.announcements.store.create()
    return core


class RecordingSender:
    """The far side of the Sender protocol, for in-process tests of the notices."""

    def __init__(self, platform: str = "telegram") -> None:
        self.platform = platform
        self.sent: list[tuple[ChatRef, Reply]] = []

    async def send(self, chat: ChatRef, reply: Reply) -> Any:
        from bot.announce.outbound import SendReceipt

        self.sent.append((chat, reply))
        return SendReceipt(chat, (str(len(self.sent)),))

    def to(self, chat_id: str) -> list[str]:
        return [r.plain_text() for c, r in self.sent if c.chat_id == chat_id]


@dataclass
class Chat:
    """An assembled core spoken to in-process, as a chat would."""

    core: Core
    clock: FixedClock
    sender: RecordingSender

    async def say(self, text: str, user: UserRef = PROPOSER, chat: ChatRef | None = None, **extra: Any) -> str:
        chat = chat or ChatRef(user.platform, user.user_id, is_private=True)
        message = IncomingMessage(chat=chat, sender=user, text=text, received_at=self.clock(), **extra)
        return "\n".join(r.plain_text() for r in await self.core.bot.handle(message))

    async def replies(self, text: str, user: UserRef = PROPOSER, **extra: Any) -> list[Reply]:
        chat = extra.pop("chat", None) or ChatRef(user.platform, user.user_id, is_private=True)
        message = IncomingMessage(chat=chat, sender=user, text=text, received_at=self.clock(), **extra)
        return await self.core.bot.handle(message)

    async def propose(self, title: str = "XDP for beginners", user: UserRef = PROPOSER) -> str:
        for line in ("/propose", title, "What XDP is, and how to start.", "Ada Lovelace", "english"):
            await self.say(line, user)
        return await self.say("yes", user)


@pytest.fixture
async def chat(events: Path, db_url: str) -> Chat:
    set_organisers_chat(events, ORG_CHAT)
    clock = FixedClock(NOW)
    core = build(events, db_url, clock, organisers=("telegram:42",))
    sender = RecordingSender()
    core.announcements.delivery.senders = {"telegram": sender}
    return Chat(core, clock, sender)


SECOND_ORGANISER = UserRef("telegram", "43", "Dana")


def seed_talk(core: Core, title: str, proposer: UserRef) -> Proposal:
    """A talk proposal stored as `yes` stores one (the decision races start from it)."""
    talk = Proposal(
        0,
        Kind.TALK,
        Status.NEW,
        title,
        proposer.key,
        NOW,
        from_name=proposer.display_name,
        abstract="What it covers.",
        speaker=proposer.display_name,
        language="English",
    )
    return core.announcements.store.proposals.add(talk)


def seed_talk_row(store: Store, title: str, n: int) -> Proposal:
    """A talk proposal from a proposer of its own (`telegram:<5000 + n>`), straight into the store."""
    user = UserRef("telegram", str(5000 + n), f"Speaker {n}")
    talk = Proposal(
        0, Kind.TALK, Status.NEW, title, user.key, NOW, from_name=user.display_name, speaker=user.display_name
    )
    return store.proposals.add(talk)


@pytest.fixture
async def pair(events: Path, db_url: str) -> AsyncIterator[tuple[Chat, Chat]]:
    """Two cores on one database and one events.yaml, each with its own store (engine), calendar
    source and writer: what two bot processes share. Two organisers."""
    set_organisers_chat(events, ORG_CHAT)
    chats = []
    for _ in range(2):
        clock = FixedClock(NOW)
        core = build(events, db_url, clock, organisers=(ORGANISER.key, SECOND_ORGANISER.key))
        sender = RecordingSender()
        core.announcements.delivery.senders = {"telegram": sender}
        chats.append(Chat(core, clock, sender))
    try:
        yield chats[0], chats[1]
    finally:
        for c in chats:
            c.core.announcements.store.close()
