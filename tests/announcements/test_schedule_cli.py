"""`meetup-bot schedule`: the dry run lists reminders and calls with local times and chats."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli import main
from bot.chat.messages import ChatRef
from bot.store.store import Store
from tests.conftest import COMMUNITY_YAML

EVENTS = (
    COMMUNITY_YAML
    + """\
  reminders: [{day_before: "10:00"}, {before: 2h}]
events:
  - {id: spring, title: Spring Meetup, start: 2027-03-27 19:00, needs: [venue]}
  - {id: gone, title: Cancelled Meetup, start: 2027-03-30 19:00, status: cancelled}
"""
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    events = tmp_path / "events.yaml"
    events.write_text(EVENTS, encoding="utf-8")
    monkeypatch.setenv("ANNOUNCE_CHATS", "telegram:-1001,slack:C1")
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return events


def test_schedule_lists_reminders_and_calls_in_local_time(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "--events", str(env), "--days", "10", "--from", "2027-03-20 00:00"]) == 0
    out = capsys.readouterr().out
    assert "telegram:-1001" in out and "slack:C1" in out and "no store yet" in out
    lines = [line.strip() for line in out.splitlines() if "[" in line]
    assert [line.split("  ")[0] for line in lines] == [
        "Sun 21 Mar 2027, 10:00 IST",  # the call (the meetup needs a venue); winter time
        "Fri 26 Mar 2027, 10:00 IDT",  # the day-before reminder, after the clocks went forward
        "Sat 27 Mar 2027, 17:00 IDT",  # two hours before
    ]  # no call on the 28th: the next meetup is cancelled, none is left to call for
    assert all("-> 2 chats" in line for line in lines)
    assert "Cancelled Meetup" not in out
    assert not (env.parent / "bot.sqlite3").exists()  # a dry run creates nothing


def test_schedule_counts_subscribed_chats_from_the_store(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(f"sqlite:///{env.parent / 'bot.sqlite3'}")
    store.create()
    store.subscribe(ChatRef("telegram", "77", is_private=True))
    store.unsubscribe(ChatRef("slack", "C1"))
    store.close()
    assert main(["schedule", "--events", str(env), "--days", "2", "--from", "2027-03-25 00:00"]) == 0
    out = capsys.readouterr().out
    assert "telegram:77" in out and "slack:C1" not in out and "-> 2 chats" in out
