"""How things look: a meetup card, a list of meetups, a talk, the calls, as Reply trees.

Dates are always shown in the community's timezone, with the zone's abbreviation, so that a
reader abroad knows which clock is meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.calendar.calendar import TalkHit
from bot.calendar.model import Community, Event, Need, SlotKind, Speaker, Talk
from bot.chat.reply import (
    Actions,
    Block,
    Bold,
    BulletList,
    Context,
    Heading,
    Inline,
    LinkText,
    Paragraph,
    Reply,
    Text,
    inlines,
    paragraph,
)

SLOT_ICONS = {
    SlotKind.TALK: "🎤",
    SlotKind.BREAK: "☕",
    SlotKind.MINGLING: "🍕",
    SlotKind.QA: "❓",
    SlotKind.OTHER: "•",
}


# ---- time phrases ------------------------------------------------------------------------

# English names, independent of the process locale (strftime's %A would follow it).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


def hhmm(moment: datetime) -> str:
    """ "19:05". Plain formatting: strftime is several times slower on the /next hot path."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def relative_phrase(start: datetime, end: datetime, now: datetime, tz: ZoneInfo) -> str:
    """ "happening now", "today", "tomorrow", "in 3 days", "in 2 weeks", "5 days ago"…

    Counted in calendar days of the community's timezone, the way people speak of a meetup.
    """
    if start <= now < end:
        return "happening now"
    days = (start.astimezone(tz).date() - now.astimezone(tz).date()).days
    if days == 0:
        if start > now:
            hours = int((start - now).total_seconds() // 3600)
            return f"today, in {hours} hour{'s' if hours != 1 else ''}" if hours >= 1 else "starting soon"
        return "earlier today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    ahead, n = days > 0, abs(days)
    if n < 14:
        amount = f"{n} days"
    elif n < 60:
        amount = f"{n // 7} weeks"
    elif n < 730:
        amount = f"{n // 30} months"
    else:
        amount = f"{n // 365} years"
    return f"in {amount}" if ahead else f"{amount} ago"


def when_line(event: Event, tz: ZoneInfo) -> str:
    """ "Tuesday, 12 January 2027, 19:00–21:25 IST"."""
    start, end = event.start.astimezone(tz), event.end.astimezone(tz)
    day = f"{WEEKDAYS[start.weekday()]}, {start.day} {MONTHS[start.month - 1]} {start.year}"
    if end.date() != start.date():
        return f"{day}, {hhmm(start)} – {WEEKDAYS[end.weekday()]} {hhmm(end)} {end.tzname()}"
    return f"{day}, {hhmm(start)}–{hhmm(end)} {start.tzname()}"


def short_date(event: Event, tz: ZoneInfo) -> str:
    """ "Tue 12 Jan 2027, 19:00"."""
    start = event.start.astimezone(tz)
    return f"{WEEKDAYS[start.weekday()][:3]} {start.day} {MONTHS[start.month - 1][:3]} {start.year}, {hhmm(start)}"


# ---- pieces --------------------------------------------------------------------------------


def speaker_names(speakers: Sequence[Speaker]) -> str:
    return ", ".join(s.name for s in speakers)


def badges(event: Event) -> list[str]:
    out: list[str] = []
    if event.is_cancelled:
        out.append("❌ CANCELLED")
    elif event.status.value == "planned":
        out.append("📝 planned, details may change")
    if event.language:
        out.append(f"🗣 in {event.language}")
    if event.filmed:
        out.append("🎥 filmed")
    elif event.filmed is False:
        out.append("not filmed")
    return out


def venue_line(event: Event) -> list[Inline]:
    venue = event.venue
    if venue is None:
        return [
            Bold("Where: "),
            Text("venue to be announced" + (" (we are looking for a host!)" if Need.VENUE in event.needs else "")),
        ]
    parts: list[Inline] = [Bold("Where: "), Text(venue.name)]
    if venue.address:
        parts.append(Text(f", {venue.address}"))
    host = event.host or venue.host
    if host and host != venue.name:
        parts.append(Text(f" (hosted by {host})"))
    return parts


def talk_item(talk: Talk) -> tuple[Inline, ...]:
    parts: list[Inline] = [Bold(talk.title)]
    if talk.speakers:
        parts.append(Text(f" — {speaker_names(talk.speakers)}"))
    if talk.language:
        parts.append(Text(f" (in {talk.language})"))
    if talk.video:
        parts.append(Text(" · "))
        parts.append(LinkText("video", talk.video))
    if talk.slides:
        parts.append(Text(" · "))
        parts.append(LinkText("slides", talk.slides))
    return tuple(parts)


# ---- cards ---------------------------------------------------------------------------------


def event_card(event: Event, community: Community, now: datetime, *, full: bool = True) -> Reply:
    """The meetup as people want to see it in a chat: when, where, what, who, the link."""
    tz = community.timezone
    blocks: list[Block] = [Heading(("❌ CANCELLED: " if event.is_cancelled else "") + event.title)]
    blocks.append(
        paragraph(Bold("When: "), when_line(event, tz), f" ({relative_phrase(event.start, event.end, now, tz)})")
    )
    blocks.append(Paragraph(tuple(venue_line(event))))
    if event.host and (event.venue is None or event.host not in (event.venue.name, event.venue.host)):
        blocks.append(paragraph(Bold("Host: "), event.host))
    if full and event.description:
        blocks.append(paragraph(event.description))
    if event.schedule:
        blocks.append(paragraph(Bold("Schedule")))
        blocks.append(
            BulletList(
                tuple(
                    inlines(
                        f"{hhmm(s.start.astimezone(tz))}–{hhmm(s.end.astimezone(tz))}  {SLOT_ICONS[s.kind]} {s.title}"
                    )
                    for s in event.schedule
                )
            )
        )
    if event.talks:
        blocks.append(paragraph(Bold("Talks")))
        blocks.append(BulletList(tuple(talk_item(t) for t in event.talks)))
    if full and event.venue and event.venue.notes:
        blocks.append(paragraph(Bold("Good to know")))
        blocks.append(BulletList(tuple(inlines(n) for n in event.venue.notes)))
    if full and event.notes:
        blocks.append(paragraph(Bold("Notes")))
        blocks.append(BulletList(tuple(inlines(n) for n in event.notes)))
    if event.needs and not event.is_cancelled:
        wanted = " and ".join(sorted(n.value for n in event.needs))
        blocks.append(paragraph(f"🙋 This meetup still needs {wanted}. See /cfp to help."))
    if tags := badges(event):
        blocks.append(Context(tuple(tags)))
    if event.url:
        blocks.append(Actions((LinkText("RSVP on meetup.com", event.url),)))
    return Reply(tuple(blocks), disable_link_preview=True)


def event_list(
    title: str, events: Sequence[Event], community: Community, now: datetime, *, numbered: bool = True
) -> Reply:
    tz = community.timezone
    items: list[tuple[Inline, ...]] = []
    for index, event in enumerate(events, 1):
        prefix = f"{index}. " if numbered else ""
        status = " ❌ cancelled" if event.is_cancelled else ""
        items.append(
            (
                Text(f"{prefix}{short_date(event, tz)} — "),
                Bold(event.title),
                Text(f" ({relative_phrase(event.start, event.end, now, tz)}){status} · /event {event.id}"),
            )
        )
    return Reply((Heading(title), BulletList(tuple(items))), disable_link_preview=True)


def talk_hits(query: str, hits: Sequence[TalkHit], community: Community, limit: int = 10) -> Reply:
    tz = community.timezone
    items: list[tuple[Inline, ...]] = []
    for hit in hits[:limit]:
        item = list(talk_item(hit.talk))
        item.append(Text(f" — at {hit.event.title}, {short_date(hit.event, tz)} (/event {hit.event.id})"))
        items.append(tuple(item))
    more = len(hits) - limit
    blocks: list[Block] = [Heading(f"Talks about “{query}”: {len(hits)} found"), BulletList(tuple(items))]
    if more > 0:
        blocks.append(Context((f"…and {more} more; try a narrower search.",)))
    return Reply(tuple(blocks), disable_link_preview=True)


def speaker_card(speaker: Speaker, talks: Sequence[TalkHit], community: Community) -> Reply:
    tz = community.timezone
    blocks: list[Block] = [Heading(speaker.name)]
    if speaker.affiliation:
        blocks.append(paragraph(speaker.affiliation))
    if speaker.bio:
        blocks.append(paragraph(speaker.bio))
    if talks:
        blocks.append(paragraph(Bold("Talks")))
        blocks.append(
            BulletList(
                tuple((*talk_item(h.talk), Text(f" — {h.event.title}, {short_date(h.event, tz)}")) for h in talks)
            )
        )
    if speaker.links:
        blocks.append(Actions(tuple(LinkText(link.label, link.url) for link in speaker.links)))
    return Reply(tuple(blocks), disable_link_preview=True)


def venue_card(event: Event, community: Community, now: datetime) -> Reply:
    tz = community.timezone
    blocks: list[Block] = [
        Heading(f"Where is {event.title}?"),
        paragraph(when_line(event, tz), f" ({relative_phrase(event.start, event.end, now, tz)})"),
    ]
    venue = event.venue
    if venue is None:
        blocks.append(paragraph("The venue is not announced yet."))
        if Need.VENUE in event.needs:
            blocks.append(paragraph("We are looking for a host for this meetup: see /cfp."))
        return Reply(tuple(blocks))
    blocks.append(paragraph(Bold(venue.name)))
    if venue.address:
        blocks.append(paragraph(venue.address))
    host = event.host or venue.host
    if host:
        blocks.append(paragraph(f"Hosted by {host}"))
    if venue.capacity:
        blocks.append(paragraph(f"Room for {venue.capacity} people"))
    if venue.notes:
        blocks.append(BulletList(tuple(inlines(n) for n in venue.notes)))
    if venue.map_url:
        blocks.append(Actions((LinkText("Map", venue.map_url),)))
    return Reply(tuple(blocks))


def wanted_talks(community: Community) -> list[Block]:
    """The topics the community wants talks on, and how to offer one."""
    cfs = community.call_for_speakers
    blocks: list[Block] = []
    if cfs.topics:
        blocks.append(paragraph(Bold("Topics we would love to hear about")))
        blocks.append(BulletList(tuple(inlines(t) for t in cfs.topics)))
    if cfs.how_to_submit:
        blocks.append(paragraph(Bold("Give a talk: "), cfs.how_to_submit))
    return blocks


def call_for_speakers(community: Community, next_event: Event | None, now: datetime) -> Reply:
    """The standing call for speakers and venues, as /cfp and the weekly call show it."""
    cfs, cfv = community.call_for_speakers, community.call_for_venues
    blocks: list[Block] = [Heading(f"📣 Call for speakers and venues — {community.display_name}")]
    blocks.append(paragraph(cfs.text or "We are always looking for speakers and venues to host us."))
    if next_event is not None and next_event.needs:
        wanted = " and ".join(sorted(n.value for n in next_event.needs))
        tz = community.timezone
        blocks.append(
            paragraph(
                Bold("Next up: "),
                f"{next_event.title}, {short_date(next_event, tz)} "
                f"({relative_phrase(next_event.start, next_event.end, now, tz)}) still needs {wanted}.",
            )
        )
    blocks.extend(wanted_talks(community))
    if cfv.text or cfv.how_to_offer:
        blocks.append(paragraph(Bold("Host a meetup: "), " ".join(x for x in (cfv.text, cfv.how_to_offer) if x)))
    links = [LinkText(label, url) for label in ("meetup", "website") if (url := community.link(label))]
    if links:
        blocks.append(Actions(tuple(links)))
    return Reply(tuple(blocks), disable_link_preview=True)


def about(community: Community, events_count: int) -> Reply:
    blocks: list[Block] = [Heading(community.name)]
    if community.description:
        blocks.append(paragraph(community.description))
    facts = [f"{events_count} meetups in the calendar", f"times in {community.timezone.key}"]
    if community.language:
        facts.append(f"talks mostly in {community.language}")
    blocks.append(Context(tuple(facts)))
    if community.links:
        blocks.append(Actions(tuple(LinkText(link.label, link.url) for link in community.links)))
    blocks.append(paragraph("I am meetup-bot: type /help to see what I can do."))
    return Reply(tuple(blocks), disable_link_preview=True)
