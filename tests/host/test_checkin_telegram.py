"""Check-in at the door on Telegram, through `meetup-bot run`'s App and the real adapter against
the fake Bot API: a person going gets a QR photo of the bot's deep link (the username from getMe)
and the token in text; an organiser opening that link checks them in; a member opening it changes
nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import BOT_USERNAME, FakeBotApi, SentMessage
from tests.host.conftest import CALENDAR, NOW, open_store, qr_text_is

TOKEN = "123456:AAtest-Token_x9"
ORGANISER, MEMBER, OTHER = 42, 1001, 1002


@dataclass
class Running:
    app: App
    api: FakeBotApi
    db: Path

    async def say(self, text: str, user: int, **kwargs: object) -> list[SentMessage]:
        """A private message from `user`; what the bot sent back to that chat (at least one)."""
        before = len([s for s in self.api.sent if s.chat_id == user])
        self.api.user_message(text, chat_id=user, user_id=user, **kwargs)
        await self.api._wait_for(lambda: len([s for s in self.api.sent if s.chat_id == user]) > before, 10)
        return [s for s in self.api.sent if s.chat_id == user][before:]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Running]:
    events = tmp_path / "events.yaml"
    events.write_text(CALENDAR, encoding="utf-8")
    db = tmp_path / "bot.sqlite3"
    async with FakeBotApi(TOKEN) as api:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
        settings = Settings(events_file=events, database_url=f"sqlite:///{db}", scheduler_enabled=False, env=env)
        app = App(settings, CalendarSource.from_file(events), FixedClock(NOW))
        running = asyncio.create_task(app.run())
        try:
            await asyncio.wait_for(app.ready.wait(), 10)
            yield Running(app, api, db)
        finally:
            app.stopping.set()
            assert await asyncio.wait_for(running, 30) == 0


async def test_the_code_is_a_qr_photo_an_organiser_scan_checks_in_and_a_member_scan_changes_nothing(
    bot: Running,
) -> None:
    api = bot.api
    await bot.say("/going tower-night", MEMBER, first_name="Dana")
    await api._wait_for(lambda: any(s.method == "sendPhoto" and s.chat_id == MEMBER for s in api.sent), 10)
    [photo] = [s for s in api.sent if s.method == "sendPhoto"]
    token = re.search(r"Check-in code: (\S+)", photo.caption or "")
    assert token is not None and len(token.group(1)) >= 20
    code = token.group(1)
    assert photo.document is not None and photo.document.startswith(b"\x89PNG")
    assert qr_text_is(photo.document, f"https://t.me/{BOT_USERNAME}?start=in-{code}")
    text = [s.text or "" for s in api.sent if s.chat_id == MEMBER and s.method == "sendMessage"]
    assert any(code in t for t in text)  # the token in text too, for typing by hand
    await bot.say("Dana Levi", MEMBER)  # the venue needs full names: the member was asked

    [refused] = await bot.say(f"/start in-{code}", OTHER)  # a member scans it
    assert "only the community's organisers can check people in" in (refused.text or "")
    store = open_store(bot.db)
    try:
        assert store.guests.came(["tower-night"]) == {}
    finally:
        store.close()

    [done] = await bot.say(f"/start in-{code}", ORGANISER)
    assert (done.text or "") == "✅ Dana Levi is in — 1 of 1."
    [again] = await bot.say(f"/start in-{code}", ORGANISER)
    assert "Dana Levi was checked in already (at 10:00) — 1 of 1." in (again.text or "")
    [unknown] = await bot.say("/start in-AAAAAAAAAAAAAAAAAAAAAA", ORGANISER)
    assert "not one of mine" in (unknown.text or "")
