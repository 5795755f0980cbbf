"""A local events.yaml in a git work tree with no uncommitted change: the local commit is the text
written, with the edit made once (it is made again on HEAD's text only when the two differ)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bot.edits.contract import Author, EditResult
from bot.edits.writer import CalendarWriter
from tests.edits.helpers import AppendMeetup, shipped_copy


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Human", "GIT_AUTHOR_EMAIL": "h@example.org"}
    env.update(GIT_COMMITTER_NAME="Human", GIT_COMMITTER_EMAIL="h@example.org", GIT_CONFIG_NOSYSTEM="1")
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, env=env, check=True)
    return done.stdout


@dataclass
class Counted:
    """AppendMeetup, counting the texts it is applied to."""

    inner: AppendMeetup
    applied: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.inner.subject

    def apply(self, text: str, filename: str) -> EditResult:
        self.applied.append(text)
        return self.inner.apply(text, filename)


async def test_a_clean_tracked_file_is_committed_as_written_with_one_apply(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "events.yaml")
    git(tmp_path, "commit", "-q", "-m", "the calendar")
    edit = Counted(AppendMeetup("2027-05-01-added"))

    done = await CalendarWriter(path).edit(edit, Author("Dana", "telegram:42"))

    assert done.commit is not None and git(tmp_path, "rev-parse", "HEAD").strip() == done.commit
    assert git(tmp_path, "show", "HEAD:events.yaml") == path.read_text(encoding="utf-8")
    assert git(tmp_path, "status", "--porcelain") == ""  # the file is the commit: nothing left over
    assert len(edit.applied) == 1  # HEAD is what was read: the written text is the commit's
