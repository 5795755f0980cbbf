"""How things look: a meetup card, a list of meetups, a talk, the calls, as Reply trees.

Dates are always shown in the community's timezone, with the zone's abbreviation, so that a
reader abroad knows which clock is meant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
    Italic,
    LinkText,
    Paragraph,
    Reply,
    Text,
    inlines,
    paragraph,
)
from bot.identity_cache import IdentityCache
from bot.wording import clip, plural

SLOT_ICONS = {
    SlotKind.TALK: "🎤",
    SlotKind.BREAK: "☕",
    SlotKind.MINGLING: "🍕",
    SlotKind.QA: "❓",
    SlotKind.OTHER: "•",
}


ABSTRACT_PREVIEW = 160  # characters of each abstract that /talks shows


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
    return short_time(event.start, tz)


def short_time(moment: datetime, tz: ZoneInfo) -> str:
    """ "Tue 12 Jan 2027, 19:00": the one way a moment is shown to people, in the community's zone."""
    local = moment.astimezone(tz)
    return f"{WEEKDAYS[local.weekday()][:3]} {local.day} {MONTHS[local.month - 1][:3]} {local.year}, {hhmm(local)}"


# ---- pieces --------------------------------------------------------------------------------


def speaker_names(speakers: Sequence[Speaker]) -> str:
    return ", ".join(s.name for s in speakers)


def badges(event: Event, *, over: bool = False) -> list[str]:
    out: list[str] = []
    if event.is_cancelled:
        out.append("❌ CANCELLED")
    elif event.status.value == "planned" and not over:
        out.append("📝 planned, details may change")
    if event.language:
        out.append(f"🗣 in {event.language}")
    if event.filmed:
        out.append("🎥 filmed")
    elif event.filmed is False:
        out.append("not filmed")
    return out


def needs_phrase(needs: Iterable[Need]) -> str:
    """ "speakers and a venue"."""
    return " and ".join("a venue" if n is Need.VENUE else n.value for n in sorted(needs))


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


def first_lines(text: str, limit: int = ABSTRACT_PREVIEW) -> str:
    """The start of an abstract for a list: whole words, at most `limit` characters, "…" when cut."""
    flat = " ".join(text[: limit * 2].split())  # an abstract may be long: look at its start only
    if len(flat) <= limit and len(text) <= limit * 2:
        return flat
    head = flat[:limit]
    head = head.rsplit(" ", 1)[0] if " " in head else head[: limit - 1]
    return head.rstrip(" ,;:-–—") + "…"


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


# Cards built, by the meetup and community objects they were built from (a calendar load makes
# new ones, so an edit of events.yaml is never served stale) and what `now` changes in them: the
# card of the next meetup is built once, not on every /next (a count is added to it fresh).
_CARDS: IdentityCache[Reply] = IdentityCache(256)  # a bound: each calendar load leaves its cards behind


def event_card(
    event: Event, community: Community, now: datetime, *, full: bool = True, abstracts: bool = False
) -> Reply:
    """The meetup as people want to see it in a chat: when, where, what, who, the link.

    A meetup that is over shows what happened (the talks, their recordings and slides) and
    drops what only matters to someone coming: the RSVP, what it still needs, advice on parking.
    `abstracts` adds each talk's abstract in full (/event).
    """
    over = event.end <= now
    phrase = relative_phrase(event.start, event.end, now, community.timezone)  # all `now` changes
    kept = _CARDS.get((event, community), (full, abstracts, over, phrase))
    if kept is not None:
        return kept
    card = _event_card(event, community, over, phrase, full=full, abstracts=abstracts)
    return _CARDS.put((event, community), (full, abstracts, over, phrase), card)


def _event_card(event: Event, community: Community, over: bool, phrase: str, *, full: bool, abstracts: bool) -> Reply:
    tz = community.timezone
    blocks: list[Block] = [Heading(("❌ CANCELLED: " if event.is_cancelled else "") + event.title)]
    blocks.append(paragraph(Bold("When: "), when_line(event, tz), f" ({phrase})"))
    if event.venue is not None or not over:
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
    blocks.extend(_talks(event.talks, abstracts))
    if full and not over:
        if event.venue and event.venue.notes:
            blocks.append(paragraph(Bold("Good to know")))
            blocks.append(BulletList(tuple(inlines(n) for n in event.venue.notes)))
        if event.notes:
            blocks.append(paragraph(Bold("Notes")))
            blocks.append(BulletList(tuple(inlines(n) for n in event.notes)))
    if event.needs and not event.is_cancelled and not over:
        blocks.append(paragraph(f"🙋 This meetup still needs {needs_phrase(event.needs)}. See /cfp to help."))
    if tags := badges(event, over=over):
        blocks.append(Context(tuple(tags)))
    if links := _card_links(event, community, over):
        blocks.append(Actions(links))
    return Reply(tuple(blocks), disable_link_preview=True)


def _talks(talks: Sequence[Talk], abstracts: bool) -> list[Block]:
    """The talks as a list, or with `abstracts` one paragraph each: the talk's line, then its abstract."""
    if not talks:
        return []
    if not abstracts:
        return [paragraph(Bold("Talks")), BulletList(tuple(talk_item(t) for t in talks))]
    blocks: list[Block] = [paragraph(Bold("Talks"))]
    for talk in talks:
        about = (Text("\n"), Text(" ".join(talk.abstract.split()))) if talk.abstract else ()
        blocks.append(Paragraph((Text("🎤 "), *talk_item(talk), *about)))
    return blocks


def _card_links(event: Event, community: Community, over: bool) -> tuple[LinkText, ...]:
    links: list[LinkText] = []
    on_meetup_com = "meetup.com" in (event.url or "")
    if over:
        youtube = community.link("youtube")
        if event.filmed and not event.is_cancelled and youtube and not any(t.video for t in event.talks):
            links.append(LinkText("Recordings on YouTube", youtube))
        if event.url:
            links.append(LinkText("The meetup on meetup.com" if on_meetup_com else "The meetup's page", event.url))
    elif event.url:
        links.append(LinkText("RSVP on meetup.com" if on_meetup_com else "Details and RSVP", event.url))
    return tuple(links)


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
        if hit.talk.abstract:
            item.extend((Text("\n    "), Italic(first_lines(hit.talk.abstract))))
        items.append(tuple(item))
    more = len(hits) - limit
    blocks: list[Block] = [Heading(f"Talks about “{clip(query)}”: {len(hits)} found"), BulletList(tuple(items))]
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


@dataclass(frozen=True, slots=True)
class CfpProgress:
    """What the proposals say about the call (bot/proposals): per wanted topic with a talk,
    "proposed" or "accepted"; and how many submissions are under review."""

    topics: Mapping[str, str]
    under_review: int


def wanted_talks(community: Community, progress: CfpProgress | None = None) -> list[Block]:
    """The topics the community wants talks on (with what is proposed), and how to offer one."""
    cfs = community.call_for_speakers
    blocks: list[Block] = []
    if cfs.topics:
        blocks.append(paragraph(Bold("Topics we would love to hear about")))
        if progress is None:
            blocks.append(BulletList(tuple(inlines(t) for t in cfs.topics)))
        else:
            marks = {"accepted": " — ✅ a talk is accepted", "proposed": " — a talk is proposed"}
            items = (inlines(t, marks.get(progress.topics.get(t, ""), " — open")) for t in cfs.topics)
            blocks.append(BulletList(tuple(items)))
    if progress is not None and progress.under_review:
        blocks.append(paragraph(f"{plural(progress.under_review, 'submission')} under review by the organisers."))
    if cfs.how_to_submit:
        blocks.append(paragraph(Bold("Give a talk: "), cfs.how_to_submit))
    return blocks


def call_for_speakers(
    community: Community, next_event: Event | None, now: datetime, progress: CfpProgress | None = None
) -> Reply:
    """The standing call for speakers and venues, as /cfp and the weekly call show it."""
    cfs, cfv = community.call_for_speakers, community.call_for_venues
    blocks: list[Block] = [Heading(f"📣 Call for speakers and venues — {community.display_name}")]
    blocks.append(paragraph(cfs.text or "We are always looking for speakers and venues to host us."))
    if next_event is not None and next_event.needs:
        wanted = needs_phrase(next_event.needs)
        tz = community.timezone
        blocks.append(
            paragraph(
                Bold("Next up: "),
                f"{next_event.title}, {short_date(next_event, tz)} "
                f"({relative_phrase(next_event.start, next_event.end, now, tz)}) still needs {wanted}.",
            )
        )
    blocks.extend(wanted_talks(community, progress))
    if cfv.text or cfv.how_to_offer:
        blocks.append(paragraph(Bold("Host a meetup: "), " ".join(x for x in (cfv.text, cfv.how_to_offer) if x)))
    blocks.append(paragraph("Propose a talk with /propose, or offer a venue with /host: I will pass it on."))
    names = {"meetup": "Our meetup.com group", "website": "Our website"}
    links = [LinkText(name, url) for label, name in names.items() if (url := community.link(label))]
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
