"""What the settings tests share: a machine's environment cleared of the bot's settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import COMMUNITY_YAML

EVENTS = COMMUNITY_YAML + "events:\n  - {id: spring, title: Spring Meetup, start: 2027-03-27 19:00}\n"


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No platform tokens or settings from the machine running the tests; a small events file."""
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL", "PORT", "PUBLIC_URL", "LOG_LEVEL", "EVENTS_FILE")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    events = tmp_path / "events.yaml"
    events.write_text(EVENTS, encoding="utf-8")
    return events
