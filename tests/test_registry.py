"""One registry: the commands the app runs are the commands every platform test drives."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.chat.commands import Command, CommandRegistry
from bot.config import Settings
from tests.conftest import SHIPPED_EVENTS
from tests.slack.conftest import Gate
from tests.slack.conftest import bot as slack_bot_fixture
from tests.telegram.conftest import build_core as telegram_core

# Hidden probes that the platform tests add on top of the app's commands.
PROBES = {"adminprobe", "slow", "icsfile"}


def graph(commands: Iterable[Command]) -> list[tuple[Any, ...]]:
    """What makes two registries answer alike: every field, and which function handles it."""
    return [
        (
            c.name,
            c.help,
            c.usage,
            c.aliases,
            c.hidden,
            c.organisers_only,
            c.needs_admin,
            handler_code(c.handler),
        )
        for c in commands
        if c.name not in PROBES
    ]


def handler_code(handler: Any) -> Any:
    """The code that answers: through bound methods, `functools.partial` and wrappers."""
    while True:
        if isinstance(handler, partial):
            handler = handler.func
        elif hasattr(handler, "__func__"):
            handler = handler.__func__
        elif hasattr(handler, "__wrapped__"):
            handler = handler.__wrapped__
        else:
            return handler.__code__


@pytest.fixture
def app_registry(tmp_path: Path) -> CommandRegistry:
    settings = Settings(events_file=SHIPPED_EVENTS, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return App(settings, CalendarSource.from_file(SHIPPED_EVENTS)).registry


def test_telegram_tests_drive_the_apps_commands(app_registry: CommandRegistry) -> None:
    assert graph(telegram_core().registry) == graph(app_registry)


def test_slack_tests_drive_the_apps_commands(app_registry: CommandRegistry) -> None:
    slack = slack_bot_fixture.__wrapped__(Gate())  # type: ignore[attr-defined]
    assert graph(slack.registry) == graph(app_registry)


def test_a_second_command_of_the_same_name_is_refused(app_registry: CommandRegistry) -> None:
    talks = app_registry.get("talks")
    assert talks is not None
    with pytest.raises(ValueError, match="already registered"):
        app_registry.add(talks)
    with pytest.raises(ValueError, match="already registered"):
        app_registry.add(Command("calendar", "an alias's name", talks.handler))
