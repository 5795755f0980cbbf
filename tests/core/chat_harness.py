"""The core as `meetup-bot run` assembles it, with its store opened on a temporary SQLite file,
and a way to type one line into it."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from bot.assembly import assemble
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Reply
from bot.config import Settings
from tests.conftest import SHIPPED_EVENTS
from tests.fakes.clock import FixedClock

CHAT = ChatRef("telegram", "42", is_private=True)
USER = UserRef("telegram", "42")


async def ask_all(text: str, now: datetime, source: CalendarSource | None = None) -> list[Reply]:
    """Every reply to `text`, typed in a private chat at `now` (the shipped events.yaml by default)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bot.sqlite3'}", scheduler_enabled=False)
        core = assemble(settings, source or CalendarSource.from_file(SHIPPED_EVENTS), FixedClock(now))
        await core.announcements.open()
        try:
            return await core.bot.handle(IncomingMessage(chat=CHAT, sender=USER, text=text, received_at=now))
        finally:
            core.announcements.store.close()
