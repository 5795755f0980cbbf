"""Fixtures shared by every test package."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from adapters.platforms import service_accounts
from bot.assembly import Core, assemble
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.source import CalendarSource
from bot.clock import Clock
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_EVENTS = ROOT / "events.yaml"

COMMUNITY_YAML = """\
community:
  name: Test Kernel Meetup
  short_name: TKM
  timezone: Asia/Jerusalem
  language: Hebrew
  call_for_speakers:
    topics: [eBPF, XDP]
    how_to_submit: Message the organisers.
"""


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read or write the user's calendar cache (subprocesses inherit this too);
    # tests/core/test_calendar_cache.py points it at a temporary directory.
    os.environ["MEETUP_BOT_CACHE"] = "off"


def calendar_from_yaml(body: str, *, community: str = COMMUNITY_YAML) -> Calendar:
    """A Calendar from a community block plus the given YAML (dedented)."""
    return Calendar(parse_calendar(community + textwrap.dedent(body), "test.yaml"))


def assemble_core(source: CalendarSource, clock: Clock, **settings: Any) -> Core:
    """The core exactly as `meetup-bot run` assembles it (every command), with its store opened
    as the app opens it before any adapter starts: a SQLite file in a fresh temporary folder
    unless `database_url` is given."""
    settings.setdefault("service_accounts", service_accounts())  # as the app adds the adapters' own
    if "database_url" not in settings:
        folder = tempfile.mkdtemp(prefix="meetup-bot-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the test session's end
        settings["database_url"] = f"sqlite:///{Path(folder) / 'bot.sqlite3'}"
    core = assemble(Settings(scheduler_enabled=False, **settings), source, clock)
    core.announcements.store.create()
    return core


@pytest.fixture
def shipped_events() -> Path:
    return SHIPPED_EVENTS
