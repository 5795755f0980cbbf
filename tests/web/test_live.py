"""The website served live: the same pages as the static build from the shared HttpServer, and
from the whole bot (`App`, as `meetup-bot run` builds it) with PORT set, current with every
good edit of events.yaml and keeping the last good pages through a broken one."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from html import escape
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict

from adapters.app import App
from adapters.web.feeds import mount_feeds
from adapters.web.server import HttpServer
from adapters.web.site.render import SiteRenderer
from adapters.web.site.serve import SiteRoutes
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes import PATIENCE
from tests.fakes.clock import FixedClock
from tests.web.conftest import NOW, OPTIONS, broken, renamed

TIMEOUT = aiohttp.ClientTimeout(total=PATIENCE)
NEW_TITLE = "Renamed on the live site"


async def get(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        return response.status, CIMultiDict(response.headers), await response.read()


@pytest.fixture
async def served(events_file: Path) -> AsyncIterator[tuple[str, CalendarSource, FixedClock]]:
    source = CalendarSource.from_file(events_file)
    clock = FixedClock(NOW)
    http = HttpServer(host="127.0.0.1", port=0)
    mount_feeds(http, source, OPTIONS.base_url, clock)
    SiteRoutes(source, OPTIONS, clock).mount(http)
    await http.start()
    try:
        yield f"http://127.0.0.1:{http.port}", source, clock
    finally:
        await http.stop()


async def test_every_path_answers_with_the_same_page_as_the_static_build(
    served: tuple[str, CalendarSource, FixedClock], shipped_site: Path, shipped_calendar: Calendar
) -> None:
    base, _, _ = served
    paths = SiteRenderer(OPTIONS).paths(shipped_calendar)
    event = shipped_calendar.events[0]
    assert {"/", "/events/", "/talks/", "/speakers/", "/cfp/", f"/events/{event.id}/"} <= set(paths)
    assert f"/speakers/{event.speakers[0].id}/" in paths
    for path in paths:
        status, headers, body = await get(base + path)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8", path
        assert body == (shipped_site / path.lstrip("/") / "index.html").read_bytes(), path
    for name, kind in (("site.css", "text/css"), ("search.js", "text/javascript")):
        status, headers, body = await get(f"{base}/static/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind)
        assert body == (shipped_site / "static" / name).read_bytes()
    for feed in ("/calendar.ics", "/feed.xml", f"/events/{event.id}.ics"):
        assert (await get(base + feed))[0] == 200, feed


async def test_unknown_pages_404_sections_redirect_and_etags_revalidate(
    served: tuple[str, CalendarSource, FixedClock],
) -> None:
    base, source, _ = served
    event = source.current.events[0]
    for path in ("/events/no-such-meetup/", "/speakers/nobody/", "/static/other.js", f"/events/{event.id.upper()}/"):
        assert (await get(base + path))[0] == 404, path
    status, headers, _ = await get(f"{base}/talks")
    assert status == 301 and headers["Location"] == "/talks/"
    status, headers, _ = await get(f"{base}/")
    assert headers["Cache-Control"] == "no-cache"
    assert (await get(f"{base}/", **{"If-None-Match": headers["ETag"]}))[0] == 304


async def test_pages_follow_the_clock_and_the_calendar(
    served: tuple[str, CalendarSource, FixedClock], events_file: Path
) -> None:
    base, source, clock = served
    nxt = source.current.next(clock.now)
    assert nxt is not None
    _, _, home = await get(f"{base}/")
    assert escape(nxt.title).encode() in home and b"No meetup is scheduled yet" not in home
    clock.now = source.current.events[-1].end + timedelta(minutes=1)  # the last meetup is over
    _, _, home = await get(f"{base}/")
    assert b"No meetup is scheduled yet" in home
    _, _, page = await get(f"{base}/events/{nxt.id}/")
    events_file.write_text(renamed(events_file.read_text(), nxt, NEW_TITLE))
    assert source.reload()
    _, _, page = await get(f"{base}/events/{nxt.id}/")
    assert f"<h1>{NEW_TITLE}</h1>".encode() in page


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Signal(logging.Handler):
    """Sets an asyncio.Event, from any thread, when a record containing `text` is logged."""

    def __init__(self, text: str, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.ERROR)
        self.text, self.loop, self.event = text, loop, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.loop.call_soon_threadsafe(self.event.set)


@pytest.fixture
async def broken_edit_logged() -> AsyncIterator[_Signal]:
    signal = _Signal("still serving the last good calendar", asyncio.get_running_loop())
    logger = logging.getLogger("bot.calendar.source")
    logger.addHandler(signal)
    try:
        yield signal
    finally:
        logger.removeHandler(signal)


async def test_meetup_bot_run_with_port_serves_the_site_current_with_every_good_edit(
    tmp_path: Path, events_file: Path, broken_edit_logged: _Signal
) -> None:
    settings = Settings(events_file=events_file, port=free_port(), public_url="https://bot.example.org",
                        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", scheduler_enabled=False)  # fmt: skip
    read_fd, write_fd = os.pipe()
    stdin = os.fdopen(read_fd, "r")
    source = CalendarSource.from_file(events_file)
    reloaded = asyncio.Event()
    source.on_change(lambda _old, _new: reloaded.set())
    app = App(settings, source, clock=FixedClock(NOW), stdin=stdin, stdout=io.StringIO())
    assert app.http is not None
    app.http.host = "127.0.0.1"  # loopback only in tests
    running = asyncio.create_task(app.run())
    base = f"http://127.0.0.1:{settings.port}"
    try:
        for _ in range(200):  # the server starts within the app's own start-up
            try:
                status, _, _ = await get(f"{base}/healthz")
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        nxt = source.current.next(NOW)
        assert nxt is not None
        speaker = source.current.events[0].speakers[0]
        pages = ("/", "/events/", f"/events/{nxt.id}/", "/talks/", "/speakers/", "/cfp/", f"/speakers/{speaker.id}/")
        for path in (*pages, "/calendar.ics", "/feed.xml", "/static/site.css"):
            assert (await get(base + path))[0] == 200, path
        _, _, before = await get(f"{base}/events/{nxt.id}/")
        assert f'<link rel="canonical" href="https://bot.example.org/events/{nxt.id}/">'.encode() in before

        good = events_file.read_text()
        events_file.write_text(broken(good, nxt))
        await asyncio.wait_for(broken_edit_logged.event.wait(), 10)
        _, _, kept = await get(f"{base}/events/{nxt.id}/")
        assert kept == before and not reloaded.is_set()

        events_file.write_text(renamed(good, nxt, NEW_TITLE))
        await asyncio.wait_for(reloaded.wait(), 10)
        for path in ("/", "/events/", f"/events/{nxt.id}/"):
            status, _, body = await get(base + path)
            assert status == 200 and NEW_TITLE.encode() in body, path
    finally:
        app.stopping.set()
        assert await asyncio.wait_for(running, PATIENCE) == 0
        os.close(write_fd)
        stdin.close()
