"""Chat commands of the talk archive: /ics (alias /calendar) and a /talks that answers a topic
nobody has spoken on yet with the call for speakers."""

from __future__ import annotations

from bot.archive.ics import calendar_ics
from bot.calendar.loader import slugify
from bot.calendar.model import Event
from bot.chat import handlers, views
from bot.chat.commands import Answer, Command, CommandRegistry, Request, UsageError
from bot.chat.reply import Attachment, Bold, Code, Reply, paragraph

ICS_MIME = "text/calendar"


def feed_url(public_url: str | None) -> str | None:
    return f"{public_url.rstrip('/')}/calendar.ics" if public_url else None


def register_archive_commands(registry: CommandRegistry, *, public_url: str | None = None) -> CommandRegistry:
    """Add /ics and replace /talks (keeping its place in /help). `public_url` is where the HTTP
    feeds are reachable (Settings.public_url); without it /ics offers files instead of a link."""

    async def ics(req: Request) -> Answer:
        if not req.args:
            return _feed_link(req, feed_url(public_url))
        if len(req.args) != 1:
            raise UsageError("Give one meetup: its id, or its number in /events (or `all`).")
        key = req.args[0].lower()
        calendar = req.calendar
        community = calendar.community
        if key == "all":
            content = calendar_ics(calendar.data, stamp=req.now)
            return Reply((
                paragraph(f"All {len(calendar)} meetups of {community.display_name}: open the file to add them."),
                Attachment(f"{slugify(community.display_name)}.ics", content, ICS_MIME),
            ))  # fmt: skip
        event = _find(req, key)
        if event is None:
            return Reply((paragraph("No meetup with id “", key, "”. /events and /past list them."),))
        content = calendar_ics(calendar.data, stamp=req.now, events=[event])
        when = views.short_date(event, community.timezone)
        return Reply((
            paragraph(Bold(event.title), f", {when}: open the file to add it to your calendar."),
            Attachment(f"{event.id}.ics", content, ICS_MIME, caption=f"{event.title}, {when}"),
        ))  # fmt: skip

    async def talks(req: Request) -> Answer:
        query = req.arg_text.strip()
        calendar = req.calendar
        if not query or calendar.search(query):
            return await handlers.talks(req)  # the hits, or the usage
        cfp = views.call_for_speakers(calendar.community, calendar.next(req.now), req.now)
        terms = calendar.expand(query)
        wanted = any(term in topic.lower() for topic in calendar.community.call_for_speakers.topics for term in terms)
        lead = "It is on our list of wanted topics!" if wanted else "Could you give one?"
        lead += " Here is our call for speakers (also at /cfp):"
        return Reply((paragraph("No talks about “", query, "” yet. ", lead), *cfp.blocks), disable_link_preview=True)

    registry.add(Command("ics", "Meetups for your calendar app", ics, usage="[id or number | all]",
                         aliases=("calendar",)))  # fmt: skip
    registry.add(Command("talks", "Search talks by topic, title or speaker", talks, usage="<query>"), replace=True)
    return registry


def _feed_link(req: Request, url: str | None) -> Reply:
    if url is None:
        return Reply((
            paragraph("This bot has no public address for a subscribable calendar feed."),
            paragraph("Get one meetup as a file with ", Code("/ics <id or number>"), ", or all of them with ",
                      Code("/ics all"), "."),
        ))  # fmt: skip
    webcal = "webcal://" + url.split("://", 1)[1]
    return Reply((
        paragraph(Bold("Subscribe to every meetup: "), url),
        paragraph("Calendar apps that know webcal links: ", webcal),
        paragraph("One meetup as a file: ", Code("/ics <id or number>"), "."),
    ), disable_link_preview=True)  # fmt: skip


def _find(req: Request, key: str) -> Event | None:
    if key.isdigit():  # the number /events shows
        upcoming = req.calendar.upcoming(req.now)
        index = int(key)
        if not 1 <= index <= len(upcoming):
            raise UsageError(f"There are {len(upcoming)} upcoming meetups; /events lists them by number.")
        return upcoming[index - 1]
    return req.calendar.get(key)
