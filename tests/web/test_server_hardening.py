"""The shared HTTP server as the internet meets it: malformed requests cost one log line (and
at most so many a minute), unfinished headers are cut off, every response carries the security
headers, `/x` and `…/index.html` find their page, a 404 is a small HTML page, text is gzipped,
and HOST says where it binds. Real aiohttp server on loopback; raw sockets where a client
library would refuse to send the bytes."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict

from adapters.app import App
from adapters.web.feeds import mount_feeds
from adapters.web.server import PAGE_CSP, SECURITY_HEADERS, HttpServer, LogLimit
from adapters.web.site.serve import mount_site
from bot.calendar.source import CalendarSource
from bot.config import Settings, SettingsError
from tests.conftest import SHIPPED_EVENTS
from tests.fakes.clock import FixedClock
from tests.web.conftest import NOW, OPTIONS

TIMEOUT = aiohttp.ClientTimeout(total=30)


class Minutes:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def minutes() -> Minutes:
    return Minutes()


@pytest.fixture
async def server(minutes: Minutes) -> AsyncIterator[HttpServer]:
    source = CalendarSource.from_file(SHIPPED_EVENTS)
    http = HttpServer("127.0.0.1", 0, header_timeout=0.5, log_limit=LogLimit(3, clock=minutes))
    mount_feeds(http, source, OPTIONS.base_url, FixedClock(NOW))
    mount_site(http, source, OPTIONS.base_url, FixedClock(NOW), OPTIONS.bot_username)
    await http.start()
    yield http
    await http.stop()


async def get(server: HttpServer, path: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    """GET without following redirects or decompressing: the bytes as sent."""
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT, auto_decompress=False) as session,
        session.get(
            url(server, path), headers={"Accept-Encoding": "identity", **headers}, allow_redirects=False
        ) as response,
    ):
        return response.status, CIMultiDict(response.headers), await response.read()


def url(server: HttpServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def raw(server: HttpServer, data: bytes) -> bytes:
    """Send `data` on a fresh connection; everything the server answers until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(30):  # a guard against a hang, not a timing check
            return await reader.read()
    finally:
        writer.close()


MALFORMED = b"GET / HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n"


async def test_malformed_requests_log_one_line_each_and_at_most_so_many_a_minute(
    server: HttpServer, minutes: Minutes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="adapters.web.server")
    caplog.set_level(logging.INFO, logger="aiohttp")
    for _ in range(5):
        assert (await raw(server, MALFORMED)).split(b"\r\n")[0].endswith(b" 400 Bad Request")
    lines = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(lines) == 3  # the limit; the other two are counted
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in lines)
    assert all(r.getMessage().startswith("malformed HTTP request from 127.0.0.1: ") for r in lines)

    caplog.clear()
    minutes.now += 61  # a minute later, the next one is logged, after the count of those left out
    assert (await raw(server, b"GET /\x00 HTTP/1.1\r\n\r\n")).split(b"\r\n")[0].endswith(b" 400 Bad Request")
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert said[0] == "2 more malformed HTTP requests in the last minute were not logged"
    assert len(said) == 2 and said[1].startswith("malformed HTTP request from 127.0.0.1")


async def test_a_handler_failure_still_logs_its_traceback(server: HttpServer, caplog: pytest.LogCaptureFixture) -> None:
    """Only the client's malformed bytes are cut short: our own bugs keep their traceback."""

    async def broken(request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        raise RuntimeError("our bug")

    await server.stop()
    server.app = HttpServer("127.0.0.1", 0).app  # a fresh app: routes cannot be added once started
    server.add_route("GET", "/broken", broken)
    await server.start()
    assert (await get(server, "/broken"))[0] == 500
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None and "our bug" in str(record.exc_info[1])


async def test_unfinished_headers_are_disconnected(server: HttpServer) -> None:
    """header_timeout is 0.5 s here: the server closes the connection by itself."""
    assert await raw(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") == b""
    assert await raw(server, b"") == b""  # a connection that never sends anything, too
    # A whole request on a fresh connection is answered as ever.
    answer = await raw(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")


async def test_every_response_carries_the_security_headers(server: HttpServer) -> None:
    event = CalendarSource.from_file(SHIPPED_EVENTS).current.events[0]
    for path in ("/", "/events/", f"/events/{event.id}/", "/talks", "/nope", "/static/site.css", "/calendar.ics",
                 "/feed.xml", "/healthz", f"/events/{event.id}"):  # fmt: skip
        status, headers, _ = await get(server, path)
        for name, value in SECURITY_HEADERS.items():
            assert headers.get(name) == value, (path, status, name)
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]


async def test_the_csp_header_says_what_the_pages_meta_tag_says(server: HttpServer) -> None:
    _, headers, body = await get(server, "/")
    [meta] = re.findall(rb'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', body)
    assert meta.decode() == PAGE_CSP
    header = [d.strip() for d in headers["Content-Security-Policy"].split(";")]
    assert header == [d.strip() for d in PAGE_CSP.split(";")] + ["frame-ancestors 'none'"]


async def test_a_page_without_its_slash_redirects_and_index_html_serves_it(server: HttpServer) -> None:
    event = CalendarSource.from_file(SHIPPED_EVENTS).current.events[0]
    status, headers, _ = await get(server, f"/events/{event.id}")
    assert status in (301, 308) and headers["Location"] == f"/events/{event.id}/"
    status, headers, _ = await get(server, f"/events/{event.id}?utm=x")
    assert headers["Location"] == f"/events/{event.id}/?utm=x"
    page = (await get(server, f"/events/{event.id}/"))[2]
    assert await get(server, f"/events/{event.id}/index.html") == (
        200,
        *(await get(server, f"/events/{event.id}/"))[1:],
    )
    assert (await get(server, "/index.html"))[2] == (await get(server, "/"))[2]
    assert (await get(server, "/events/index.html"))[2] == (await get(server, "/events/"))[2]
    assert b"<h1>" in page
    # Where there is no page, there is no redirect: a plain 404.
    for path in ("/events/no-such-meetup", "/events/no-such-meetup/index.html", "/static/index.html",
                 "//evil.example", "/calendar.ics/index.html"):  # fmt: skip
        assert (await get(server, path))[0] == 404, path


async def test_a_path_is_decoded_once_when_looking_for_its_page(
    server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """`/talks%0A` is not `/talks` (the newline once went into the Location header: an
    unhandled exception and a dropped connection), nor is `/talk%2573` `/talks`."""
    for path in ("/talks%0A", "/talks%0D%0A", "/talk%2573", "/%2574alks/index.html"):
        answer = await raw(server, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 404 "), (path, answer[:200])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # What is really a page without its slash still redirects, the path encoded as it came.
    status, headers, _ = await get(server, "/tal%6Bs?q=a%20b")
    assert status == 301 and headers["Location"] == "/talks/?q=a%20b"


async def test_not_found_is_a_small_html_page_with_a_link_home(server: HttpServer) -> None:
    for path in ("/no/such/page", "/events/no-such-meetup/"):
        status, headers, body = await get(server, path)
        assert status == 404 and headers["Content-Type"].startswith("text/html")
        text = body.decode()
        assert "<h1>Page not found</h1>" in text and '<a href="/">' in text
        assert '<link rel="stylesheet" href="/static/site.css">' in text
        assert f'content="{PAGE_CSP}"' in text
    # What a route said about the miss is kept (escaped).
    _, _, body = await get(server, "/events/<script>.ics")
    assert b"<script>" not in body and b"&lt;script&gt;" in body


async def test_text_is_gzipped_for_clients_that_accept_it(server: HttpServer) -> None:
    _, plain_headers, plain = await get(server, "/", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain_headers and plain.startswith(b"<!doctype html")
    for accept in ("gzip", "gzip, deflate, br", "br;q=1, gzip;q=0.5"):
        status, headers, body = await get(server, "/", **{"Accept-Encoding": accept})
        assert status == 200 and headers["Content-Encoding"] == "gzip", accept
        assert gzip.decompress(body) == plain and len(body) < len(plain)
        assert "Accept-Encoding" in headers["Vary"]
    assert "Content-Encoding" not in (await get(server, "/", **{"Accept-Encoding": "gzip;q=0"}))[1]
    for path in ("/static/site.css", "/calendar.ics", "/feed.xml"):
        assert (await get(server, path, **{"Accept-Encoding": "gzip"}))[1]["Content-Encoding"] == "gzip", path
    # A revalidation still works against the gzipped response's (weak) ETag.
    _, headers, _ = await get(server, "/", **{"Accept-Encoding": "gzip"})
    assert headers["ETag"].startswith('W/"')
    assert (await get(server, "/", **{"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]}))[0] == 304


def test_host_setting() -> None:
    assert Settings.from_env({}).host == "0.0.0.0"  # containers need every interface
    assert Settings.from_env({"HOST": "127.0.0.1"}).host == "127.0.0.1"
    assert Settings.from_env({"HOST": "[::1]"}).host == "::1"
    assert Settings.from_env({"HOST": "localhost"}).host == "localhost"
    for bad in ("127.0.0.1:8080", "a host", "http://x", "-x", "999.1.1.1", "10.0.0"):  # no IP, and no name
        with pytest.raises(SettingsError, match="HOST must be an IP address"):
            Settings.from_env({"HOST": bad})


async def test_the_app_binds_the_host_setting(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"HOST": "127.0.0.1", "PORT": "1", "EVENTS_FILE": str(SHIPPED_EVENTS), "SCHEDULER": "off",
         "SQLITE_PATH": str(tmp_path / "db")}
    )  # fmt: skip
    app = App(settings, CalendarSource.from_file(SHIPPED_EVENTS), FixedClock(NOW))
    assert app.http is not None and (app.http.host, app.http.port) == ("127.0.0.1", 1)
