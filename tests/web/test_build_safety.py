"""`meetup-bot site build OUT` writes and deletes only inside OUT.

A symbolic link planted inside OUT (a folder pointing elsewhere, a page that is a link, the
build's own file list) is refused with one line before anything is touched; the writes
themselves follow no link and write through no hard link; an empty OUT is a usage error.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.web.site import build as build_module
from adapters.web.site.build import MANIFEST, UnsafeOutput, build_site, write_site
from bot.calendar.calendar import Calendar
from tests.conftest import SHIPPED_EVENTS
from tests.web.conftest import NOW


def snapshot(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under `folder` (links not followed): what a refused build must leave as it was."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_file():
            found[name] = ("file", path.read_bytes())
        else:
            found[name] = ("folder", b"")
    return found


@pytest.fixture
def built(tmp_path: Path, shipped_calendar: Calendar) -> tuple[Path, Path]:
    """A site built once into `site`, and a folder outside it holding a victim file."""
    out, outside = tmp_path / "site", tmp_path / "outside"
    build_site(shipped_calendar, out, now=NOW)
    outside.mkdir()
    (outside / "victim.txt").write_text("not the site's\n")
    return out, outside


def build(out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["site", "build", str(out), "--events", str(SHIPPED_EVENTS)])
    return code, capsys.readouterr().err.splitlines()


def refused(out: Path, outside: Path, capsys: pytest.CaptureFixture[str], link: Path) -> None:
    before_out, before_outside = snapshot(out), snapshot(outside)
    code, err = build(out, capsys)
    assert code == 1
    assert err == [f"cannot build the site: {link} is a symbolic link: refusing to write or delete through it"]
    assert snapshot(out) == before_out and snapshot(outside) == before_outside  # nothing touched


def test_a_folder_inside_out_linked_elsewhere_is_refused(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str], shipped_calendar: Calendar
) -> None:
    out, outside = built
    event = shipped_calendar.events[0]
    (outside / f"{event.id}.ics").write_text("the victim's own calendar\n")
    os.rename(out / "events", out / "events-moved")
    (out / "events").symlink_to(outside)
    refused(out, outside, capsys, out / "events")


def test_a_page_that_is_a_link_is_refused(built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, outside = built
    (out / "feed.xml").unlink()
    (out / "feed.xml").symlink_to(outside / "victim.txt")
    refused(out, outside, capsys, out / "feed.xml")


def test_the_file_list_as_a_link_is_refused(built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out, outside = built
    (outside / "list").write_text("victim.txt\n")
    (out / MANIFEST).unlink()
    (out / MANIFEST).symlink_to(outside / "list")
    refused(out, outside, capsys, out / MANIFEST)


def test_a_stale_file_behind_a_link_is_not_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shipped_calendar: Calendar
) -> None:
    """The last build wrote a meetup that is gone now; its folder became a link to elsewhere."""
    out, outside = tmp_path / "site", tmp_path / "outside"
    data = shipped_calendar.data
    gone = replace(data.events[-1], id="2031-01-07-gone-meetup")
    build_site(Calendar(replace(data, events=(*data.events, gone))), out, now=NOW)
    outside.mkdir()
    (outside / "index.html").write_text("the victim's page\n")
    shutil.rmtree(out / "events" / gone.id)  # its page and share image
    (out / "events" / gone.id).symlink_to(outside)
    refused(out, outside, capsys, out / "events" / gone.id)
    assert (outside / "index.html").read_text() == "the victim's page\n"


def test_a_hard_link_is_replaced_not_written_through(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out, outside = built
    (out / "feed.xml").unlink()
    os.link(outside / "victim.txt", out / "feed.xml")
    code, err = build(out, capsys)
    assert (code, err) == (0, [])
    assert (outside / "victim.txt").read_text() == "not the site's\n"
    assert (out / "feed.xml").read_bytes().startswith(b"<?xml")


def test_a_link_planted_after_the_check_is_not_followed(tmp_path: Path) -> None:
    """The writes open each folder without following links: a link that appears between the check
    and the write (a race) makes the write fail, and nothing lands outside."""
    out, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    write_site(out, {"events/a.ics": b"one"})
    (out / "events" / "a.ics").unlink()
    (out / "events").rmdir()
    (out / "events").symlink_to(outside)
    with pytest.raises(UnsafeOutput):
        write_site(out, {"events/a.ics": b"two"})
    root = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError):  # below the check: what a race would meet
            build_module._write(root, "events/a.ics", b"two")
    finally:
        os.close(root)
    assert list(outside.iterdir()) == []


def test_an_empty_out_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for out in ("", "  "):
        with pytest.raises(SystemExit) as exit_:
            main(["site", "build", out, "--events", str(SHIPPED_EVENTS)])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert "give the folder to write the site into" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing was written into the current folder
