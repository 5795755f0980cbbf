"""Two clean builds of one commit are byte-identical: every timestamp in the site (the feed's
`<updated>`, the calendars' DTSTAMP) comes from the content (the last commit that touched
events.yaml; outside git, a hash of the file), never from when the file was checked out."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from adapters.cli import main
from adapters.web.stamp import content_stamp, hashed_stamp
from tests.conftest import SHIPPED_EVENTS

COMMITTED = "2026-10-05T08:30:00+00:00"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMITTED, "GIT_COMMITTER_DATE": COMMITTED}
    ident = ("-c", "user.name=Organiser", "-c", "user.email=organiser@example.org", "-c", "init.defaultBranch=main")
    done = subprocess.run(["git", *ident, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path]:
    """Two fresh clones of a repository holding events.yaml, checked out at different times."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    shutil.copy(SHIPPED_EVENTS, origin / "events.yaml")
    git(origin, "add", "events.yaml")
    git(origin, "commit", "-q", "-m", "The calendar")
    first, second = tmp_path / "first", tmp_path / "second"
    git(tmp_path, "clone", "-q", str(origin), str(first))
    git(tmp_path, "clone", "-q", str(origin), str(second))
    later = datetime(2026, 12, 1, tzinfo=UTC).timestamp()  # the second checkout a while later
    os.utime(second / "events.yaml", (later, later))
    return first, second


def build(checkout: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    out = checkout.parent / f"{checkout.name}-site"
    args = ["site", "build", str(out), "--events", str(checkout / "events.yaml")]
    assert main([*args, "--base-url", "https://kerneltlv.example.org/", "--bot-username", "KernelTLVBot"]) == 0
    capsys.readouterr()
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def dtstamps(files: dict[str, bytes]) -> set[datetime]:
    ics = icalendar.Calendar.from_ical(files["calendar.ics"])
    return {v["DTSTAMP"].dt for v in ics.walk("VEVENT")}


def test_two_clones_of_one_commit_build_byte_identical_sites(
    clones: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = (build(checkout, capsys) for checkout in clones)
    assert first.keys() == second.keys() and len(first) > 20
    assert [name for name in first if first[name] != second[name]] == []
    assert dtstamps(first) == {datetime.fromisoformat(COMMITTED)}  # the commit's time, not the checkout's
    assert b"<updated>2026-10-05T08:30:00Z</updated>" in first["feed.xml"]  # the upcoming meetup's entry


def test_an_uncommitted_edit_is_stamped_by_its_content(clones: tuple[Path, Path]) -> None:
    first, _ = clones
    events = first / "events.yaml"
    assert content_stamp(events) == datetime.fromisoformat(COMMITTED)
    events.write_bytes(events.read_bytes() + b"# an edit not committed yet\n")
    assert content_stamp(events) == hashed_stamp(events.read_bytes()) != datetime.fromisoformat(COMMITTED)


def test_outside_git_two_copies_build_byte_identical_sites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copies = []
    for number, name in enumerate(("a", "b")):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(SHIPPED_EVENTS, folder / "events.yaml")
        os.utime(folder / "events.yaml", (1_700_000_000 + number * 86_400,) * 2)  # copied a day apart
        copies.append(build(folder, capsys))
    assert copies[0] == copies[1]
    stamp = hashed_stamp(SHIPPED_EVENTS.read_bytes())
    assert dtstamps(copies[0]) == {stamp} and datetime(2000, 1, 1, tzinfo=UTC) <= stamp < datetime(
        2020, 1, 1, tzinfo=UTC
    )
