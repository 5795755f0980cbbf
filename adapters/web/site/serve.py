"""The website served live by the running bot, on the shared HttpServer next to the feeds.

Each request renders from `CalendarSource.current`: a good edit of events.yaml shows on the
next request, a broken one keeps the last good pages. Rendered pages are kept per calendar
object until the next start or end of a meetup (when "upcoming" changes), and rendered off the
event loop so a large calendar never stalls the chats.

Served by the running bot, a page also says what only the bot knows: the going count of the next
meetup (from the store, read per request; a page is kept per count), the "I'm going" deep link
with the username the Telegram adapter got from getMe, and a talk search (`/talks/?q=`) rendered
already filtered. The share images (`/share.png`, `/events/<id>/share.png`) are drawn on demand.

Kept pages are bounded and least recently used go first. Searches are kept apart from the
site's pages, keyed on the search as the page uses it (render.talk_search): anyone can send
endless distinct queries, and those must neither evict the pages everyone reads nor hold
more than a few copies of the (large) talks page; spellings of one search share an entry.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Generic, TypeVar

from aiohttp import web

from adapters.web.server import HttpServer
from adapters.web.site import share_image
from adapters.web.site.render import SHARE_IMAGE, STATIC, STATIC_FILES, SiteOptions, SiteRenderer, talk_search
from bot.calendar.calendar import Calendar
from bot.calendar.model import Event
from bot.calendar.source import CalendarSource
from bot.clock import Clock, system_clock
from bot.rsvp.model import Counts

CountsOf = Callable[[Sequence[Event]], Awaitable[Mapping[str, Counts]]]  # RsvpService.counts
HTML_TYPE = "text/html"
PNG_TYPE = "image/png"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}
SECTIONS = ("/events/", "/talks/", "/speakers/", "/cfp/")
# Pages kept per calendar: every page of a real community's site, and a bound for a crawler
# walking a calendar of thousands of meetups (the least recently used page goes first).
MAX_CACHED = 512
# Talk searches kept per calendar: each is a whole talks page (every talk, the unfound hidden),
# so a few; the searches people repeat (the site's own topic links) stay, one-offs pass through.
MAX_SEARCHES = 32

V = TypeVar("V")


class Lru(Generic[V]):
    """At most `size` values; when full, the least recently read or stored one goes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable) -> V | None:
        value = self._kept.get(key)
        if value is not None:
            self._kept.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._kept[key] = value
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


class SiteRoutes:
    def __init__(
        self,
        source: CalendarSource,
        options: SiteOptions | None = None,
        clock: Clock = system_clock,
        *,
        counts: CountsOf | None = None,
        bot_username: Callable[[], str | None] | None = None,
    ) -> None:
        self.source = source
        self.renderer = SiteRenderer(options)
        self.clock = clock
        self.counts = counts  # the going counts from the store; None: pages say none
        self.bot_username = bot_username  # the running Telegram bot's own username (getMe)
        self.static = {name: (STATIC / name).read_bytes() for name in STATIC_FILES}
        self._calendar: Calendar | None = None
        self._until = 0.0
        self._pages: Lru[bytes] = Lru(MAX_CACHED)  # the site's pages and share images
        self._searches: Lru[bytes] = Lru(MAX_SEARCHES)  # /talks/?q=…, apart: anyone can make more

    def mount(self, server: HttpServer) -> None:
        for path in ("/", *SECTIONS, "/events/{event_id}/", "/speakers/{speaker_id}/"):
            server.add_route("GET", path, self.page)
        # `/talks` and the like are redirected to their page by the server (it keeps the query).
        server.add_route("GET", "/static/{name}", self.asset)
        server.add_route("GET", f"/{SHARE_IMAGE}", self.image)
        server.add_route("GET", f"/events/{{event_id}}/{SHARE_IMAGE}", self.image)
        server.stylesheet = "/static/site.css"  # the not-found page looks like the site

    async def page(self, request: web.Request) -> web.StreamResponse:
        # Only /talks/ reads a parameter, and only `q`; any other parameter changes nothing.
        query = request.query.get("q") if request.path == "/talks/" else None
        body = await self.render(request.path, query)
        if body is None:
            raise web.HTTPNotFound(text=f"no page at {request.path}\n")
        return _respond(request, body, HTML_TYPE)

    def _current(self) -> Calendar:
        """The calendar served now; the kept pages go when it, the time or the username changes."""
        calendar, now = self.source.current, self.clock()
        username = self.bot_username() if self.bot_username is not None else None
        if username and username != self.renderer.options.bot_username:
            self.renderer.options = replace(self.renderer.options, bot_username=username)
            self._calendar = None
        if calendar is not self._calendar or now.timestamp() >= self._until:
            self._calendar = calendar
            self._pages, self._searches = Lru(MAX_CACHED), Lru(MAX_SEARCHES)
            self._until = self.renderer.index(calendar).valid_until(now)
        return calendar

    async def render(self, path: str, query: str | None = None) -> bytes | None:
        """The page at `path` for the calendar served now; None when there is none."""
        calendar, now = self._current(), self.clock()
        # The page depends on the search only as talk_search has it: that, not the raw text, is the key.
        search = talk_search(query) if path == "/talks/" else ""
        # Taken before any await: the cache of this calendar and time (see below).
        kept = self._searches if search else self._pages
        counted = self.renderer.counted(calendar, path, now)
        counts = dict(await self.counts(counted)) if self.counts is not None and counted else {}
        key = (path, search, *sorted(counts.items()))
        body = kept.get(key)
        if body is None:
            html = await asyncio.to_thread(self.renderer.render, calendar, path, now, counts=counts, query=search)
            if html is None:
                return None  # unknown paths are not cached: they cost nothing to refuse again
            body = html.encode("utf-8")
            # Were the calendar or the time replaced during the awaits, `kept` was replaced too:
            # the page goes into a cache no one reads any more, never into the new one.
            kept.put(key, body)
        return body

    async def image(self, request: web.Request) -> web.StreamResponse:
        """A share image: the site's, or a meetup's (drawn once per calendar)."""
        calendar = self._current()
        event_id = request.match_info.get("event_id")
        key, kept = ("image", event_id), self._pages
        body = kept.get(key)
        if body is None:
            if event_id is None:
                body = await asyncio.to_thread(share_image.site_image, calendar.community)
            else:
                event = calendar.get(event_id)
                if event is None or event.id != event_id:
                    raise web.HTTPNotFound(text=f"no meetup with id {event_id!r}\n")
                body = await asyncio.to_thread(share_image.event_image, event, calendar.community)
            kept.put(key, body)
        return _respond(request, body, PNG_TYPE)

    async def asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        body = self.static.get(name)
        if body is None:
            raise web.HTTPNotFound(text=f"no file {name!r}\n")
        return _respond(request, body, STATIC_TYPES[name[name.rindex(".") :]])


def _respond(request: web.Request, body: bytes, content_type: str) -> web.StreamResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    # no-cache: browsers revalidate (a cheap 304), so an edit of events.yaml shows at once.
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    charset = None if content_type == PNG_TYPE else "utf-8"
    return web.Response(body=body, content_type=content_type, charset=charset, headers=headers)


def mount_site(
    server: HttpServer,
    source: CalendarSource,
    public_url: str | None = None,
    clock: Clock = system_clock,
    bot_username: str | None = None,
    *,
    counts: CountsOf | None = None,
    running_username: Callable[[], str | None] | None = None,
    slack_command: str | None = None,
) -> SiteRoutes:
    """Mount the website's pages; `public_url` makes canonical links and cards absolute; the
    bot's Telegram username (the running adapter's, else `bot_username`, else
    $TELEGRAM_BOT_USERNAME) adds the deep links; `counts` (RsvpService.counts) the going counts."""
    options = replace(SiteOptions.from_env(public_url, bot_username), slack_command=slack_command)
    routes = SiteRoutes(source, options, clock, counts=counts, bot_username=running_username)
    routes.mount(server)
    return routes
