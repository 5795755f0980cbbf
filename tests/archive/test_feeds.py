"""The feeds over real HTTP on loopback: a server with the feed routes, and the whole bot
(`App`, as `meetup-bot run` builds it) with PORT set."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import aiohttp
import icalendar
import pytest
import vobject
from multidict import CIMultiDict

from adapters.app import App
from adapters.web.feeds import mount_feeds
from adapters.web.server import HttpServer
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.conftest import SHIPPED_EVENTS
from tests.fakes import PATIENCE
from tests.fakes.clock import FixedClock

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TIMEOUT = aiohttp.ClientTimeout(total=PATIENCE)


def touch(path: Path, when: datetime) -> None:
    """Set the file's modification time (the feeds' "last revised") on the test clock."""
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    shutil.copy(SHIPPED_EVENTS, path)
    touch(path, NOW - timedelta(days=1))
    return path


@pytest.fixture
async def server(events_file: Path) -> AsyncIterator[tuple[str, CalendarSource, FixedClock]]:
    source = CalendarSource.from_file(events_file)
    clock = FixedClock(NOW)
    http = HttpServer(host="127.0.0.1", port=0)
    mount_feeds(http, source, "https://bot.example.org/", clock)
    await http.start()
    try:
        yield f"http://127.0.0.1:{http.port}", source, clock
    finally:
        await http.stop()


async def get(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url, headers=headers) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


async def test_calendar_ics_is_served_and_parses(server: tuple[str, CalendarSource, FixedClock]) -> None:
    base, _, _ = server
    status, headers, body = await get(f"{base}/calendar.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(body)
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["Asia/Jerusalem"]
    assert len(cal.walk("VEVENT")) == 4
    assert len(vobject.readOne(body.decode()).vevent_list) == 4
    status, _, _ = await get(f"{base}/calendar.ics", **{"If-None-Match": headers["ETag"]})
    assert status == 304


async def test_one_event_ics_and_an_unknown_id(server: tuple[str, CalendarSource, FixedClock]) -> None:
    base, _, _ = server
    status, headers, body = await get(f"{base}/events/2016-09-04-delving-deep.ics")
    assert status == 200 and 'filename="2016-09-04-delving-deep.ics"' in headers["Content-Disposition"]
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["UID"]) == "2016-09-04-delving-deep@kerneltlv"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2016, 9, 4, 16, 0, tzinfo=UTC)
    status, _, body = await get(f"{base}/events/no-such-meetup.ics")
    assert status == 404 and b"no-such-meetup" in body


async def test_atom_feed_lists_every_meetup(server: tuple[str, CalendarSource, FixedClock]) -> None:
    base, _, _ = server
    status, headers, body = await get(f"{base}/feed.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://bot.example.org/feed.xml"  # type: ignore[union-attr]
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert len(entries) == 4 and "Delving Deep - Preemption, Scheduling And Network Drivers" in titles
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 4 and all(i and i.startswith("urn:uuid:") for i in ids)
    assert all(e.findtext(f"{ATOM}updated") for e in entries)


async def test_an_edit_is_served_after_reload_and_a_new_recording_updates_its_entry(
    server: tuple[str, CalendarSource, FixedClock], events_file: Path
) -> None:
    base, source, clock = server
    _, _, before = await get(f"{base}/feed.xml")
    text = events_file.read_text()
    video = "https://www.youtube.com/watch?v=preemption"
    text = text.replace(
        "      - title: Preemption models\n        speakers: [liran-ben-haim]\n",
        f"      - title: Preemption models\n        speakers: [liran-ben-haim]\n        video: {video}\n",
    )
    events_file.write_text(text)
    clock.advance(timedelta(hours=1))
    touch(events_file, clock.now)
    assert source.reload()
    _, _, after = await get(f"{base}/feed.xml")
    entries = {e.findtext(f"{ATOM}id"): e for e in ET.fromstring(after).findall(f"{ATOM}entry")}
    old = {e.findtext(f"{ATOM}id"): e for e in ET.fromstring(before).findall(f"{ATOM}entry")}
    changed = [i for i in entries if entries[i].findtext(f"{ATOM}updated") != old[i].findtext(f"{ATOM}updated")]
    assert len(changed) == 1
    entry = entries[changed[0]]
    assert entry.findtext(f"{ATOM}title") == "Delving Deep - Preemption, Scheduling And Network Drivers (recordings)"
    assert entry.findtext(f"{ATOM}updated") == "2026-11-21T13:00:00Z"
    assert video in (entry.findtext(f"{ATOM}content") or "")
    # The newest change comes first, as feed readers expect.
    assert ET.fromstring(after).findall(f"{ATOM}entry")[0].findtext(f"{ATOM}id") == changed[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_the_running_bot_serves_feeds_and_health_when_port_is_set(tmp_path: Path, events_file: Path) -> None:
    settings = Settings(events_file=events_file, port=free_port(), public_url="https://bot.example.org",
                        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", scheduler_enabled=False)  # fmt: skip
    read_fd, write_fd = os.pipe()
    stdin, stdout = os.fdopen(read_fd, "r"), io.StringIO()
    app = App(settings, CalendarSource.from_file(events_file), clock=FixedClock(NOW), stdin=stdin, stdout=stdout)
    assert app.http is not None
    app.http.host = "127.0.0.1"  # loopback only in tests
    running = asyncio.create_task(app.run())
    writer = os.fdopen(write_fd, "w")
    try:
        base = f"http://127.0.0.1:{settings.port}"
        await asyncio.wait_for(app.ready.wait(), 30)  # a guard against a hang, not a timing check
        status, _, _ = await get(f"{base}/healthz")
        assert status == 200
        status, _, body = await get(f"{base}/calendar.ics")
        assert status == 200 and len(icalendar.Calendar.from_ical(body).walk("VEVENT")) == 4
        status, _, body = await get(f"{base}/feed.xml")
        assert status == 200 and ET.fromstring(body).tag == f"{ATOM}feed"
        writer.write("/ics\n")
        writer.close()  # end of input: with PORT set the bot keeps serving, until told to stop
        await asyncio.wait_for(app.input_ended.wait(), 30)  # every line was answered
        assert not running.done()
    finally:
        writer.close()
        app.stopping.set()  # what SIGTERM does
        assert await asyncio.wait_for(running, 30) == 0
        stdin.close()
    assert "Subscribe to every meetup: https://bot.example.org/calendar.ics" in stdout.getvalue()
