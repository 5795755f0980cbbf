"""The issue's "done when", in the console: lines piped into `meetup-bot run` (the App production
runs) store a talk proposal and a venue offer; `/accept` as a non-organiser changes nothing, as an
organiser puts the talk (with its speaker) and the venue into the meetup; `meetup-bot check`
passes on the result, its comments survive, and `meetup-bot proposals` lists them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.app import App
from adapters.cli import main
from bot.calendar.loader import load_calendar_data
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes.clock import FixedClock
from tests.proposals.conftest import MEETUP, NOW

SUBMIT = """\
/propose
XDP <b>for</b> & beginners
What XDP is, and how to start writing programs for it.
Ada Lovelace
English
yes
/host
Acme Networks
1 Rothschild Blvd, Tel Aviv
80
Pizza and parking
yes
"""
ACCEPT = f"/accept T1 {MEETUP}\n/accept V2 {MEETUP}\n"


async def run_console(events: Path, lines: str) -> str:
    out = io.StringIO()
    app = App(
        Settings.from_env(), CalendarSource.from_file(events), FixedClock(NOW), stdin=io.StringIO(lines), stdout=out
    )
    assert await app.run() == 0
    return out.getvalue()


@pytest.fixture
def console(events: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "PORT", "ORGANISERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("EVENTS_FILE", str(events))
    monkeypatch.setenv("SCHEDULER", "off")
    return events


def listed(capsys: pytest.CaptureFixture[str], *flags: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["proposals", "--format", "json", *flags]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


async def test_piped_proposals_are_stored_and_only_an_organiser_accepts_them(
    console: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = console.read_text()
    out = await run_console(console, SUBMIT + ACCEPT)
    assert "Your talk proposal is T1" in out and "Your venue offer is V2" in out
    assert out.count("only the organisers") == 2 and console.read_text() == before
    rows = listed(capsys)
    assert [(r["id"], r["kind"], r["status"], r["from"]) for r in rows] == [
        ("T1", "talk", "new", "console:local"),
        ("V2", "venue", "new", "console:local"),
    ]
    assert rows[0]["title"] == "XDP <b>for</b> & beginners" and rows[1]["capacity"] == 80
    assert {"abstract", "speaker", "language", "address", "notes", "created", "decided_by", "event", "venue"} <= rows[
        0
    ].keys()

    monkeypatch.setenv("ORGANISERS", "console:local")
    out = await run_console(console, ACCEPT)
    assert "Accepted: talk proposal T1" in out and "Accepted: venue offer V2" in out
    assert "Good news" in out  # the proposer (here the same console user) is told privately
    assert main(["check", str(console)]) == 0
    event = next(e for e in load_calendar_data(console).events if e.id == MEETUP)
    assert [(t.title, [s.name for s in t.speakers]) for t in event.talks] == [
        ("XDP <b>for</b> & beginners", ["Ada Lovelace"])
    ]
    assert event.venue is not None and (event.venue.name, event.venue.address) == (
        "Acme Networks",
        "1 Rothschild Blvd, Tel Aviv",
    )
    text = console.read_text()
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in text for line in comments)  # every comment survives
    accepted = listed(capsys, "--status", "accepted")
    assert [(r["id"], r["event"], r["decided_by"], r["venue"]) for r in accepted] == [
        ("T1", MEETUP, "console:local", None),
        ("V2", MEETUP, "console:local", None),  # a new venue: no existing one was named
    ]
    assert listed(capsys, "--status", "new") == []


async def test_a_restart_mid_conversation_continues(console: Path) -> None:
    await run_console(console, "/propose\nA talk that survives\n")
    out = await run_console(console, "An abstract.\nAda\nhebrew\nyes\n")
    assert "3/4" in out and "Your talk proposal is T1" in out


def test_the_submissions_of_a_folder_where_the_bot_never_ran_are_not_made_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "nowhere.sqlite3"))
    assert main(["proposals"]) == 1
    assert "there is no store at" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.sqlite3").exists()  # reading made no store
