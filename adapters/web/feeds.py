"""The calendar feeds over HTTP: /calendar.ics, /events/<id>.ics and /feed.xml (Atom).

Mounted on the one shared HttpServer. Every request renders from `CalendarSource.current`,
so an edit of events.yaml is served as soon as it is reloaded. Responses carry an ETag (a
hash of the body) so that calendar apps polling every few minutes get a cheap 304. Entries and
calendar URLs point to the site's own pages (the same server serves them), and the revision
time comes from the content (adapters/web/stamp.py), as in the static build.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime

from aiohttp import web

from adapters.web.server import HttpServer
from adapters.web.stamp import StampCache, hashed_stamp
from bot.archive.atom import UpdatedAt, atom_feed, baseline_updated
from bot.archive.ics import calendar_ics
from bot.calendar.model import Event
from bot.calendar.source import CalendarSource
from bot.clock import Clock, system_clock

ICS_TYPE = "text/calendar"
ATOM_TYPE = "application/atom+xml"


class EntryClock:
    """When each feed entry last changed, as seen by this process: a meetup keeps its baseline
    time until its content changes (a recording added), then it is "updated" at that moment.
    Lost on restart, which only makes the next first look fall back to the baseline."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._seen: dict[str, tuple[str, datetime]] = {}

    def updated_at(self, stamp: datetime) -> UpdatedAt:
        baseline = baseline_updated(stamp)

        def at(event: Event, digest: str) -> datetime:
            known = self._seen.get(event.id)
            if known is None:
                self._seen[event.id] = (digest, baseline(event, digest))
            elif known[0] != digest:
                self._seen[event.id] = (digest, self.clock())
            return self._seen[event.id][1]

        return at


class FeedRoutes:
    def __init__(self, source: CalendarSource, public_url: str | None = None, clock: Clock = system_clock) -> None:
        self.source = source
        self.public_url = public_url.rstrip("/") if public_url else None
        self.clock = clock
        self.entries = EntryClock(clock)
        self._stamps = StampCache()

    def mount(self, server: HttpServer) -> None:
        server.add_route("GET", "/calendar.ics", self.calendar)
        server.add_route("GET", "/events/{event_id}.ics", self.event)
        server.add_route("GET", "/feed.xml", self.atom)

    def stamp(self) -> datetime:
        """When the calendar was last revised, from its content: the file's last commit, else a
        hash of it (of the calendar's contents when it was not read from a file)."""
        path = self.source.path
        found = self._stamps.stamp(path) if path is not None else None
        return found or hashed_stamp(repr(self.source.current.data).encode())

    def site(self, request: web.Request) -> str:
        return self.public_url or f"{request.scheme}://{request.host}"

    async def calendar(self, request: web.Request) -> web.StreamResponse:
        stamp = await asyncio.to_thread(self.stamp)  # may run git once per change of the file
        body = calendar_ics(self.source.current.data, stamp=stamp, site_url=self.site(request))
        return _respond(request, body, ICS_TYPE, "calendar.ics")

    async def event(self, request: web.Request) -> web.StreamResponse:
        calendar = self.source.current
        event = calendar.get(request.match_info["event_id"])
        if event is None:
            raise web.HTTPNotFound(text=f"no meetup with id {request.match_info['event_id']!r}\n")
        stamp = await asyncio.to_thread(self.stamp)
        body = calendar_ics(calendar.data, stamp=stamp, events=[event], site_url=self.site(request))
        return _respond(request, body, ICS_TYPE, f"{event.id}.ics")

    async def atom(self, request: web.Request) -> web.StreamResponse:
        base = self.site(request)
        stamp = await asyncio.to_thread(self.stamp)
        body = atom_feed(
            self.source.current.data,
            updated_at=self.entries.updated_at(stamp),
            feed_url=f"{base}/feed.xml",
            ics_url=f"{base}/calendar.ics",
            site_url=base,
        )
        return _respond(request, body, ATOM_TYPE)


def _respond(request: web.Request, body: bytes, content_type: str, filename: str | None = None) -> web.StreamResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type=content_type, charset="utf-8", headers=headers)


def mount_feeds(
    server: HttpServer, source: CalendarSource, public_url: str | None = None, clock: Clock = system_clock
) -> FeedRoutes:
    routes = FeedRoutes(source, public_url, clock)
    routes.mount(server)
    return routes
