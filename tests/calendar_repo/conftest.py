"""A calendar repository for the tests: a bare repository in tmp_path (the remote), clones of it
for humans who push, and the bot's settings pointing at it. Real git, no network."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SHIPPED_EVENTS

GIT_ENV = {"GIT_AUTHOR_NAME": "Human", "GIT_AUTHOR_EMAIL": "human@example.org"}
GIT_ENV |= {"GIT_COMMITTER_NAME": "Human", "GIT_COMMITTER_EMAIL": "human@example.org", "GIT_CONFIG_NOSYSTEM": "1"}


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Clone:
    """A human's clone of the calendar repository."""

    folder: Path

    @property
    def events(self) -> Path:
        return self.folder / "events.yaml"

    def push(self, message: str, change: Callable[[str], str]) -> str:
        """Pull, change events.yaml, commit, push; the new commit's id."""
        git(self.folder, "pull", "-q", "--ff-only", "origin", "main")
        self.events.write_text(change(self.events.read_text(encoding="utf-8")), encoding="utf-8")
        git(self.folder, "commit", "-q", "-am", message)
        git(self.folder, "push", "-q", "origin", "HEAD:main")
        return git(self.folder, "rev-parse", "HEAD").strip()


@dataclass
class Remote:
    bare: Path

    def tip(self) -> str:
        return git(self.bare, "rev-parse", "main").strip()

    def show(self, what: str = "main:events.yaml") -> str:
        return git(self.bare, "show", what)

    def is_ancestor(self, old: str, new: str) -> bool:
        done = subprocess.run(["git", "merge-base", "--is-ancestor", old, new], cwd=self.bare, check=False)
        return done.returncode == 0

    def clone(self, folder: Path) -> Clone:
        git(folder.parent, "clone", "-q", str(self.bare), folder.name)
        return Clone(folder)


def with_organisers_chat(text: str) -> str:
    """The shipped calendar, with the organisers' chat in the console (where the tests read it)."""
    return text.replace("community:\n", "community:\n  organisers_chat: console:local\n", 1)


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    bare = tmp_path / "calendar.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    calendar = with_organisers_chat(SHIPPED_EVENTS.read_text(encoding="utf-8"))
    (seed / "events.yaml").write_text(calendar, encoding="utf-8")
    git(seed, "add", "events.yaml")
    git(seed, "commit", "-q", "-m", "The calendar")
    git(seed, "push", "-q", str(bare), "main")
    return Remote(bare)


@pytest.fixture
def repo_env(tmp_path: Path, remote: Remote) -> dict[str, str]:
    """The environment of a bot whose calendar is `remote`, fetched every 0.2 s."""
    return {
        "CALENDAR_REPO": str(remote.bare),
        "CALENDAR_PULL_SECONDS": "0.2",
        "CALENDAR_WORKDIR": str(tmp_path / "work"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "SCHEDULER": "off",
    }
