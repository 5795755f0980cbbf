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
from adapters.console_adapter import ConsoleAdapter
from bot.clock import Clock, system_clock
from bot.commands import CommandRegistry
from bot.config import Settings
from bot.core import Bot
from bot.handlers import register_calendar_commands
from bot.source import CalendarSource

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    source: CalendarSource
    clock: Clock = system_clock
    stdin: TextIO | None = None
    stdout: TextIO | None = None
    registry: CommandRegistry = field(default_factory=CommandRegistry)
    adapters: list[Adapter] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        register_calendar_commands(self.registry)
        self.bot = Bot(self.source, self.registry, self.clock)

    def build_adapters(self) -> list[Adapter]:
        adapters: list[Adapter] = []
        if self.settings.console_only:
            adapters.append(ConsoleAdapter(self.stdin, self.stdout, on_eof=self.stopping.set))
        return adapters

    async def run(self) -> int:
        self.adapters = self.build_adapters()
        watcher = asyncio.create_task(self.source.watch(), name="calendar-watch")
        started: list[Adapter] = []
        try:
            for adapter in self.adapters:
                await adapter.start(self.bot.handle)
                started.append(adapter)
                log.info("%s adapter started", adapter.platform)
            await self.stopping.wait()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            for adapter in reversed(started):
                try:
                    await adapter.stop()
                except Exception:
                    log.exception("stopping the %s adapter failed", adapter.platform)
        return 0

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stopping.set)
