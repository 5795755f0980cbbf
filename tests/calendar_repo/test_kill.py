"""kill -9 of a bot mid-edit with CALENDAR_REPO: the remote never holds half an edit, and the next
start's fetch puts the working folder back to the remote before anything is served or edited."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.edits.contract import Author
from bot.edits.git_repo import CalendarRepo
from bot.edits.writer import CalendarWriter
from tests.calendar_repo.conftest import Remote, git
from tests.conftest import ROOT
from tests.edits.helpers import AppendMeetup

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from bot.edits.contract import Author
    from bot.edits.git_repo import CalendarRepo
    from bot.edits.writer import CalendarWriter
    from tests.edits.helpers import AppendMeetup

    def step(name):
        if name == sys.argv[3]:
            os.kill(os.getpid(), signal.SIGKILL)

    repo = CalendarRepo(sys.argv[1], "main", "events.yaml", Path(sys.argv[2]))
    CalendarWriter(repo.path, repo=repo, step=step).edit_now(AppendMeetup("2035-killed"), Author("Dana", "cli"))
    """
)


@pytest.mark.parametrize("step", ["read", "validated", "replaced", "committed"])
def test_a_kill_before_the_push_leaves_the_remote_untouched(tmp_path: Path, remote: Remote, step: str) -> None:
    before, work = remote.tip(), tmp_path / "work"
    done = subprocess.run(
        [sys.executable, "-c", KILLER, str(remote.bare), str(work), step], cwd=ROOT, capture_output=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert remote.tip() == before and "2035-killed" not in remote.show()
    # The restart: fetched and reset, the working copy is the remote's; the next edit is one commit.
    repo = CalendarRepo(str(remote.bare), "main", "events.yaml", work)
    repo.sync()
    assert repo.path.read_text(encoding="utf-8") == remote.show()
    after = CalendarWriter(repo.path, repo=repo).edit_now(AppendMeetup("2035-after"), Author("Dana", "cli"))
    assert after.commit == remote.tip()
    assert git(remote.bare, "log", "-1", "--format=%P", "main").strip() == before
    assert "2035-killed" not in remote.show() and "2035-after" in remote.show()
