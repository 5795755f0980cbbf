"""The core assembled from Settings: the announcement service, the command registry and the Bot.

`meetup-bot run` (adapters/app.py), `meetup-bot slack-manifest`, the benches and the test setups
all build the core through `assemble`, so every one of them runs the same commands. Building
does no I/O: the store is opened later, by whoever runs the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.announce.scheduler import Timing
from bot.announce.service import AnnouncementService
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.chat.commands import CommandRegistry
from bot.chat.core import Bot
from bot.chat.notify import Notifier
from bot.chat.organisers import Organisers
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.proposals.commands import ProposalCommands
from bot.registry import Services, build_registry
from bot.rsvp.service import RsvpService


@dataclass(frozen=True, slots=True)
class Core:
    announcements: AnnouncementService
    registry: CommandRegistry
    bot: Bot
    rsvp: RsvpService  # started once the adapters can send (private messages)


def assemble(
    settings: Settings, source: CalendarSource, clock: Clock = system_clock, timing: Timing | None = None
) -> Core:
    announcements = AnnouncementService(settings, source, clock, timing)
    store = announcements.store

    def organisers(calendar: Calendar) -> Organisers:
        # ORGANISERS when set, else events.yaml's; the platforms' service accounts never count.
        return Organisers.resolve(settings.organisers, calendar.community.organisers, settings.service_accounts)

    # The adapters start after the core is built: the notifier reads the senders on each send.
    notifier = Notifier(store, lambda: announcements.delivery.senders, organisers)
    rsvp = RsvpService(store, clock, notifier=notifier, calendar=lambda: source.current)
    # Sends in doubt (a crash mid-send, a timeout) are told to the organisers, with /resend.
    announcements.announcer.notify = lambda reply: notifier.to_organisers(source.current, reply)
    source.on_change(lambda _old, new: rsvp.calendar_changed(new))  # a meetup cancelled: tell who said yes
    proposals = ProposalCommands(store, notifier, organisers, source)
    services = Services(
        store=store,
        announcer=announcements.announcer,
        configured_chats=announcements.configured_chats,
        notifier=notifier,
        rsvp=rsvp,
        proposals=proposals,
        organisers=organisers,
        public_url=settings.public_url,
    )
    registry = build_registry(services)
    # Private chats are remembered first; then a /propose or /host conversation takes its answers.
    bot = Bot(source, registry, clock, interceptors=(notifier.intercept, proposals.intercept))
    return Core(announcements, registry, bot, rsvp)
