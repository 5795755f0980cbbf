"""The live site's kept pages against what anyone can send: endless distinct query strings stay
in a small bounded cache of their own and never evict the site's pages, every spelling of one
talk search (percent-encoding, spaces, an accent in one or two characters, extra parameters) is
one kept page, and a new calendar is never answered from the old one's pages. A real aiohttp
server on loopback, with the site and feeds mounted as `meetup-bot run` mounts them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from adapters.web.feeds import mount_feeds
from adapters.web.server import HttpServer
from adapters.web.site.serve import MAX_SEARCHES, Lru, SiteRoutes, mount_site
from bot.calendar.source import CalendarSource
from tests.fakes import PATIENCE
from tests.fakes.clock import FixedClock
from tests.web.conftest import NOW, OPTIONS

TIMEOUT = aiohttp.ClientTimeout(total=PATIENCE)
TALK = "      - title: Locking mechanisms in the kernel\n"
CAFE_TALK = "      - title: Locking mechanisms in the kernel, over a café\n"
MATCHES = re.compile(rb"(\d+) of \d+ talks match")


@pytest.fixture
async def site(events_file: Path) -> AsyncIterator[tuple[SiteRoutes, CalendarSource, aiohttp.ClientSession, str]]:
    source = CalendarSource.from_file(events_file)
    http = HttpServer("127.0.0.1", 0)
    mount_feeds(http, source, OPTIONS.base_url, FixedClock(NOW))
    routes = mount_site(http, source, OPTIONS.base_url, FixedClock(NOW), OPTIONS.bot_username)
    await http.start()
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            yield routes, source, session, f"http://127.0.0.1:{http.port}"
    finally:
        await http.stop()


async def fetch(session: aiohttp.ClientSession, url: str) -> tuple[str, bytes]:
    """The page's ETag and body; the URL is sent as written (encoded=True: no re-encoding)."""
    async with session.get(
        URL(url, encoded=True), allow_redirects=False, headers={"Accept-Encoding": "identity"}
    ) as response:
        assert response.status == 200, url
        return response.headers["ETag"], await response.read()


def found(body: bytes) -> int:
    match = MATCHES.search(body)
    assert match is not None, "not a search results page"
    return int(match.group(1))


async def test_junk_queries_stay_in_a_bounded_cache_and_never_evict_the_sites_pages(
    site: tuple[SiteRoutes, CalendarSource, aiohttp.ClientSession, str],
) -> None:
    routes, _, session, base = site
    pages = {path: await fetch(session, base + path) for path in ("/", "/events/", "/talks/", "/cfp/")}
    assert len(routes._pages) == len(pages)
    junk = [
        *(f"/talks/?q=junk{i}" for i in range(MAX_SEARCHES)),
        *(f"/talks/?q=junk%20{i}&x={i}" for i in range(MAX_SEARCHES)),
        *(f"/talks/?q={'z' * 50}{i}" for i in range(MAX_SEARCHES)),
    ]
    for url in junk:
        await fetch(session, base + url)
        assert len(routes._searches) <= MAX_SEARCHES
    # Parameters the page does not read are the plain page: not a search, nothing new kept.
    for i in range(MAX_SEARCHES):
        assert await fetch(session, f"{base}/talks/?Q=junk{i}&utm_source={i}") == pages["/talks/"]
    assert len(routes._pages) == len(pages), "junk searches took the place of the site's pages"
    assert len(routes._searches) == MAX_SEARCHES
    for path, page in pages.items():
        assert await fetch(session, base + path) == page


async def test_every_spelling_of_one_search_is_one_kept_page(
    site: tuple[SiteRoutes, CalendarSource, aiohttp.ClientSession, str],
) -> None:
    routes, _, session, base = site
    spellings = [
        "/talks/?q=locking%20mechanisms",
        "/talks/?q=locking+mechanisms",
        "/talks/?q=++locking+%20mechanisms%09",
        "/talks/?utm_source=chat&q=locking%0Amechanisms&ref=1",
        "/talks/?q=locking+mechanisms&q=something+else",  # the first `q` is the search
    ]
    answers = {await fetch(session, base + url) for url in spellings}
    assert len(answers) == 1, "one search answered with different pages"
    (_, body), *_ = answers
    assert found(body) == 1 and b'value="locking mechanisms"' in body
    assert len(routes._searches) == 1
    # Past SEARCH_MAX characters a search is the same search: the page shows the first 200.
    long = {await fetch(session, f"{base}/talks/?q={'a' * 200}{tail}") for tail in ("b", "c", "%20d", "")}
    assert len(long) == 1 and len(routes._searches) == 2


async def test_a_new_calendar_is_not_answered_from_the_old_ones_kept_searches(
    site: tuple[SiteRoutes, CalendarSource, aiohttp.ClientSession, str], events_file: Path
) -> None:
    routes, source, session, base = site
    composed, decomposed = "/talks/?q=caf%C3%A9", "/talks/?q=cafe%CC%81"  # é as one character, as e + accent
    etag, before = await fetch(session, base + composed)
    assert found(before) == 0
    text = events_file.read_text()
    assert text.count(TALK) == 1
    events_file.write_text(text.replace(TALK, CAFE_TALK))
    assert source.reload()
    after = await fetch(session, base + composed)
    assert after[0] != etag and found(after[1]) == 1, "the old calendar's search page was served"
    assert await fetch(session, base + decomposed) == after  # NFC: the same search, the same kept page
    assert len(routes._searches) == 1


def test_the_least_recently_used_page_goes_first() -> None:
    kept: Lru[bytes] = Lru(2)
    kept.put("home", b"home")
    kept.put("talks", b"talks")
    assert kept.get("home") == b"home"  # read: now the most recently used
    kept.put("search", b"search")
    assert (kept.get("home"), kept.get("talks"), kept.get("search")) == (b"home", None, b"search")
    assert len(kept) == 2
