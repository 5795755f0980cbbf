"""The meetup's status from chat, through `meetup-bot run`'s console on an events file in a git
work tree: /confirm, /move and /cancelmeetup are commits made by the calendar writer, and what
follows a hand edit follows them (the new-meetup announcement, the change notice, the private
word to those who said yes)."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes.clock import FixedClock

CALENDAR = """\
community:
  name: Test Kernel Meetup
  short_name: TKM
  timezone: Asia/Jerusalem
  organisers: ["console:local"]
  announce: ["console:local"]
events:
  - id: planned-one
    title: Planned One
    start: 2027-01-26 19:00
    status: planned   # until the venue says yes
  - {id: other, title: Other, start: 2027-02-16 19:00}
"""
NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)  # 10:00 in Tel Aviv: no quiet hours


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "calendar"
    repo.mkdir()
    path = repo / "events.yaml"
    path.write_text(CALENDAR, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "events.yaml")
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=T", "commit", "-qm", "start")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "DATABASE_URL", "PORT", "ORGANISERS", "CALENDAR_REPO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("EVENTS_FILE", str(path))
    return path


class Console:
    """`meetup-bot run`'s console on a pipe: lines typed one by one, the output read as it comes."""

    def __init__(self, events: Path) -> None:
        read, self.write = os.pipe()
        self.stdin = os.fdopen(read, "r", encoding="utf-8")
        self.out = io.StringIO()
        self.app = App(Settings.from_env(), CalendarSource.from_file(events), FixedClock(NOW), self.stdin, self.out)
        self.task = asyncio.create_task(self.app.run())

    def type(self, line: str) -> None:
        os.write(self.write, (line + "\n").encode())

    async def shows(self, text: str, count: int = 1) -> str:
        while self.out.getvalue().count(text) < count:
            assert not self.task.done(), self.out.getvalue()
            await asyncio.sleep(0.02)  # polling the console's output for what is awaited
        return self.out.getvalue()

    async def close(self) -> None:
        os.close(self.write)
        assert await asyncio.wait_for(self.task, 30) == 0
        self.stdin.close()


async def test_confirm_move_and_cancel_are_commits_followed_by_what_a_hand_edit_brings(events: Path) -> None:
    console = Console(events)
    try:
        await asyncio.wait_for(console.app.ready.wait(), 10)
        console.type("/going planned-one")
        await console.shows("You are going to Planned One")
        console.type("/confirm planned-one")
        await asyncio.wait_for(console.shows("✅ Planned One: confirmed it (commit "), 10)
        said = await asyncio.wait_for(console.shows("[to console:local]"), 20)  # the new-meetup post
        assert "Planned One" in said[said.index("[to console:local]") :]

        console.type("/move planned-one 2027-01-27 19:30")
        await asyncio.wait_for(console.shows("✅ Planned One: moved it to"), 10)
        said = await asyncio.wait_for(console.shows("[to console:local]", 2), 20)  # the change notice
        notice = said[said.rindex("[to console:local]") :]
        assert "27 Jan" in notice
        said = await asyncio.wait_for(console.shows("📅 Moved: Planned One"), 20)  # to who said yes, privately
        assert "now on Wed 27 Jan 2027, 19:30 (it was Tue 26 Jan 2027, 19:00)" in said

        console.type("/cancelmeetup planned-one The venue fell through")
        await asyncio.wait_for(console.shows("cancelled it (The venue fell through)"), 10)
        said = await asyncio.wait_for(console.shows("❌ Cancelled: Planned One"), 20)  # to who said yes
        console.type("/confirm other")
        await asyncio.wait_for(console.shows("Nothing changed: other is "), 10)
        console.type("/move other 2020-01-01 19:00")
        await asyncio.wait_for(console.shows("That is in the past"), 10)
    finally:
        await console.close()
    log = git(events.parent, "log", "--format=%s")
    assert log.splitlines()[:3] == [
        "Cancel planned-one (by you, console:local)",
        "Move planned-one to 2027-01-27 19:30 (by you, console:local)",
        "Confirm planned-one (by you, console:local)",
    ]
    text = events.read_text(encoding="utf-8")
    assert "status: cancelled   # until the venue says yes" in text  # the comment stays
    assert "start: 2027-01-27 19:30" in text


async def test_status_commands_are_for_organisers(events: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGANISERS", "telegram:42")
    from tests.host.conftest import run_console

    said = await run_console(events, "/confirm planned-one\n/cancelmeetup other\n", now=NOW)
    assert said.count("Only the community's organisers can change a meetup.") == 2
    assert git(events.parent, "log", "--format=%s").splitlines() == ["start"]


async def test_an_accept_that_fills_the_last_need_suggests_confirm(tmp_path: Path) -> None:
    from bot.assembly import assemble
    from bot.chat.messages import ChatRef, IncomingMessage, UserRef
    from bot.proposals.model import Kind, Proposal, Status

    path = tmp_path / "events.yaml"
    path.write_text(
        CALENDAR.replace(
            "    status: planned   # until the venue says yes\n", "    status: planned\n    needs: [venue]\n"
        ),
        encoding="utf-8",
    )
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", scheduler_enabled=False)
    core = assemble(settings, CalendarSource.from_file(path), FixedClock(NOW))
    await core.announcements.open()
    try:
        offer = Proposal(0, Kind.VENUE, Status.NEW, "Big Hall", "telegram:7", NOW, address="1 Main St", capacity=90)
        number = core.announcements.store.proposals.add(offer).number
        organiser = UserRef("console", "local", "you")
        message = IncomingMessage(
            ChatRef("console", "local", is_private=True), organiser, f"/accept V{number} planned-one", NOW
        )
        said = "\n".join(r.plain_text() for r in await core.bot.handle(message))
        assert "Planned One needs nothing more: /confirm planned-one confirms it." in said
    finally:
        await core.rsvp.drain()
        await core.announcements.stop()


async def test_a_moved_meetup_tells_who_said_yes_privately_once_per_move(tmp_path: Path) -> None:
    from tests.rsvp.conftest import CALENDAR as RSVP
    from tests.rsvp.conftest import assembled, calendar, person

    moved = calendar(RSVP.replace("start: 2027-01-19 19:00, capacity: 2", "start: 2027-01-20 19:30, capacity: 2"))
    again = calendar(RSVP.replace("start: 2027-01-19 19:00, capacity: 2", "start: 2027-01-21 19:30, capacity: 2"))
    async with assembled(CalendarSource(calendar()), tmp_path) as chat:
        for n in (1, 2, 3):
            await chat.say("/going tiny", person(n))  # two going, one waiting
        await chat.say("/notgoing tiny", person(4))
        await chat.say("/going open", person(5))
        chat.source.replace(moved)  # what /move or a hand edit of the start brings
        await chat.rsvp.drain()
        for n in (1, 2, 3):
            told = [t for t in chat.private(person(n)) if "📅 Moved: Tiny Meetup" in t]
            assert len(told) == 1 and "now on Wed 20 Jan 2027, 19:30 (it was Tue 19 Jan 2027, 19:00)" in told[0]
        assert chat.private(person(4)) == [] and chat.private(person(5)) == []
        chat.source.replace(moved)  # a reload with nothing moved: nobody is told again
        chat.rsvp.start(moved)
        await chat.rsvp.drain()
        assert sum(len(chat.private(person(n))) for n in (1, 2, 3)) == 3
        chat.source.replace(again)  # a second move: told again
        await chat.rsvp.drain()
        for n in (1, 2, 3):
            _, second = chat.private(person(n))
            assert "now on Thu 21 Jan 2027, 19:30 (it was Wed 20 Jan 2027, 19:30)" in second
    # After a restart (or in a second process) the same move seen again tells nobody twice.
    async with assembled(CalendarSource(moved), tmp_path) as chat:
        chat.source.replace(again)
        await chat.rsvp.drain()
        assert chat.sender.posted == []


async def test_a_move_notice_is_retried_after_a_passing_error_and_never_resent_when_it_may_have_been_posted(
    tmp_path: Path,
) -> None:
    from bot.announce.outbound import SendError
    from bot.chat.messages import ChatRef
    from tests.rsvp.conftest import CALENDAR as RSVP
    from tests.rsvp.conftest import ORGANISER, assembled, calendar, person

    moved = calendar(RSVP.replace("start: 2027-01-19 19:00, capacity: 2", "start: 2027-01-20 19:30, capacity: 2"))
    again = calendar(RSVP.replace("start: 2027-01-19 19:00, capacity: 2", "start: 2027-01-21 19:30, capacity: 2"))
    async with assembled(CalendarSource(calendar()), tmp_path) as chat:
        for n in (1, 2, 3):
            await chat.say("/going tiny", person(n))
        await chat.say("/help", ORGANISER, ChatRef("telegram", "42", is_private=True))  # where to tell her
        flaky, timed_out = (f"telegram:{person(n).user_id}" for n in (1, 2))
        before = dict(chat.sender.attempts)

        def script(target: ChatRef, attempt: int) -> SendError | None:
            first = attempt == before.get(target.key, 0) + 1  # the first send to it from now on
            if first and target.key == flaky:
                return SendError("Telegram flood control: retry after 1s", retryable=True)
            if first and target.key == timed_out:
                return SendError("no answer from Telegram; it may have been delivered", maybe_delivered=True)
            return None

        chat.sender.script = script
        chat.source.replace(moved)
        await chat.rsvp.drain()
        assert len([t for t in chat.private(person(1)) if "📅 Moved" in t]) == 1  # retried, then told once
        assert chat.private(person(2)) == []  # may have been posted: never sent again by itself
        [doubt] = [t for t in chat.private(ORGANISER) if "may or may not have reached" in t]
        assert "The move notice of Tiny Meetup may or may not have reached Person 2." in doubt
        assert "/resend rsvp-moved:tiny:2027-01-20T17:30:00+00:00" in doubt  # what to type once she checked
        assert len([t for t in chat.private(person(3)) if "📅 Moved" in t]) == 1
        chat.rsvp.start(moved)  # a restart's check sees the same move: nobody is told twice
        await chat.rsvp.drain()
        assert [len(chat.private(person(n))) for n in (1, 2, 3)] == [1, 0, 1]
        chat.source.replace(again)  # the next move is a new message for everyone
        await chat.rsvp.drain()
        assert [len(chat.private(person(n))) for n in (1, 2, 3)] == [2, 1, 2]
