"""The composition root: builds every part from Settings and runs them in one event loop.

Start order: calendar, store, adapters, scheduler, watcher; stop order is the reverse, so that
nothing is left sending through an adapter that is already closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from typing import TextIO

from adapters.base import Adapter
from adapters.console.adapter import ConsoleAdapter
from adapters.web.feeds import mount_feeds
from adapters.web.server import HttpServer
from bot.assembly import assemble
from bot.calendar.source import CalendarSource
from bot.clock import Clock, system_clock
from bot.config import Settings

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

    def __post_init__(self) -> None:
        core = assemble(self.settings, self.source, self.clock)  # every command, the store, the scheduler
        self.announcements = core.announcements
        self.registry = core.registry
        self.bot = core.bot
        # One HTTP server on $PORT for webhooks, Slack HTTP mode and feeds; adapters mount their
        # routes while being built, and it starts once they are all mounted.
        self.http = HttpServer(port=self.settings.port) if self.settings.port else None
        if self.http is not None:  # /calendar.ics, /events/<id>.ics, /feed.xml
            mount_feeds(self.http, self.source, self.settings.public_url, self.clock)

    def build_adapters(self) -> list[Adapter]:
        adapters: list[Adapter] = []
        if self.settings.console_only:
            adapters.append(ConsoleAdapter(self.stdin, self.stdout, on_eof=self.stopping.set))
        if self.settings.slack_bot_token:
            adapters.append(self.slack_adapter(self.settings.slack_bot_token))
        if self.settings.telegram_token:
            adapters.append(self.telegram_adapter(self.settings.telegram_token))
        return adapters

    def telegram_adapter(self, token: str) -> Adapter:
        from adapters.telegram.adapter import TelegramAdapter  # PTB is imported only when Telegram is on

        s = self.settings
        return TelegramAdapter(
            token,
            self.registry,
            api_url=s.telegram_api_url,
            webhook_url=s.telegram_webhook_url,
            webhook_secret=s.telegram_webhook_secret,
            http_server=self.http,
            status=self.announcements.store,
        )

    def slack_adapter(self, token: str) -> Adapter:
        from adapters.slack.adapter import SlackAdapter  # slack-bolt is imported only when Slack is on

        s = self.settings
        return SlackAdapter(
            token,
            self.registry,
            app_token=s.slack_app_token,
            signing_secret=s.slack_signing_secret,
            api_url=s.slack_api_url,
            command=s.slack_command,
            team_ids=s.slack_team_ids,
            # HTTP mode mounts /slack/events on the one shared server on $PORT (None when unset).
            http_server=self.http,
            status=self.announcements.store,
        )

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
            await self.stopping.wait()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            try:
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
