"""The calendar writer on a local file: validated, served at once, a symlink followed, mode and
owner kept, a read-only file refused, a commit of that one file in a git work tree."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
from pathlib import Path

import pytest

from bot.calendar.source import CalendarSource
from bot.edits.contract import Author, EditFailed
from bot.edits.writer import CalendarWriter
from tests.edits.helpers import AppendMeetup, BreakFile, RenameMeetup, ids_in, shipped_copy

DANA = Author("Dana", "telegram:42")


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Human", "GIT_AUTHOR_EMAIL": "h@example.org"}
    env.update(GIT_COMMITTER_NAME="Human", GIT_COMMITTER_EMAIL="h@example.org")
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, env=env, check=True)
    return done.stdout


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


async def test_an_edit_is_validated_written_and_served_at_once(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    source = CalendarSource.from_file(path)
    changed = asyncio.Event()
    source.on_change(lambda old, new: changed.set())
    writer = CalendarWriter(path, source=source)
    done = await writer.edit(AppendMeetup("2027-05-01-added", "Added by the bot"), DANA)
    assert changed.is_set()  # served before the answer, not at the watcher's next look
    assert source.current.get("2027-05-01-added").title == "Added by the bot"
    assert done.commit is None  # tmp_path is in no git work tree
    assert "+  - id: 2027-05-01-added" in done.diff and done.what == "added"
    assert not source.changed()  # the watcher will not read the file again for this edit


async def test_an_edit_that_breaks_the_calendar_changes_nothing(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    before = path.read_bytes()
    with pytest.raises(EditFailed) as failed:
        await CalendarWriter(path).edit(BreakFile(), DANA)
    assert "invalid" in str(failed.value) and "\n" not in str(failed.value)
    assert path.read_bytes() == before and leftovers(tmp_path) == []


async def test_an_edit_that_no_longer_applies_says_why(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    with pytest.raises(EditFailed, match="there is no meetup gone"):
        await CalendarWriter(path).edit(RenameMeetup("gone", "x"), DANA)


async def test_a_symlinked_file_is_edited_at_its_target(tmp_path: Path) -> None:
    real = tmp_path / "data"
    real.mkdir()
    target = shipped_copy(real)
    link = tmp_path / "events.yaml"
    link.symlink_to(target)
    source = CalendarSource.from_file(link)
    await CalendarWriter(link, source=source).edit(AppendMeetup("2027-05-01-added"), DANA)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "2027-05-01-added" in ids_in(target)
    assert source.current.get("2027-05-01-added") is not None
    assert leftovers(real) == [] and leftovers(tmp_path) == []


async def test_mode_and_owner_are_kept(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    path.chmod(0o600)
    os.chown(path, 4321, 8765)  # the tests run as root: another user's file
    await CalendarWriter(path).edit(AppendMeetup("2027-05-01-added"), DANA)
    st = path.stat()
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o600, 4321, 8765)
    assert "2027-05-01-added" in ids_in(path)


async def test_a_read_only_file_is_refused_with_one_line(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    path.chmod(0o444)  # root could write it; the mode says no
    before = path.read_bytes()
    with pytest.raises(EditFailed) as refused:
        await CalendarWriter(path).edit(AppendMeetup("2027-05-01-added"), DANA)
    assert str(refused.value) == "events.yaml is read-only (mode 0444), so I did not edit it; nothing was changed."
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert leftovers(tmp_path) == []


async def test_in_a_git_work_tree_each_edit_is_a_commit_of_that_file_alone(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    (tmp_path / "notes.txt").write_text("one\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "events.yaml", "notes.txt")
    git(tmp_path, "commit", "-q", "-m", "the calendar")
    # The user's own work in progress: a staged file, an unstaged change, and an uncommitted
    # comment in events.yaml itself. None of it may end up in the bot's commit.
    (tmp_path / "staged.txt").write_text("staged\n")
    git(tmp_path, "add", "staged.txt")
    (tmp_path / "notes.txt").write_text("one\ntwo\n")
    path.write_text("# a comment the user has not committed\n" + path.read_text(encoding="utf-8"), encoding="utf-8")

    done = await CalendarWriter(path).edit(AppendMeetup("2027-05-01-added"), DANA)

    assert done.commit is not None
    bot = "meetup-bot <meetup-bot@users.noreply.invalid>"
    assert git(tmp_path, "log", "-1", "--format=%H|%an <%ae>|%s").strip() == (
        f"{done.commit}|{bot}|Add meetup 2027-05-01-added (by Dana, telegram:42)"
    )
    assert git(tmp_path, "show", "--name-only", "--format=", "HEAD").split() == ["events.yaml"]
    committed = git(tmp_path, "show", "HEAD:events.yaml")
    assert "2027-05-01-added" in committed and "not committed" not in committed
    # The user's work is as it was: staged, unstaged, and the uncommitted comment still uncommitted.
    assert git(tmp_path, "diff", "--cached", "--name-only").split() == ["staged.txt"]
    assert git(tmp_path, "diff", "--name-only").split() == ["events.yaml", "notes.txt"]
    added = [line for line in git(tmp_path, "diff", "--", "events.yaml").splitlines() if line.startswith("+")]
    assert added == ["+++ b/events.yaml", "+# a comment the user has not committed"]  # only the comment
    assert "2027-05-01-added" in ids_in(path)
    # `git log events.yaml` is the audit trail; `git revert` undoes one edit.
    assert git(tmp_path, "log", "--format=%s", "--", "events.yaml").splitlines()[0].startswith("Add meetup")
    git(tmp_path, "stash", "-q")  # (the test's own checkout; the user would commit first)
    git(tmp_path, "revert", "--no-edit", done.commit)
    assert "2027-05-01-added" not in ids_in(path)


async def test_a_file_outside_git_or_untracked_is_only_written(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    path = shipped_copy(tmp_path)  # untracked: there is no history to add to
    done = await CalendarWriter(path).edit(AppendMeetup("2027-05-01-added"), DANA)
    assert done.commit is None and "2027-05-01-added" in ids_in(path)
    assert git(tmp_path, "status", "--porcelain").split() == ["??", "events.yaml"]


async def test_drain_refuses_new_edits_after_the_one_in_progress(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    writer = CalendarWriter(path)
    first = asyncio.create_task(writer.edit(AppendMeetup("2027-05-01-first"), DANA))
    await asyncio.sleep(0)  # the edit has started
    await writer.drain()
    assert first.done() and "2027-05-01-first" in ids_in(path)
    with pytest.raises(EditFailed, match="stopping"):
        await writer.edit(AppendMeetup("2027-05-02-second"), DANA)
