"""The one place every command is registered: `build_registry(services)`.

The app, the Slack manifest, the benches and every test setup call this function, so the
commands that tests drive are the commands production runs. A command is one handler in the
module of its capability plus one line here; `CommandRegistry.add` refuses a second command
of the same name, so which code answers never depends on registration order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.announce.commands import AnnouncementCommands
from bot.announce.scheduler import Announcer
from bot.archive.commands import ArchiveCommands
from bot.calendar.calendar import Calendar
from bot.chat import handlers
from bot.chat.commands import Answer, Command, CommandRegistry, Request
from bot.chat.organisers import Organisers
from bot.store.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    """What the commands need besides the calendar snapshot each request carries."""

    store: Store
    announcer: Announcer
    # ANNOUNCE_CHATS when set, else events.yaml's community.announce (read on each use).
    configured_chats: Callable[[], Sequence[str]]
    # ORGANISERS when set, else None: events.yaml's community.organisers, per request.
    organisers_override: Sequence[str] | None = None
    public_url: str | None = None  # where the HTTP feeds are reachable

    def organisers(self, calendar: Calendar) -> Organisers:
        # Resolved per request: an edit of events.yaml's organisers applies without a restart.
        return Organisers.resolve(self.organisers_override, calendar.community.organisers)


def build_registry(services: Services) -> CommandRegistry:
    """Every command, once, in the order /help lists them."""
    registry = CommandRegistry()
    archive = ArchiveCommands(public_url=services.public_url)
    announce = AnnouncementCommands(
        services.store, services.announcer, organisers=services.organisers, configured_chats=services.configured_chats
    )

    async def help_(req: Request) -> Answer:
        return handlers.help_reply(registry)

    for command in (
        Command("start", "Say hello", handlers.start, hidden=True),
        Command("help", "What I can do", help_),
        Command("next", "The next meetup: when, where, talks", handlers.next_meetup),
        Command("events", "Upcoming meetups", handlers.events),
        Command("event", "One meetup in full", handlers.event, usage="<id or number>"),
        Command("past", "Recent meetups", handlers.past, usage="[n]"),
        Command("talks", "Search talks by topic, title or speaker", handlers.talks, usage="<query>"),
        Command("speaker", "A speaker's bio and talks", handlers.speaker, usage="<name>"),
        Command("venue", "Where the next meetup is", handlers.venue),
        # Everyone: the call for speakers and venues; organisers: `/cfp <text>` broadcasts it.
        Command("cfp", "The call for speakers and venues", announce.cfp),
        Command("about", "About this community", handlers.about),
        Command(
            "ics", "Meetups for your calendar app", archive.ics, usage="[id or number | all]", aliases=("calendar",)
        ),
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
    ):
        registry.add(command)
    return registry
