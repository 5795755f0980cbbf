"""The composition root: builds every part from Settings and runs them in one event loop.

Start order: calendar, store, adapters, scheduler, watcher; stop order is the reverse, so that
nothing is left sending through an adapter that is already closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from adapters import platforms
from adapters.base import Adapter
from adapters.platforms import service_accounts
from adapters.plugin import AdapterParts
from bot.assembly import assemble
from bot.calendar.source import CalendarSource
from bot.clock import Clock, system_clock
from bot.config import Settings

if TYPE_CHECKING:
    from adapters.web.server import HttpServer

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    source: CalendarSource
    clock: Clock = system_clock
    stdin: TextIO | None = None
    stdout: TextIO | None = None
    adapters: list[Adapter] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # set once everything has started
    input_ended: asyncio.Event = field(default_factory=asyncio.Event)  # the console read its last line

    def __post_init__(self) -> None:
        # Every platform's settings are checked here (SettingsError), on or off; each platform's
        # service accounts are never trusted as organisers.
        self.platforms = platforms.configured(self.settings)
        self.settings = replace(self.settings, service_accounts=self.settings.service_accounts | service_accounts())
        core = assemble(self.settings, self.source, self.clock)  # every command, the store, the scheduler
        self.announcements = core.announcements
        self.registry = core.registry
        self.bot = core.bot
        self.rsvp = core.rsvp
        # One HTTP server on $PORT for webhooks, Slack HTTP mode and feeds; adapters mount their
        # routes while being built, and it starts once they are all mounted.
        self.http: HttpServer | None = None
        if self.settings.port:  # aiohttp is imported only when there is a server to run
            from adapters.web.feeds import mount_feeds
            from adapters.web.server import HttpServer

            self.http = HttpServer(port=self.settings.port)
            mount_feeds(self.http, self.source, self.settings.public_url, self.clock)  # /calendar.ics, /feed.xml…
            from adapters.web.site.serve import mount_site  # Jinja2 is loaded only when pages are served

            mount_site(self.http, self.source, self.settings.public_url, self.clock)  # /, /events/, /talks/…

    def build_adapters(self) -> list[Adapter]:
        if not self.platforms:
            from adapters.console.adapter import ConsoleAdapter

            return [ConsoleAdapter(self.stdin, self.stdout, on_eof=self._input_ended)]
        parts = AdapterParts(self.registry, self.http, self.announcements.chat_status, self.announcements.store.seen)
        return [settings.build(parts) for _, settings in self.platforms]

    def _input_ended(self) -> None:
        self.input_ended.set()
        if self.http is None:  # with PORT set the process is a server: SIGTERM stops it, not the input
            self.stopping.set()

    async def run(self) -> int:
        self.adapters = self.build_adapters()
        watcher = asyncio.create_task(self.source.watch(), name="calendar-watch")
        started: list[Adapter] = []
        try:
            await self.announcements.open()  # tables exist before any chat can join or leave
            if self.http is not None:
                await self.http.start()  # every route is mounted by now
            for adapter in self.adapters:
                await adapter.start(self.bot.handle)
                started.append(adapter)
                log.info("%s adapter started", adapter.platform)
            await self.announcements.start(started)  # the started adapters are its senders
            self.ready.set()
            self.rsvp.start(self.source.current)  # cancellations made while we were down
            await self.stopping.wait()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            try:
                await self.rsvp.drain()  # private messages on their way, before the store closes
                await self.announcements.stop()  # before the adapters it sends through
            except Exception:
                log.exception("stopping announcements failed")
            for adapter in reversed(started):
                try:
                    await adapter.stop()
                except Exception:
                    log.exception("stopping the %s adapter failed", adapter.platform)
            if self.http is not None:
                await self.http.stop()
        return 0

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stopping.set)
