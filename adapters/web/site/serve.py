"""The website served live by the running bot, on the shared HttpServer next to the feeds.

Each request renders from `CalendarSource.current`: a good edit of events.yaml shows on the
next request, a broken one keeps the last good pages. Rendered pages are kept per calendar
object until the next start or end of a meetup (when "upcoming" changes), and rendered off the
event loop so a large calendar never stalls the chats.
"""

from __future__ import annotations

import asyncio
import hashlib

from aiohttp import web

from adapters.web.server import HttpServer
from adapters.web.site.render import STATIC, STATIC_FILES, SiteOptions, SiteRenderer
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.clock import Clock, system_clock

HTML_TYPE = "text/html"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}
SECTIONS = ("/events/", "/talks/", "/speakers/", "/cfp/")
# Pages kept per calendar: every page of a real community's site, and a bound for a crawler
# walking a calendar of thousands of meetups (the oldest kept page goes first).
MAX_CACHED = 512


class SiteRoutes:
    def __init__(self, source: CalendarSource, options: SiteOptions | None = None, clock: Clock = system_clock) -> None:
        self.source = source
        self.renderer = SiteRenderer(options)
        self.clock = clock
        self.static = {name: (STATIC / name).read_bytes() for name in STATIC_FILES}
        self._calendar: Calendar | None = None
        self._until = 0.0
        self._pages: dict[str, bytes] = {}

    def mount(self, server: HttpServer) -> None:
        for path in ("/", *SECTIONS, "/events/{event_id}/", "/speakers/{speaker_id}/"):
            server.add_route("GET", path, self.page)
        for section in SECTIONS:
            server.add_route("GET", section.rstrip("/"), self.slash)
        server.add_route("GET", "/static/{name}", self.asset)

    async def page(self, request: web.Request) -> web.StreamResponse:
        body = await self.render(request.path)
        if body is None:
            raise web.HTTPNotFound(text=f"no page at {request.path}\n")
        return _respond(request, body, HTML_TYPE)

    async def render(self, path: str) -> bytes | None:
        """The page at `path` for the calendar served now; None when there is none."""
        calendar, now = self.source.current, self.clock()
        if calendar is not self._calendar or now.timestamp() >= self._until:
            self._calendar, self._pages = calendar, {}
            self._until = self.renderer.index(calendar).valid_until(now)
        body = self._pages.get(path)
        if body is None:
            html = await asyncio.to_thread(self.renderer.render, calendar, path, now)
            if html is None:
                return None  # unknown paths are not cached: they cost nothing to refuse again
            body = html.encode("utf-8")
            if calendar is self._calendar:  # a reload during the render: do not cache stale pages
                if len(self._pages) >= MAX_CACHED:
                    del self._pages[next(iter(self._pages))]
                self._pages[path] = body
        return body

    async def slash(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(request.path + "/")

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
    return web.Response(body=body, content_type=content_type, charset="utf-8", headers=headers)


def mount_site(
    server: HttpServer,
    source: CalendarSource,
    public_url: str | None = None,
    clock: Clock = system_clock,
    bot_username: str | None = None,
) -> SiteRoutes:
    """Mount the website's pages; `public_url` makes canonical links and cards absolute, and the
    bot's Telegram username (else $TELEGRAM_BOT_USERNAME) adds the /cfp deep link."""
    routes = SiteRoutes(source, SiteOptions.from_env(public_url, bot_username), clock)
    routes.mount(server)
    return routes
