"""A branch that moves before every push: the writer gives up after its rounds, never forcing,
with the remote holding only the humans' commits and the working folder back on them."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from bot.edits import writer as writer_module
from bot.edits.contract import Author, EditFailed
from bot.edits.git_repo import CalendarRepo
from bot.edits.writer import CalendarWriter
from tests.calendar_repo.conftest import Remote, git
from tests.edits.helpers import AppendMeetup

ATTEMPTS = 3


def test_a_branch_that_always_moves_first_is_given_up_on_unforced(
    tmp_path: Path, remote: Remote, monkeypatch: pytest.MonkeyPatch
) -> None:
    human = remote.clone(tmp_path / "human")
    theirs: list[str] = []

    def someone_pushes_first() -> None:  # between each of our fetches and our push
        n = len(theirs)
        theirs.append(human.push(f"Human edit {n}", lambda text: text + f"# a human's note {n}\n"))

    pauses: list[float] = []
    monkeypatch.setattr(writer_module, "time", types.SimpleNamespace(sleep=pauses.append))
    repo = CalendarRepo(str(remote.bare), "main", "events.yaml", tmp_path / "work", before_push=someone_pushes_first)
    writer = CalendarWriter(repo.path, repo=repo, attempts=ATTEMPTS, backoff=0.01)

    with pytest.raises(EditFailed, match=rf"kept changing while I pushed \({ATTEMPTS} tries\); nothing was changed"):
        writer.edit_now(AppendMeetup("2034-never"), Author("Dana", "telegram:42"))

    assert len(theirs) == ATTEMPTS  # one push tried per round
    assert remote.tip() == theirs[-1] and "2034-never" not in remote.show()  # never forced over theirs
    assert git(repo.workdir, "rev-parse", "HEAD").strip() == theirs[-1]  # the working folder shows the remote
    assert "2034-never" not in repo.path.read_text(encoding="utf-8")
    assert pauses == [0.01, 0.02]  # a growing pause between rounds, none before giving up
