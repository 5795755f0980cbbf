"""The console end to end: `/going` in `meetup-bot run`, then `meetup-bot attendees <id>` lists
the console user; `/notgoing` removes them. The app and the CLI are the ones production runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from adapters.app import App
from adapters.cli import main
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes.clock import FixedClock
from tests.rsvp.conftest import CALENDAR, NOW


async def run_console(events: Path, lines: str) -> str:
    settings = Settings.from_env()
    out = io.StringIO()
    app = App(settings, CalendarSource.from_file(events), FixedClock(NOW), stdin=io.StringIO(lines), stdout=out)
    assert await app.run() == 0
    return out.getvalue()


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(CALENDAR, encoding="utf-8")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "DATABASE_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("EVENTS_FILE", str(path))
    monkeypatch.setenv("SCHEDULER", "off")
    return path


def attendees(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["attendees", *args]) == 0
    return capsys.readouterr().out


async def test_going_then_attendees_lists_the_console_user(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    said = await run_console(events, "/going\n/next\n")
    assert "You are going to Tiny Meetup" in said
    assert "👥 1 going · 2 seats" in said and "[✅ Going: /going tiny]" in said  # the card's buttons, as text

    listed = json.loads(attendees(capsys, "tiny", "--format", "json"))
    assert listed["meetup"]["id"] == "tiny" and listed["going"] == 1 and listed["meetup"]["seats"] == 2
    [row] = listed["attendees"]
    assert (row["platform"], row["user_id"], row["status"]) == ("console", "local", "going")
    assert row["answered_at"].startswith("2027-01-10T10:00:00+02:00")  # local time of the fixed clock

    rows = list(csv.DictReader(io.StringIO(attendees(capsys, "tiny", "--format", "csv"))))
    assert [(r["name"], r["platform"], r["status"]) for r in rows] == [("you", "console", "going")]

    assert "can't make it" in await run_console(events, "/notgoing tiny\n")
    assert json.loads(attendees(capsys, "tiny", "--format", "json"))["attendees"] == []


def test_attendees_cli_explains_bad_input(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attendees", "nope"]) == 1
    assert "no meetup 'nope'" in capsys.readouterr().err
    assert main(["attendees", "tiny", "--format", "json"]) == 1  # no store here: said, not a bare header
    assert "there is no store at" in capsys.readouterr().err
