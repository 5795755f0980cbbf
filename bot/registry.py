"""The one place every command is registered: `build_registry(services)`.

The app, the Slack manifest, the benches and every test setup call this function, so the
commands that tests drive are the commands production runs. A command is one handler in the
module of its capability plus one line here; `CommandRegistry.add` refuses a second command
of the same name, so which code answers never depends on registration order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.announce.commands import AnnouncementCommands
from bot.announce.scheduler import Announcer
from bot.archive.commands import ArchiveCommands
from bot.calendar.calendar import Calendar
from bot.chat import handlers
from bot.chat.commands import Answer, Command, CommandRegistry, Handler, Request
from bot.chat.forget import forget_command
from bot.chat.notify import Notifier
from bot.chat.organisers import Organisers
from bot.edits.writer import CalendarWriter
from bot.proposals.commands import ProposalCommands
from bot.resend import Rebuilders
from bot.rsvp.checkin import SCAN_PREFIX
from bot.rsvp.commands import GOING_LINK, RsvpCommands, named_card, next_card
from bot.rsvp.host import Host
from bot.rsvp.meetup_status import MeetupStatus
from bot.rsvp.service import RsvpService

if TYPE_CHECKING:
    from bot.store.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    """What the commands need besides the calendar snapshot each request carries. `assemble`
    (bot/assembly.py) builds them from Settings."""

    store: Store
    announcer: Announcer
    # ANNOUNCE_CHATS when set, else events.yaml's community.announce (read on each use).
    configured_chats: Callable[[], Sequence[str]]
    notifier: Notifier  # private messages, and messages to the organisers
    rsvp: RsvpService  # who is coming
    proposals: ProposalCommands  # talk proposals and venue offers
    # Every change of the calendar file (lock, compare-and-swap, commit, push); None when the
    # calendar is not read from a file. Later organiser commands that edit the calendar use it.
    writer: CalendarWriter | None
    # Who the organisers are, resolved per request so an edit of events.yaml applies at once.
    organisers: Callable[[Calendar], Organisers]
    public_url: str | None = None  # where the HTTP feeds are reachable
    host: Host | None = None  # full names for hosts, check-in at the door, /tellgoing (bot/rsvp/host.py)
    rebuilders: Rebuilders | None = None  # /resend of private messages, by their owners (bot/resend.py)


def build_registry(services: Services) -> CommandRegistry:
    """Every command, once, in the order /help lists them."""
    registry = CommandRegistry()
    announce = AnnouncementCommands(
        services.store,
        services.announcer,
        organisers=services.organisers,
        configured_chats=services.configured_chats,
        cfp_progress=services.proposals.cfp_progress,
        rebuilders=services.rebuilders,
    )
    rsvp = RsvpCommands(services.rsvp, services.organisers)
    commands = (
        *_calendar_commands(registry, services, announce, rsvp),
        *_announcement_commands(announce),
        *_rsvp_commands(rsvp),
        *(_host_commands(services.host) if services.host is not None else ()),
        *_status_commands(MeetupStatus(services.writer, services.organisers)),
        *_proposal_commands(services.proposals),
        # /forget: each capability that keeps what a person sent deletes it.
        Command(
            "forget",
            "Delete everything you sent me",
            forget_command(
                (
                    services.proposals.forget,
                    rsvp.forget,
                    services.notifier.forget_contact,
                    *((services.host.names.forget,) if services.host is not None else ()),
                ),
                services.store,  # subscriptions of their private chat, the ledger rows keyed by them
            ),
        ),
    )
    for command in commands:
        registry.add(command)
    return registry


def _calendar_commands(
    registry: CommandRegistry, services: Services, announce: AnnouncementCommands, rsvp: RsvpCommands
) -> tuple[Command, ...]:
    archive = ArchiveCommands(public_url=services.public_url)
    # What `/start <payload>` runs (Telegram deep links, t.me/<bot>?start=propose).
    deep_links: dict[str, Handler] = {"propose": services.proposals.propose, "host": services.proposals.host}

    async def start(req: Request) -> Answer:
        # `/start in-<token>`: a check-in code scanned at the door (bot/rsvp/checkin.py).
        if services.host is not None and req.args and req.args[0].startswith(SCAN_PREFIX):
            return await services.host.checkins.scan(req, req.args[0])
        # `/start going-<id>`: the website's "I'm going" link (bot/rsvp/commands.py).
        if req.args and req.args[0].startswith(GOING_LINK):
            return await rsvp.going_link(req)
        return await handlers.start(req, deep_links)

    async def help_(req: Request) -> Answer:
        return handlers.help_reply(registry, organiser=req.message.sender in services.organisers(req.calendar))

    return (
        Command("start", "Say hello", start, hidden=True),
        Command("help", "What I can do", help_),
        Command("next", "The next meetup: when, where, talks", rsvp.on_card(handlers.next_meetup, next_card)),
        Command("events", "Upcoming meetups", handlers.events),
        Command("event", "One meetup in full", rsvp.on_card(handlers.event, named_card), usage="<id or number>"),
        Command("past", "Recent meetups", handlers.past, usage="[n]"),
        Command("talks", "Search talks by topic, title or speaker", handlers.talks, usage="<query>"),
        Command("speaker", "A speaker's bio and talks", handlers.speaker, usage="<name>"),
        Command("venue", "Where the next meetup is", handlers.venue),
        # Everyone: the call for speakers and venues; organisers: `/cfp <text>` broadcasts it.
        Command(
            "cfp",
            "The call for speakers and venues",
            announce.cfp,
            organiser_usage="<text>",
            organiser_help="Broadcast a call for speakers to every announcement chat",
        ),
        Command("about", "About this community", handlers.about),
        Command("whoami", "Your id, as the organisers' list takes it", handlers.whoami),
        Command(
            "ics", "Meetups for your calendar app", archive.ics, usage="[id or number | all]", aliases=("calendar",)
        ),
    )


def _announcement_commands(announce: AnnouncementCommands) -> tuple[Command, ...]:
    return (
        Command("subscribe", "Get meetup reminders and calls in this chat", announce.subscribe, needs_admin=True),
        Command("unsubscribe", "Stop reminders and calls in this chat", announce.unsubscribe, needs_admin=True),
        Command("subscriptions", "Which chats get the announcements", announce.subscriptions),
        Command(
            "announce",
            "Broadcast a message to every announcement chat",
            announce.announce,
            usage="<text>",
            organisers_only=True,
        ),
        Command("resend", "Resend a message in doubt", announce.resend, usage="<key>", organisers_only=True),
    )


def _rsvp_commands(rsvp: RsvpCommands) -> tuple[Command, ...]:
    return (
        Command("going", "Say you are coming to a meetup (the next one by default)", rsvp.going, usage="[meetup]"),
        Command("notgoing", "Say you can't come after all", rsvp.notgoing, usage="[meetup]"),
        Command("mine", "The meetups you said you are going to", rsvp.mine),
        Command(
            "attendees",
            "Who is coming: counts, names, waitlist",
            rsvp.attendees,
            usage="[meetup]",
            organisers_only=True,
        ),
    )


def _host_commands(host: Host) -> tuple[Command, ...]:
    return (
        Command("myname", "Your full name, for hosts that need names in advance", host.names.myname, usage="[name]"),
        Command(
            "checkin",
            "Check someone in at the door (alone: your own check-in code)",
            host.checkins.checkin,
            usage="[code or name]",
        ),
        Command(
            "tellgoing",
            "Message everyone going to a meetup, privately",
            host.tell.tellgoing,
            usage="[--waitlist] <meetup> <text>",
            organisers_only=True,
        ),
    )


def _status_commands(status: MeetupStatus) -> tuple[Command, ...]:
    return (
        Command("confirm", "Confirm a planned meetup (it is announced)", status.confirm, usage="<meetup>",
                organisers_only=True),
        Command("move", "Move a meetup (a change notice follows)", status.move, usage="<meetup> <date> <time>",
                organisers_only=True),
        Command("cancelmeetup", "Cancel a meetup (those going are told)", status.cancel, usage="<meetup> [reason]",
                organisers_only=True),
    )  # fmt: skip


def _proposal_commands(p: ProposalCommands) -> tuple[Command, ...]:
    return (
        Command("propose", "Propose a talk", p.propose),
        Command("host", "Offer a venue for a meetup", p.host),
        Command("cancel", "Stop proposing (in the middle of /propose or /host)", p.cancel),
        Command("withdraw", "Withdraw a talk proposal or venue offer you sent", p.withdraw, usage="<id>"),
        Command("proposals", "Submissions waiting for review", p.list_open, organisers_only=True),
        Command("proposal", "One submission in full", p.show, usage="<id>", organisers_only=True),
        Command(
            "accept",
            "Accept a submission into a meetup",
            p.accept,
            usage="<id> [meetup] [venue=<venue id>|venue=new]",
            organisers_only=True,
        ),
        Command("decline", "Decline a submission", p.decline, usage="<id> [reason]", organisers_only=True),
        # What the Slack modals submit (bot/chat/reply.py Form).
        Command("propose_form", "A filled talk proposal form", p.form_submitted, hidden=True, form=True),
        Command("host_form", "A filled venue offer form", p.form_submitted, hidden=True, form=True),
    )
