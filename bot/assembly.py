"""The core assembled from Settings: the announcement service, the command registry and the Bot.

`meetup-bot run` (adapters/app.py), `meetup-bot slack-manifest`, the benches and the test setups
all build the core through `assemble`, so every one of them runs the same commands. Building
does no I/O: the store is opened later, by whoever runs the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.announce.scheduler import Timing
from bot.announce.service import AnnouncementService
from bot.calendar.source import CalendarSource
from bot.chat.commands import CommandRegistry
from bot.chat.core import Bot
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.registry import Services, build_registry


@dataclass(frozen=True, slots=True)
class Core:
    announcements: AnnouncementService
    registry: CommandRegistry
    bot: Bot


def assemble(
    settings: Settings, source: CalendarSource, clock: Clock = system_clock, timing: Timing | None = None
) -> Core:
    announcements = AnnouncementService(settings, source, clock, timing)
    services = Services(
        store=announcements.store,
        announcer=announcements.announcer,
        configured_chats=announcements.configured_chats,
        organisers_override=settings.organisers,
        public_url=settings.public_url,
    )
    registry = build_registry(services)
    return Core(announcements, registry, Bot(source, registry, clock))
