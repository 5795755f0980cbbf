"""The talk archive's chat command: /ics (alias /calendar), the feed link or meetups as files."""

from __future__ import annotations

from bot.calendar.loader import slugify
from bot.chat import views
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.handlers import find_event, no_such_meetup
from bot.chat.reply import Attachment, Bold, Code, Reply, paragraph, text_reply

ICS_MIME = "text/calendar"


def feed_url(public_url: str | None) -> str | None:
    return f"{public_url.rstrip('/')}/calendar.ics" if public_url else None


class ArchiveCommands:
    """`public_url` is where the HTTP feeds are reachable (Settings.public_url); without it /ics
    offers files instead of a link."""

    def __init__(self, *, public_url: str | None = None) -> None:
        self.public_url = public_url

    async def ics(self, req: Request) -> Answer:
        if not req.args:
            return _feed_link(req, feed_url(self.public_url))
        if len(req.args) != 1:
            raise UsageError("Give one meetup: its id, or its number in /events (or `all`).")
        key = req.args[0].lower()
        calendar = req.calendar
        community = calendar.community
        from bot.archive.ics import calendar_ics  # icalendar is loaded by the first /ics, not at start-up

        if key == "all":
            content = calendar_ics(calendar.data, stamp=req.now)
            return Reply((
                paragraph(f"All {len(calendar)} meetups of {community.display_name}: open the file to add them."),
                Attachment(f"{slugify(community.display_name)}.ics", content, ICS_MIME),
            ))  # fmt: skip
        event = find_event(req, key)
        if event is None:
            return text_reply(no_such_meetup(key))
        content = calendar_ics(calendar.data, stamp=req.now, events=[event])
        when = views.short_date(event, community.timezone)
        return Reply((
            paragraph(Bold(event.title), f", {when}: open the file to add it to your calendar."),
            Attachment(f"{event.id}.ics", content, ICS_MIME, caption=f"{event.title}, {when}"),
        ))  # fmt: skip


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
