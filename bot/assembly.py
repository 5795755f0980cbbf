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
from bot.chat.reply import text_reply
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.edits.db_lock import calendar_lock
from bot.edits.pull import CalendarPull
from bot.edits.writer import CalendarWriter, DbLock
from bot.proposals.commands import ProposalCommands
from bot.proposals.model import NOTICE_KIND
from bot.proposals.notices import DecisionNotices
from bot.registry import Services, build_registry
from bot.resend import Rebuilders
from bot.rsvp.checkin import CODE_KIND
from bot.rsvp.host import build_host
from bot.rsvp.service import CANCELLED_KIND, MOVED_KIND, RsvpService
from bot.rsvp.tellgoing import KIND as TELLGOING_KIND


@dataclass(frozen=True, slots=True)
class Core:
    announcements: AnnouncementService
    registry: CommandRegistry
    bot: Bot
    rsvp: RsvpService  # started once the adapters can send (private messages)
    writer: CalendarWriter | None  # every edit of the calendar file; None when it is not read from a file
    pull: CalendarPull | None  # CALENDAR_REPO: fetches the repository while the bot runs
    proposals: ProposalCommands  # reconciles interrupted accepts at start


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
    source.on_change(lambda old, new: rsvp.calendar_changed(new, old))  # cancelled or moved: tell who said yes
    writer = calendar_writer(settings, source, calendar_lock(store))
    pull = None
    if writer is not None and writer.repo is not None and settings.calendar_repo is not None:
        pull = CalendarPull(
            writer, writer.repo, source,
            lambda text: notifier.to_organisers(source.current, text_reply(text)),
            settings.calendar_repo.pull_seconds,
        )  # fmt: skip
    proposals = ProposalCommands(store, notifier, organisers, source, writer)
    host = build_host(rsvp, lambda: announcements.delivery.senders, organisers, notifier)  # names, check-in
    # /resend of a private message in doubt: each kind of key is rebuilt by the component that
    # writes it, with its own views (the announcement rules rebuild the announcements).
    rebuilders = Rebuilders()
    rebuilders.add(CANCELLED_KIND, rsvp.rebuild_notice)
    rebuilders.add(MOVED_KIND, rsvp.rebuild_notice)
    rebuilders.add(CODE_KIND, host.checkins.rebuild_code)
    rebuilders.add(TELLGOING_KIND, host.tell.rebuild)
    rebuilders.add(NOTICE_KIND, DecisionNotices(store).rebuild)
    services = Services(
        store=store,
        announcer=announcements.announcer,
        configured_chats=announcements.configured_chats,
        notifier=notifier,
        rsvp=rsvp,
        proposals=proposals,
        writer=writer,
        organisers=organisers,
        public_url=settings.public_url,
        host=host,
        rebuilders=rebuilders,
    )
    registry = build_registry(services)
    # Private chats are remembered first; then a /propose or /host conversation takes its answers.
    # A full name asked for is taken last: a conversation in progress keeps its answers.
    bot = Bot(source, registry, clock, interceptors=(notifier.intercept, proposals.intercept, host.names.intercept))
    return Core(announcements, registry, bot, rsvp, writer=writer, pull=pull, proposals=proposals)


def calendar_writer(settings: Settings, source: CalendarSource, db_lock: DbLock | None = None) -> CalendarWriter | None:
    """The writer of the served calendar file: with CALENDAR_REPO, when the file served is the
    working folder's copy, it commits and pushes; a local file in a git work tree gets local
    commits. None when the calendar is not read from a file."""
    if source.path is None:
        return None
    repo = settings.calendar_repo.repo_serving(source.path) if settings.calendar_repo else None
    return CalendarWriter(source.path, source=source, repo=repo, db_lock=db_lock)
