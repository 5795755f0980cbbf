"""RSVP in a Telegram group, through `meetup-bot run`'s App and the real adapter against the fake
Bot API with Telegram's flood limits on (edits count too): presses update the card's count in
place, capacity gives a waitlist, a cancelled answer promotes the first waiting and tells them
privately, and a burst of 200 presses gives exact counts with no 429."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.config import Settings
from bot.rsvp.model import RsvpState
from bot.store.store import Store
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import FakeBotApi, SentMessage
from tests.rsvp.conftest import CALENDAR, NOW

TOKEN = "123456:AAtest-Token_x9"
GROUP = -1001234567890
GOING, NOT_GOING = "✅ Going", "🚫 Can't go"


class Running:
    def __init__(self, app: App, api: FakeBotApi, db: Path) -> None:
        self.app, self.api, self.db = app, api, db

    async def card(self, command: str) -> SentMessage:
        before = len(self.api.sent)
        self.api.user_message(command, chat_id=GROUP)
        sent = await self.api.wait_sent(before + 1)
        return sent[before]

    async def shows(self, card: SentMessage, text: str, *, without: str = "\0", within: float = 30.0) -> None:
        """Wait until the card (as edited on the server) shows `text` and not `without`."""
        await self.api._wait_for(lambda: text in (card.text or "") and without not in (card.text or ""), within)

    def states(self, event_id: str) -> dict[int, RsvpState]:
        """Each person's answer, in order of arrival."""
        store = Store(f"sqlite:///{self.db}")
        try:
            return {int(a.person.user_id): a.state for a in store.rsvp.attendees(event_id)}
        finally:
            store.close()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Running]:
    events = tmp_path / "events.yaml"
    events.write_text(CALENDAR, encoding="utf-8")
    db = tmp_path / "bot.sqlite3"
    async with FakeBotApi(TOKEN, enforce_limits=True) as api:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
        settings = Settings(events_file=events, database_url=f"sqlite:///{db}", scheduler_enabled=False, env=env)
        app = App(settings, CalendarSource.from_file(events), FixedClock(NOW))
        running = asyncio.create_task(app.run())
        try:
            await api.wait_calls("getUpdates")
            yield Running(app, api, db)
        finally:
            app.stopping.set()
            assert await asyncio.wait_for(running, 30) == 0


async def test_presses_from_several_people_fill_seats_then_the_waitlist(bot: Running) -> None:
    api = bot.api
    card = await bot.card("/next")
    assert "0 going · 2 seats" in (card.text or "")
    for user in (1, 2, 3):
        api.press(card, GOING, user_id=1000 + user, first_name=f"P{user}", username=f"p{user}")
    await api._wait_for(lambda: len(api.answers) == 3, 10)
    assert sum("on the waitlist" in a["text"] for a in api.answers) == 1  # answered to the presser only
    await bot.shows(card, "2 going · full · 1 on the waitlist")
    states = bot.states("tiny")
    assert list(states.values()) == [RsvpState.GOING, RsvpState.GOING, RsvpState.WAITLIST]
    leaving, _, waiting = states  # presses are handled concurrently: any order of arrival

    api.press(card, NOT_GOING, user_id=leaving)
    await api._wait_for(lambda: any(s.chat_id == waiting for s in api.sent), 10)
    [private] = [s for s in api.sent if s.chat_id == waiting]
    assert "A seat freed up" in (private.text or "")
    await bot.shows(card, "2 going · full", without="waitlist")
    assert api.rejected_429 == 0


async def test_a_burst_of_200_presses_gives_exact_counts_and_no_429(bot: Running) -> None:
    api = bot.api
    card = await bot.card("/event open")
    for user in range(200):
        api.press(card, GOING, user_id=5000 + user, first_name=f"U{user}")
    for user in range(0, 200, 4):  # some press twice: still one answer each
        api.press(card, GOING, user_id=5000 + user, first_name=f"U{user}")
    await api._wait_for(lambda: len(api.answers) == 250, 60)
    await bot.shows(card, "👥 200 going")
    assert list(bot.states("open").values()) == [RsvpState.GOING] * 200
    assert api.rejected_429 == 0
    edits = len(api.calls_of("editMessageText"))
    print(f"burst: 250 presses, {edits} edits, {api.rejected_429} 429s")
    assert 1 <= edits <= 10, edits  # throttled: a handful of edits, not 250
