"""The composition root turns Telegram on from settings alone and runs it in its loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.telegram.adapter import TelegramAdapter
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes import PATIENCE
from tests.fakes.telegram_api import FakeBotApi
from tests.telegram.conftest import EVENTS, GROUP, TOKEN


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings(
        events_file=EVENTS, database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", scheduler_enabled=False, env=env
    )


def test_token_adds_telegram_and_drops_the_console(tmp_path: Path) -> None:
    source = CalendarSource.from_file(EVENTS)
    with_token = App(settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN), source).build_adapters()
    assert [type(a) for a in with_token] == [TelegramAdapter]
    without = App(settings(tmp_path), source).build_adapters()
    assert [type(a) for a in without] == [ConsoleAdapter]


async def test_app_answers_in_a_telegram_group(tmp_path: Path, api: FakeBotApi) -> None:
    app = App(settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url), CalendarSource.from_file(EVENTS))
    running = asyncio.create_task(app.run())
    try:
        await api.wait_calls("getUpdates")
        api.user_message("/next", chat_id=GROUP)
        [sent] = await api.wait_sent(1)
        assert sent.chat_id == GROUP and sent.parse_mode == "HTML"
    finally:
        app.stopping.set()
        assert await asyncio.wait_for(running, PATIENCE) == 0
