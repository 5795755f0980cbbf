"""How RSVP looks: the count line and buttons under a meetup card, the answers to /going,
/notgoing and /mine, the organisers' attendee list, and the private messages."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.calendar.model import Community, Event
from bot.chat import views
from bot.chat.reply import Block, Bold, BulletList, Button, Buttons, Context, Heading, Inline, Reply, Text, paragraph
from bot.identity_cache import IdentityCache
from bot.rsvp.model import Attendee, Counts, RsvpState
from bot.wording import plural

if TYPE_CHECKING:
    from bot.store.guests import CheckIn

NO_NAME = "(no full name given)"  # the guest list's marker for someone who never gave one
GOING_LABEL, NOT_GOING_LABEL = "✅ Going", "🚫 Can't go"
COMMAND_MAX = 64  # bytes: a button's command travels in Telegram's callback_data


def count_line(counts: Counts, seats: int | None, *, closed: bool = False) -> str:
    """ "34 going · 80 seats", "80 going · full · 3 on the waitlist", "12 said they were coming"."""
    if closed:
        return f"{counts.going} said they were coming"
    parts = [f"{counts.going} going"]
    if seats is not None:
        parts.append("full" if counts.going >= seats else f"{seats} seats")
    if counts.waitlist:
        parts.append(f"{counts.waitlist} on the waitlist")
    return " · ".join(parts)


def buttons(event: Event) -> Buttons | None:
    """Going / Can't go for the meetup; None when its id is too long for a button's payload."""
    going, not_going = f"/going {event.id}", f"/notgoing {event.id}"
    if len(not_going.encode()) > COMMAND_MAX:
        return None
    return Buttons((Button(GOING_LABEL, going), Button(NOT_GOING_LABEL, not_going)))


# Cards with their count, by the card object (bot/chat/views.py keeps one per meetup and calendar
# load) and what the count part shows: /next after /next with no answer in between gives back
# the same Reply, so the adapter renders it once (adapters/telegram/adapter.py). The count is
# read fresh every time; only the card built from it is kept.
_WITH: IdentityCache[Reply] = IdentityCache(256)  # a bound: each count change leaves a card behind


def with_rsvp(card: Reply, event: Event, counts: Counts, *, open_: bool, came: int = 0) -> Reply:
    """The card with the count under it (and, once checked in at the door, how many came), and
    the buttons while answers are taken."""
    kept = _WITH.get((card, event), (counts, open_, came))
    if kept is not None:
        return kept
    return _WITH.put((card, event), (counts, open_, came), _with_rsvp(card, event, counts, open_=open_, came=came))


def _with_rsvp(card: Reply, event: Event, counts: Counts, *, open_: bool, came: int) -> Reply:
    extra: list[Block] = []
    if not event.is_cancelled and (open_ or counts.going or came):
        line = "👥 " + count_line(counts, event.seats, closed=not open_)
        extra.append(Context((line + (f" · {came} came" if came else ""),)))
    row = buttons(event) if open_ else None
    if row is not None:
        extra.append(row)
    return replace(card, blocks=(*card.blocks, *extra))


def when(event: Event, community: Community) -> str:
    return views.short_date(event, community.timezone)


def answer_text(event: Event, community: Community, after: RsvpState, before: RsvpState | None, position: int | None,
                counts: Counts) -> str:  # fmt: skip
    """What the person who answered is told (privately, for a button press)."""
    title = f"{event.title} ({when(event, community)})"
    if after is RsvpState.GOING:
        lead = "You are already going to" if before is RsvpState.GOING else "✅ You are going to"
        return f"{lead} {title}. {count_line(counts, event.seats)}."
    if after is RsvpState.WAITLIST:
        place = f"number {position} " if position else ""
        return (
            f"⏳ {event.title} is full: you are {place}on the waitlist. "
            "If a seat frees up you move up, and I will tell you privately."
        )
    if before is RsvpState.GOING and event.seats is not None:
        return f"Noted: you can't make it to {title}. Your seat goes to the next person on the waitlist, if any."
    if before is RsvpState.WAITLIST:
        return f"Noted: you can't make it to {title}; you are off the waitlist."
    return f"Noted: you can't make it to {title}."


def closed_text(event: Event, community: Community, now: datetime) -> str:
    if event.is_cancelled:
        return f"❌ {event.title} is cancelled, so there is nothing to answer. /next shows what comes next."
    return f"{event.title} has started ({when(event, community)}): answers are closed."


def mine(answers: Sequence[tuple[Event, Attendee]], community: Community) -> Reply:
    if not answers:
        return paragraph_reply("You have not said you are going to any upcoming meetup. /next has the next one.")
    items: list[tuple[Inline, ...]] = []
    for event, attendee in answers:
        status = "going" if attendee.state is RsvpState.GOING else "on the waitlist"
        items.append((Bold(event.title), Text(f" — {when(event, community)}, {status} · /notgoing {event.id}")))
    return Reply((Heading("Meetups you are going to"), BulletList(tuple(items))), disable_link_preview=True)


def attendees(
    event: Event,
    community: Community,
    people: Sequence[Attendee],
    *,
    past: bool,
    names: bool,
    full_names: Mapping[str, str] | None = None,
    checkins: Sequence[CheckIn] = (),
) -> Reply:
    """The organisers' view: counts and how many came, then (in a private chat) names (full
    names when the host needs them), who came, the waitlist and the walk-ins."""
    going = [a for a in people if a.state is RsvpState.GOING]
    waiting = [a for a in people if a.state is RsvpState.WAITLIST]
    declined = sum(1 for a in people if a.state is RsvpState.NOT_GOING)
    counts = Counts(len(going), len(waiting), declined)
    came = {c.user_key for c in checkins if c.checked_in_at is not None}
    walk_ins = [c for c in checkins if c.walk_in and c.checked_in_at is not None]
    blocks: list[Block] = [Heading(f"Attendees: {event.title} ({when(event, community)})")]
    summary = count_line(counts, event.seats, closed=past)
    there = f"; {len(came)} came" if came else ""
    blocks.append(paragraph(f"{summary}; {plural(declined, 'person', 'people')} can't go{there}."))
    if not names:
        blocks.append(paragraph("Names are shown only in a private chat with me."))
        return Reply(tuple(blocks))
    full = full_names or {}
    for label, group in (("Going", going), ("Waitlist", waiting)):
        if group:
            blocks.append(paragraph(Bold(label)))
            items = (_person_item(i, a, event, full, came) for i, a in enumerate(group, 1))
            blocks.append(BulletList(tuple(items)))
    if walk_ins:
        blocks.append(paragraph(Bold("Walk-ins")))
        blocks.append(BulletList(tuple((Text(f"{c.name or c.user_key} — ✅ came"),) for c in walk_ins)))
    blocks.append(Context((f"Guest list for the host: meetup-bot attendees {event.id} --format csv",)))
    return Reply(tuple(blocks), disable_link_preview=True)


def _person_item(
    index: int, attendee: Attendee, event: Event, full: Mapping[str, str], came: Collection[str]
) -> tuple[Inline, ...]:
    person = attendee.person
    handle = f" (@{person.username})" if person.username else ""
    line = f"{index}. {person.name or person.user_id}{handle} — {person.platform}"
    if event.needs_full_names:
        line += f" · full name: {full.get(person.key) or NO_NAME}"
    if person.key in came:
        line += " · ✅ came"
    return (Text(line),)


def promoted(event: Event, community: Community) -> Reply:
    return Reply(
        (
            Heading(f"🎉 A seat freed up: you are going to {event.title}"),
            paragraph(f"{when(event, community)}. Can't make it after all? /notgoing {event.id} frees the seat."),
        )
    )


def cancelled(event: Event, community: Community) -> Reply:
    return Reply(
        (
            Heading(f"❌ Cancelled: {event.title}"),
            paragraph(
                f"The meetup on {when(event, community)} you said you would come to will not take place. "
                "/next shows what comes next."
            ),
        )
    )


def moved(event: Event, was: datetime | None, community: Community) -> Reply:
    """The move notice; `was` None when the old start is not known any more (an organiser's /resend)."""
    tz = community.timezone
    before = f" (it was {views.short_time(was, tz)})" if was is not None else ""
    return Reply(
        (
            Heading(f"📅 Moved: {event.title}"),
            paragraph(
                f"The meetup you said you would come to is now on {views.short_time(event.start, tz)}{before}. "
                f"Can't make it now? /notgoing {event.id} frees your place."
            ),
        )
    )


def paragraph_reply(text: str) -> Reply:
    return Reply((paragraph(text),))
