"""Announcements assembled from Settings: store, delivery, announcer and scheduler.

The composition root makes one of these (its commands are registered by `bot.registry`),
opens the store before the adapters start (so a chat joined in the first second is recorded),
starts it once the adapters can send, and stops it before they stop. Building it does no I/O.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from bot.announce.delivery import Delivery
from bot.announce.outbound import Sender
from bot.announce.scheduler import AnnouncementScheduler, Announcer, Timing, process_owner
from bot.announce.status import ChatStatus
from bot.calendar.source import CalendarSource
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.store.deferred import deferred_store
from bot.store.kinds import StoreUnavailable, StoreUnusable

log = logging.getLogger(__name__)


class AnnouncementService:
    def __init__(
        self,
        settings: Settings,
        source: CalendarSource,
        clock: Clock = system_clock,
        timing: Timing | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.store = deferred_store(settings.database_url, clock=clock)  # SQLAlchemy on first real use
        # The one writer of chat status: adapters report membership events to it, and the
        # delivery reports what sends found (a chat gone, a group moved).
        self.chat_status = ChatStatus(self.store)
        self.delivery = Delivery(self.store, {}, owner=process_owner(), status=self.chat_status)
        self.announcer = Announcer(
            source,
            self.store,
            self.delivery,
            configured_chats=self.configured_chats,
            clock=clock,
            timing=timing or Timing(),
        )
        self.scheduler = (
            AnnouncementScheduler(self.announcer, self.store, source) if settings.scheduler_enabled else None
        )
        self._opened = False
        self._started = False

    def configured_chats(self) -> Sequence[str]:
        """ANNOUNCE_CHATS when set, else events.yaml's community.announce (read on every use,
        so an edit of events.yaml applies without a restart)."""
        if self.settings.announce_chats is not None:
            return self.settings.announce_chats
        return self.source.current.community.announce

    async def open(self, attempts: int = 5, first_delay: float = 1.0) -> None:
        """Create or upgrade the tables; idempotent. A database that is still booting (a
        host often starts the worker and the database together) gets a few tries with
        backoff before StoreUnavailable is raised."""
        delay = first_delay
        for attempt in range(1, attempts + 1):
            if self._opened:
                return
            try:
                await asyncio.to_thread(self.store.create)
                self._opened = True
            except StoreUnavailable as error:
                if attempt == attempts or isinstance(error, StoreUnusable):
                    raise
                log.warning("%s; retrying in %.0f s (%d/%d)", error, delay, attempt, attempts)
                await asyncio.sleep(delay)
                delay *= 2

    async def start(self, senders: Iterable[Sender]) -> None:
        await self.open()
        self.delivery.senders = {s.platform: s for s in senders}
        self._started = True
        if self.scheduler is not None:
            await self.scheduler.start()
            log.info(
                "announcements: scheduler on, store %s, senders %s",
                self.store.dialect,
                ", ".join(self.delivery.senders) or "none",
            )

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self.announcer.drain()
            if self.scheduler is not None:
                await self.scheduler.stop()
        if self._opened:
            self._opened = False
            self.store.close()
