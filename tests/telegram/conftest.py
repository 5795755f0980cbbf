"""Fixtures for the Telegram tests: the fake Bot API on loopback and our adapter driven by PTB."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.telegram.adapter import TelegramAdapter, TelegramOptions
from bot.calendar.source import CalendarSource
from bot.chat.commands import Command, Request
from bot.chat.core import Bot
from bot.chat.messages import ChatRef
from bot.chat.reply import Attachment, Reply, paragraph, text_reply
from tests.conftest import assemble_core
from tests.fakes import PATIENCE
from tests.fakes.telegram_api import FakeBotApi

TOKEN = "123456:AAtest-Token_x9"  # shaped like a real token, short
GROUP = -1001234567890
NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
EVENTS = Path(__file__).with_name("events.yaml")
# Generous timeouts (the fake answers at once unless told not to, so they cost nothing, and a busy
# machine cannot make start-up's getMe time out); a short long-poll and backoff keep stopping and
# failure tests quick (a test of a timeout sets its own). One update at a time keeps the order of
# replies (and so "nothing was sent for that one") deterministic; a burst of 15 lets a test send
# a handful of messages to one group without waiting for the per-group pacing.
FAST = TelegramOptions(
    connect_timeout=PATIENCE,
    read_timeout=PATIENCE,
    write_timeout=PATIENCE,
    pool_timeout=PATIENCE,
    poll_timeout=1,
    concurrent_updates=1,
    backoff=0.05,
    max_retry_after=5,
    pace_burst=15,
    pace_overall_burst=15,
)


class RecordingStatus:
    """A ChatStatusListener that remembers what the adapter told it."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    async def chat_joined(self, chat: ChatRef) -> None:
        self.events.append(("joined", chat.chat_id))

    async def chat_inactive(self, chat: ChatRef, reason: str) -> None:
        self.events.append(("inactive", chat.chat_id, reason))

    async def chat_moved(self, old: ChatRef, new: ChatRef) -> None:
        self.events.append(("moved", old.chat_id, new.chat_id))


def build_core() -> Bot:
    core = assemble_core(CalendarSource.from_file(EVENTS), lambda: NOW)
    registry = core.registry

    async def whoami(req: Request) -> Reply:
        return text_reply(f"admin={req.message.sender.is_chat_admin} user={req.message.sender.user_id}")

    async def ics(req: Request) -> Reply:
        return Reply(
            (
                paragraph("Add it to your calendar:"),
                Attachment("meetup.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar", caption="Tags <b>&"),
            )
        )

    registry.add(Command("adminprobe", "Who am I to this chat", whoami, needs_admin=True, hidden=True))
    registry.add(Command("icsfile", "A calendar file", ics, hidden=True))
    return core.bot


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as fake:
        yield fake


@pytest.fixture
def status() -> RecordingStatus:
    return RecordingStatus()


@pytest.fixture
def core() -> Bot:
    return build_core()


Factory = Callable[..., Awaitable[TelegramAdapter]]


@pytest.fixture
async def make_adapter(api: FakeBotApi, core: Bot, status: RecordingStatus) -> AsyncIterator[Factory]:
    """Start an adapter against the fake; keyword arguments override TelegramOptions fields."""
    started: list[TelegramAdapter] = []

    async def make(start: bool = True, **overrides: object) -> TelegramAdapter:
        adapter = TelegramAdapter(
            TOKEN, core.registry, api_url=api.url, status=status, options=replace(FAST, **overrides)
        )  # type: ignore[arg-type]
        if start:
            await adapter.start(core.handle)
        started.append(adapter)
        return adapter

    yield make
    for adapter in started:
        await adapter.stop()


@pytest.fixture
async def telegram(make_adapter: Factory) -> TelegramAdapter:
    return await make_adapter()
