"""`meetup-bot site build OUT` through the real command line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.web.site.build import MANIFEST, build_site
from adapters.web.site.render import SiteRenderer
from bot.calendar.calendar import Calendar
from tests.conftest import ROOT, SHIPPED_EVENTS
from tests.web.conftest import NOW, broken, renamed


def test_site_build_writes_every_page_and_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shipped_calendar: Calendar
) -> None:
    out = tmp_path / "site"
    event, speaker = shipped_calendar.events[0], shipped_calendar.events[0].speakers[0]
    pages = len(SiteRenderer().paths(shipped_calendar))
    code = main(["site", "build", str(out), "--events", str(SHIPPED_EVENTS), "--base-url", "https://x.example.org/",
                 "--bot-username", "KernelTLVBot"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.startswith(f"{out}: {pages} pages, ")
    for name in ("index.html", "events/index.html", f"events/{event.id}/index.html", "talks/index.html",
                 f"speakers/{speaker.id}/index.html", "cfp/index.html", "calendar.ics", "feed.xml",
                 f"events/{event.id}.ics", "static/site.css", "static/search.js"):  # fmt: skip
        assert (out / name).is_file(), name
    assert 'href="https://x.example.org/cfp/"' in (out / "cfp" / "index.html").read_text()
    assert "https://t.me/KernelTLVBot?start=propose" in (out / "cfp" / "index.html").read_text()
    assert b'<link rel="self" href="https://x.example.org/feed.xml"' in (out / "feed.xml").read_bytes()


def test_site_build_reads_events_file_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shipped_calendar: Calendar
) -> None:
    events = tmp_path / "mine.yaml"
    event = shipped_calendar.events[-1]
    events.write_text(renamed(SHIPPED_EVENTS.read_text(), event, "Env Packets"))
    monkeypatch.setenv("EVENTS_FILE", str(events))
    assert main(["site", "build", str(tmp_path / "out")]) == 0
    assert "<h1>Env Packets</h1>" in (tmp_path / "out" / "events" / event.id / "index.html").read_text()
    assert capsys.readouterr().out.rstrip().endswith(f"from {events}")


def test_a_broken_events_file_is_reported_not_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shipped_calendar: Calendar
) -> None:
    events = tmp_path / "broken.yaml"
    events.write_text(broken(SHIPPED_EVENTS.read_text(), shipped_calendar.events[-1]))
    assert main(["site", "build", str(tmp_path / "out"), "--events", str(events)]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'strat'" in err and f"cannot build the site: {events} has" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_other_modes_do_not_load_jinja2() -> None:
    code = "import sys, adapters.cli, adapters.app; assert 'jinja2' not in sys.modules, 'jinja2 loaded'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_building_again_removes_what_the_last_build_wrote_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shipped_calendar: Calendar
) -> None:
    """A meetup taken out of events.yaml loses its page, .ics and share image at the next build
    into the same folder; files the build never wrote stay."""
    out = tmp_path / "site"
    data = shipped_calendar.data
    extra = replace(data.events[-1], id="2031-01-07-gone-meetup")
    build_site(Calendar(replace(data, events=(*data.events, extra))), out, now=NOW)
    (out / "CNAME").write_text("kerneltlv.example.org\n")
    (out / "events" / "notes.txt").write_text("ours, not the build's\n")
    assert (out / "events" / extra.id / "index.html").is_file() and (out / "events" / f"{extra.id}.ics").is_file()

    assert main(["site", "build", str(out), "--events", str(SHIPPED_EVENTS)]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"from {SHIPPED_EVENTS}, 3 files of an earlier build removed")
    assert not (out / "events" / extra.id).exists() and not (out / "events" / f"{extra.id}.ics").exists()
    assert (out / "CNAME").is_file() and (out / "events" / "notes.txt").is_file()
    assert (out / "events" / data.events[-1].id / "index.html").is_file()
    assert main(["site", "build", str(out), "--events", str(SHIPPED_EVENTS)]) == 0  # nothing more to remove
    assert capsys.readouterr().out.rstrip().endswith(f"from {SHIPPED_EVENTS}")


def test_a_tampered_file_list_cannot_reach_outside_the_folder(tmp_path: Path, shipped_calendar: Calendar) -> None:
    out, outside = tmp_path / "site", tmp_path / "keep.txt"
    outside.write_text("not the site's\n")
    build_site(shipped_calendar, out, now=NOW)
    with (out / MANIFEST).open("a") as listed:
        listed.write(f"../keep.txt\n{outside}\n")
    build_site(shipped_calendar, out, now=NOW)
    assert outside.is_file()
