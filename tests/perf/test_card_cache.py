"""The /next card is built once per meetup and calendar (bot/chat/views.py `event_card`), its
rendering kept per block (adapters/telegram/render.py): what changes is always fresh. The RSVP
count is read on every /next, an edit of events.yaml shows at once, and so does the passing
of time ("in 3 days", then "in 2 days")."""

from __future__ import annotations

import asyncio
import copy
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.telegram.render import TelegramText, render
from bot.assembly import Core, assemble
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.config import Settings
from bot.rsvp.model import Person
from bot.store.store import Store
from tests.conftest import ROOT

EVENTS = ROOT / "tests" / "telegram" / "events.yaml"
MEETUP = "2027-03-02-escaping"
NOW = datetime(2027, 2, 27, 9, 0, tzinfo=UTC)  # three days before the meetup


@pytest.fixture
def core(tmp_path: Path) -> Iterator[tuple[Core, Store, Path]]:
    events = tmp_path / "events.yaml"
    shutil.copy(EVENTS, events)
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    built = assemble(Settings(database_url=url, scheduler_enabled=False), CalendarSource.from_file(events))
    other = Store(url)  # a second bot process on the same database
    asyncio.run(built.announcements.open())
    try:
        yield built, other, events
    finally:
        other.close()


def next_card(core: Core, now: datetime) -> str:
    message = IncomingMessage(
        ChatRef("telegram", "1", is_private=True), UserRef("telegram", "1"), "/next", now, command="next"
    )
    core.bot.clock = lambda: now
    [reply] = asyncio.run(core.bot.handle(message))
    [part] = render(reply)  # through the Telegram renderer and its kept blocks
    assert isinstance(part, TelegramText)
    fresh = replace(reply, blocks=tuple(copy.copy(block) for block in reply.blocks))  # blocks never rendered
    assert render(fresh) == [part]  # the kept rendering is what rendering anew gives
    return part.plain


def test_the_count_is_read_fresh_under_a_kept_card(core: tuple[Core, Store, Path]) -> None:
    bot, other, _ = core
    assert "👥 0 going" in next_card(bot, NOW)
    for n, user in enumerate("abc", 1):
        other.rsvp.answer(MEETUP, Person("telegram", user), True, None, NOW)
        assert f"👥 {n} going" in next_card(bot, NOW)
    other.rsvp.answer(MEETUP, Person("telegram", "a"), False, None, NOW)
    assert "👥 2 going" in next_card(bot, NOW)


def test_time_passing_and_an_edit_of_the_calendar_show_at_once(core: tuple[Core, Store, Path]) -> None:
    bot, _, events = core
    first = next_card(bot, NOW)
    assert "(in 3 days)" in first
    assert next_card(bot, NOW + timedelta(minutes=5)) == first  # the same card, kept
    assert "(in 2 days)" in next_card(bot, NOW + timedelta(days=1))
    text = events.read_text()
    events.write_text(text.replace("title: Tags <b>& ampersands</b> in titles", "title: A new title"))
    assert bot.bot.source.reload()
    edited = next_card(bot, NOW)
    assert "A new title" in edited and "ampersands" not in edited
