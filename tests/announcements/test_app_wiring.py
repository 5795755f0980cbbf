"""The composition root runs announcements: store created, the started adapters as senders,
/cfp replaced, the scheduler's catch-up posting a due reminder through the console adapter."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import UTC, datetime
from pathlib import Path

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.config import Settings
from bot.store.store import SENT, Store
from tests.conftest import COMMUNITY_YAML
from tests.fakes import PATIENCE
from tests.fakes.clock import FixedClock


async def test_app_posts_a_due_reminder_to_the_console_once(tmp_path: Path) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(
        COMMUNITY_YAML + "events:\n  - {id: m, title: Fast Packets, start: 2027-01-19 19:00}\n", encoding="utf-8"
    )
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    settings = Settings(events_file=events, database_url=db, announce_chats=("console:local",))
    read_fd, write_fd = os.pipe()
    stdin, stdout = os.fdopen(read_fd), io.StringIO()
    clock = FixedClock(datetime(2027, 1, 18, 9, 0, tzinfo=UTC))  # an hour after the reminder was due
    app = App(settings, CalendarSource.from_file(events), clock=clock, stdin=stdin, stdout=stdout)
    assert app.registry.get("cfp") is not None and app.registry.get("subscribe") is not None
    run = asyncio.create_task(app.run())
    try:
        for _ in range(100):
            if "⏰ Reminder: Fast Packets" in stdout.getvalue():
                break
            await asyncio.sleep(0.05)
    finally:
        os.close(write_fd)  # end of input: the console adapter stops the app
        assert await asyncio.wait_for(run, PATIENCE) == 0
        stdin.close()
    out = stdout.getvalue()
    assert out.count("[to console:local]\n⏰ Reminder: Fast Packets") == 1
    store = Store(db)
    assert [(r.chat_key, r.state) for r in store.ledger_rows()] == [("console:local", SENT)]
    store.close()
