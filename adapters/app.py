"""The composition root: builds every part from Settings and runs them in one event loop.

Start order: calendar, store, adapters, scheduler, watcher; stop order is the reverse, so that
nothing is left sending through an adapter that is already closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
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
from bot.store.deferred import as_deferred
from bot.store.kinds import SCHEMA_HEAD

if TYPE_CHECKING:
    from adapters.web.server import HttpServer
    from bot.proposals.model import Status

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
        platforms.check_organisers(self.settings)  # an entry that could never match anyone stops the start
        platforms.check_announce_chats(self.settings)  # and one nobody could post to
        self.settings = replace(self.settings, service_accounts=self.settings.service_accounts | service_accounts())
        core = assemble(self.settings, self.source, self.clock)  # every command, the store, the scheduler
        self.announcements = core.announcements
        self.registry = core.registry
        self.bot = core.bot
        self.rsvp = core.rsvp
        self.proposals = core.proposals
        self.writer = core.writer  # every edit of the calendar: drained before the store closes
        self.pull = core.pull  # CALENDAR_REPO: fetched every CALENDAR_PULL_SECONDS
        # One HTTP server on $PORT for webhooks, Slack HTTP mode and feeds; adapters mount their
        # routes while being built, and it starts once they are all mounted.
        self.http: HttpServer | None = None
        if self.settings.port:  # aiohttp is imported only when there is a server to run
            from adapters.web.feeds import mount_feeds
            from adapters.web.server import HttpServer

            self.http = HttpServer(host=self.settings.host, port=self.settings.port)
            mount_feeds(self.http, self.source, self.settings.public_url, self.clock)  # /calendar.ics, /feed.xml…
            from adapters.web.site.serve import mount_site  # Jinja2 is loaded only when pages are served

            mount_site(  # /, /events/, /talks/…, with the going counts and the running bot's username
                self.http, self.source, self.settings.public_url, self.clock,
                counts=self.rsvp.counts, running_username=self._telegram_username, slack_command=self._slack_command(),
            )  # fmt: skip

    def _telegram_username(self) -> str | None:
        """The Telegram bot's own username, as getMe gave it at start (the website's deep links)."""
        for adapter in self.adapters:
            username = getattr(adapter, "username", None) if adapter.platform == "telegram" else None
            if isinstance(username, str) and username:
                return username
        return None

    def _slack_command(self) -> str | None:
        """The Slack slash command where Slack is served (the website says how to RSVP there)."""
        for platform, settings in self.platforms:
            if platform.name == "slack":
                command = getattr(settings, "command", None)
                return command if isinstance(command, str) else None
        return None

    def build_adapters(self) -> list[Adapter]:
        if not self.platforms:
            from adapters.console.adapter import ConsoleAdapter

            return [ConsoleAdapter(self.stdin, self.stdout, on_eof=self._input_ended)]
        # Delivery ids shared by processes are Slack's (its retries); reading the attribute builds
        # the store, so a Telegram-only bot does not, on its way to the first answer.
        seen = self.announcements.store.seen if any(p.name == "slack" for p, _ in self.platforms) else None
        parts = AdapterParts(self.registry, self.http, self.announcements.chat_status, seen)
        return [settings.build(parts) for _, settings in self.platforms]

    def _input_ended(self) -> None:
        self.input_ended.set()
        if self.http is None:  # with PORT set the process is a server: SIGTERM stops it, not the input
            # What the input was answered "sending" for (a /cfp broadcast, private messages)
            # is sent before the stop, which would leave it to the next start.
            self._finishing = asyncio.get_running_loop().create_task(self._finish_then_stop())

    async def _finish_then_stop(self) -> None:
        try:
            await self.announcements.announcer.settle()
            await self.rsvp.drain()
        finally:
            self.stopping.set()

    async def run(self) -> int:
        self.adapters = self.build_adapters()
        watcher = asyncio.create_task(self.source.watch(), name="calendar-watch")
        pulling = asyncio.create_task(self.pull.run(), name="calendar-pull") if self.pull else None
        started: list[Adapter] = []
        try:
            # A SQLite store already at this release's schema, with no accept left half done, needs
            # nothing before the first answer: the adapters start first, and the store (SQLAlchemy,
            # 0.12 s of imports) opens after them, its first answers read with the standard library
            # (bot/store/hot_reads.py). Otherwise the tables are made or upgraded first.
            store = as_deferred(self.announcements.store)
            answer_first = store is not None and store.ready(SCHEMA_HEAD)
            if not answer_first:
                reconciled = await self._open_store()  # before any chat can join, leave or ask
            if self.http is not None:
                await self.http.start()  # every route is mounted by now
            for adapter in self.adapters:
                await adapter.start(self.bot.handle)
                started.append(adapter)
                log.info("%s adapter started", adapter.platform)
            if answer_first:
                assert store is not None
                # Built in a worker thread, the updates waiting at start answered meanwhile; while
                # it imports, the event loop waits at most half a millisecond for the interpreter
                # lock (not the usual 5 ms) each time it has an answer to go on with.
                interval = sys.getswitchinterval()
                sys.setswitchinterval(min(interval, 0.0005))
                try:
                    await asyncio.to_thread(store.real)
                finally:
                    sys.setswitchinterval(interval)
                reconciled = await self._open_store()  # settling an accept begun since
            await self.announcements.start(started)  # the started adapters are its senders
            await self.proposals.tell_reconciled(reconciled)  # their proposers, once
            self.ready.set()
            self.rsvp.start(self.source.current)  # cancellations made while we were down
            await self.stopping.wait()
        finally:
            for task in (watcher, pulling):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if self.writer is not None:
                # An edit in progress finishes its push (or is abandoned, the working folder
                # reset) before the store closes: the store never says "accepted" while the
                # remote lacks the edit.
                await self.writer.drain()
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

    async def _open_store(self) -> dict[int, Status]:
        """The tables made or upgraded, then the accepts a crash cut off settled from the calendar
        file; what was settled, told once the adapters run."""
        await self.announcements.open()
        return await self.proposals.reconcile(self.clock())

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stopping.set)
