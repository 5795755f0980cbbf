"""The drill of issue 19, with a bare repository as the remote and the bot built as `meetup-bot
run` builds it: a human pushes while the bot runs, the bot adopts it within
CALENDAR_PULL_SECONDS, and the bot's edit is pushed as one commit on top of the human's,
never rewriting history; the same with a push refused once; a broken push; a stop mid-push."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.app import App
from adapters.calendar_files import run_settings
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.config import Settings
from bot.edits.contract import Author, EditFailed
from tests.calendar_repo.conftest import Remote, git
from tests.edits.helpers import RenameMeetup
from tests.fakes.clock import FixedClock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DANA = Author("Dana", "telegram:42")
FAST = "2027-01-19-fast-packets"
HUMAN_MEETUP = (
    "\n  # Added by hand: the December meetup the organisers agreed on the phone.\n"
    "  - id: 2026-12-20-human\n    title: A meetup a human pushed\n    start: 2026-12-20 19:00\n    status: planned\n"
)


def add_human_meetup(text: str) -> str:
    return text.rstrip("\n") + "\n" + HUMAN_MEETUP


@dataclass
class Running:
    app: App
    stdout: io.StringIO
    run: asyncio.Task[int]


@contextlib.asynccontextmanager
async def running_bot(env: dict[str, str]) -> AsyncIterator[Running]:
    """`meetup-bot run` as a console chat on piped input: the calendar cloned first, the app
    run until its input ends."""
    settings = run_settings(Settings.from_env(env), None)
    source = CalendarSource.from_file(settings.events_file)
    read_fd, write_fd = os.pipe()
    stdin, stdout = os.fdopen(read_fd), io.StringIO()
    app = App(settings, source, clock=FixedClock(NOW), stdin=stdin, stdout=stdout)
    run = asyncio.create_task(app.run())
    await asyncio.wait_for(app.ready.wait(), 30)
    try:
        yield Running(app, stdout, run)
    finally:
        os.close(write_fd)  # end of input: the app stops
        assert await asyncio.wait_for(run, 60) == 0
        stdin.close()


def adopted(source: CalendarSource, check: Callable[[Calendar], bool]) -> asyncio.Event:
    """Set once the source serves a calendar for which `check` holds."""
    event = asyncio.Event()
    source.on_change(lambda old, new: event.set() if check(new) else None)
    return event


async def until(predicate: Callable[[], bool]) -> None:
    """Until `predicate` holds; the 30 s are a guard against a hang, not a timing check."""
    async with asyncio.timeout(30):
        while not predicate():
            await asyncio.sleep(0.02)


async def ask(app: App, text: str) -> str:
    message = IncomingMessage(ChatRef("console", "local", is_private=True), UserRef("console", "local"), text, NOW)
    return "\n".join(str(reply) for reply in await app.bot.handle(message))


async def test_a_human_push_is_served_and_the_bots_edit_lands_on_top_of_it(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    first = remote.tip()
    async with running_bot(repo_env) as bot:
        app = bot.app
        assert "Fast Packets" in await ask(app, "/next")
        seen = adopted(app.source, lambda cal: cal.get("2026-12-20-human") is not None)
        human = remote.clone(tmp_path / "human").push("Add the December meetup", add_human_meetup)
        await asyncio.wait_for(seen.wait(), 30)  # within CALENDAR_PULL_SECONDS; 30 s guards a hang
        assert "A meetup a human pushed" in await ask(app, "/next")

        assert app.writer is not None
        done = await app.writer.edit(RenameMeetup(FAST, "Fast Packets, renamed by the bot"), DANA)

        # One commit, whose parent is the human's, on the remote before the answer came.
        assert done.commit == remote.tip()
        assert git(remote.bare, "log", "-1", "--format=%P|%an|%s", "main").strip() == (
            f"{human}|meetup-bot|Rename {FAST} (by Dana, telegram:42)"
        )
        assert remote.is_ancestor(first, done.commit) and remote.is_ancestor(human, done.commit)
        text = remote.show()
        assert "# Added by hand: the December meetup" in text and "2026-12-20-human" in text
        assert "title: Fast Packets, renamed by the bot" in text
        assert app.source.current.get(FAST).title == "Fast Packets, renamed by the bot"


async def test_a_push_refused_once_is_made_again_on_the_new_tip(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    other = remote.clone(tmp_path / "other")
    meanwhile: list[str] = []

    def someone_pushes_first() -> None:  # between our fetch and our push
        if not meanwhile:
            meanwhile.append(other.push("Add the December meetup", add_human_meetup))

    async with running_bot(repo_env) as bot:
        app = bot.app
        assert app.writer is not None and app.writer.repo is not None
        app.writer.repo.before_push = someone_pushes_first
        done = await app.writer.edit(RenameMeetup(FAST, "Renamed after a refused push"), DANA)
    [theirs] = meanwhile
    assert done.commit == remote.tip()
    assert git(remote.bare, "log", "-1", "--format=%P", "main").strip() == theirs
    assert remote.is_ancestor(theirs, done.commit)
    text = remote.show()
    assert "2026-12-20-human" in text and "Renamed after a refused push" in text


async def test_an_edit_that_no_longer_applies_after_a_refused_push_leaves_the_remote_alone(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    other = remote.clone(tmp_path / "other")
    meanwhile: list[str] = []

    def someone_renames_it_first(text: str) -> str:
        return text.replace(f"id: {FAST}", "id: 2027-01-19-fast-packets-moved")

    def push_first() -> None:
        if not meanwhile:
            meanwhile.append(other.push("Move the meetup", someone_renames_it_first))

    async with running_bot(repo_env) as bot:
        app = bot.app
        assert app.writer is not None and app.writer.repo is not None
        app.writer.repo.before_push = push_first
        with pytest.raises(EditFailed, match=f"there is no meetup {FAST}"):
            await app.writer.edit(RenameMeetup(FAST, "Never lands"), DANA)
        assert "Never lands" not in app.writer.path.read_text(encoding="utf-8")  # the working copy too
    assert remote.tip() == meanwhile[0] and "Never lands" not in remote.show()


async def test_a_broken_push_keeps_the_last_good_calendar_and_tells_the_organisers_once(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    human = remote.clone(tmp_path / "human")
    async with running_bot(repo_env) as bot:
        app, stdout = bot.app, bot.stdout
        good = app.source.current
        typo = "    strat: 2027-01-19 19:00"
        broken = human.push("Typo", lambda text: text.replace("    start: 2027-01-19 19:00", typo))
        await until(lambda: "has 2 errors" in stdout.getvalue())
        assert app.pull is not None
        for _ in range(3):  # more fetches of the same broken commit: no second message
            await app.pull.once()
        out = stdout.getvalue()
        assert out.count("The calendar's latest commit") == 1
        assert f'{broken[:7]} "Typo" (Human)' in out
        assert "events.yaml:" in out and "unknown key 'strat'" in out
        assert str(app.writer.path if app.writer else "") not in out  # the file's name, not the working path
        assert app.source.current is good
        fixed = adopted(app.source, lambda cal: cal.get(FAST) is not None and cal is not good)
        human.push("Fix the typo", lambda text: text.replace("strat:", "start:"))
        await asyncio.wait_for(fixed.wait(), 30)


async def test_a_stop_while_a_push_is_in_flight_finishes_the_push_first(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    reached, release = threading.Event(), threading.Event()

    def slow_push() -> None:
        reached.set()
        release.wait(30)

    async with running_bot(repo_env) as bot:
        app = bot.app
        assert app.writer is not None and app.writer.repo is not None
        app.writer.repo.before_push = slow_push
        edit = asyncio.create_task(app.writer.edit(RenameMeetup(FAST, "Pushed while stopping"), DANA))
        order: list[str] = []
        edit.add_done_callback(lambda _: order.append("edit answered"))
        bot.run.add_done_callback(lambda _: order.append("app stopped"))
        await asyncio.to_thread(reached.wait, 30)
        app.stopping.set()  # what SIGTERM does
        await until(lambda: app.writer is not None and app.writer.closing)
        assert remote.show().count("Pushed while stopping") == 0 and not edit.done()
        release.set()
        done = await edit
        await asyncio.wait_for(asyncio.shield(bot.run), 60)
    # The app ran to its end only after the push: the remote has the edit the caller was told of.
    assert order == ["edit answered", "app stopped"]
    assert done.commit == remote.tip() and "Pushed while stopping" in remote.show()


async def test_an_organisers_accept_is_pushed_as_one_commit_on_top_of_a_human_push(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    async with running_bot({**repo_env, "ORGANISERS": "console:local"}) as bot:
        app = bot.app
        for line in ("/propose", "XDP for beginners", "How XDP programs see packets.", "Dana", "English", "yes"):
            reply = await ask(app, line)
        assert "T1" in reply, reply
        seen = adopted(app.source, lambda cal: cal.get("2026-12-20-human") is not None)
        human = remote.clone(tmp_path / "human").push("Add the December meetup", add_human_meetup)
        await asyncio.wait_for(seen.wait(), 30)
        answer = await ask(app, f"/accept T1 {FAST}")
        assert "XDP for beginners" in answer, answer
        # The answer came once the commit was on the remote: one commit, on the human's.
        assert (
            git(remote.bare, "log", "-1", "--format=%P|%an|%s", "main")
            .strip()
            .startswith(f'{human}|meetup-bot|Accept talk T1 "XDP for beginners" into {FAST} (by ')
        )
        text = remote.show()
        assert "# Added by hand: the December meetup" in text and "title: XDP for beginners" in text


async def test_a_start_on_a_broken_push_serves_the_last_good_commit_and_tells_the_organisers(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    good = remote.tip()
    human = remote.clone(tmp_path / "human")
    broken = human.push("Typo", lambda text: text.replace("    start: 2027-01-19 19:00", "    strat: 2027-01-19 19:00"))
    async with running_bot(repo_env) as bot:  # a restart (a deploy) after the broken push
        assert bot.app.source.current.get(FAST) is not None
        assert git(tmp_path / "work", "rev-parse", "HEAD").strip() == good
        await until(lambda: "The calendar's latest commit" in bot.stdout.getvalue())
        assert f'{broken[:7]} "Typo" (Human)' in bot.stdout.getvalue()
        assert "Fast Packets" in await ask(bot.app, "/next")
