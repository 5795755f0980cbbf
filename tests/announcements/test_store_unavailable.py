"""A database that cannot be reached is retried, then reported clearly, password hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.announce.service import AnnouncementService
from bot.calendar.source import CalendarSource
from bot.config import Settings
from bot.store.store import StoreUnavailable
from tests.conftest import SHIPPED_EVENTS

DEAD = "postgresql+psycopg://meetup:s3cret-pw@127.0.0.1:1/nowhere"


async def test_unreachable_database_is_retried_then_reported(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(events_file=SHIPPED_EVENTS, database_url=DEAD)
    service = AnnouncementService(settings, CalendarSource.from_file(SHIPPED_EVENTS))
    with pytest.raises(StoreUnavailable) as info:
        await service.open(attempts=3, first_delay=0.01)
    message = str(info.value)
    assert message.startswith("cannot reach the database postgresql+psycopg://meetup:***@127.0.0.1:1/nowhere")
    assert "s3cret-pw" not in message
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2 and all("s3cret-pw" not in r for r in retries)
    await service.stop()  # nothing was opened: stopping is harmless


def test_database_password_is_a_secret_for_redaction(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgres://u:pa55word@db.example:5432/x"})
    assert "pa55word" in settings.secrets()
    assert settings.database_url.startswith("postgresql+psycopg://")
