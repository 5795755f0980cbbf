"""How submissions look: the organisers' review card, lists, and the proposer's notices.

User text always sits in leaf `Text` nodes, so every renderer escapes it exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.calendar.model import Event
from bot.chat.reply import Block, Bold, BulletList, Button, Buttons, Code, Context, Heading, Reply, Text, paragraph
from bot.chat.views import short_time
from bot.proposals.model import Kind, Proposal, Status

NOUN = {Kind.TALK: "talk proposal", Kind.VENUE: "venue offer"}


def card(p: Proposal, tz: ZoneInfo, *, buttons: bool = True, for_organisers: bool = True) -> Reply:
    """A submission in full; with Accept and Decline buttons while it is open."""
    blocks: list[Block] = [Heading(f"{NOUN[p.kind].capitalize()} {p.id}")]
    if p.kind is Kind.TALK:
        blocks.append(paragraph(Bold("Title: "), Text(p.title)))
        blocks.append(paragraph(Bold("Speaker: "), Text(p.speaker or "—"), Text(f" · {p.language or '?'}")))
        if p.abstract:
            blocks.append(paragraph(Text(p.abstract)))
    else:
        blocks.append(paragraph(Bold("Venue: "), Text(p.title)))
        blocks.append(paragraph(Bold("Address: "), Text(p.address or "—")))
        blocks.append(paragraph(Bold("Seats: "), Text(str(p.capacity) if p.capacity else "?")))
        if p.notes:
            blocks.append(paragraph(Bold("Notes: "), Text(p.notes)))
    facts = [f"sent {short_time(p.created_at, tz)}", p.status.value]  # the one time format for people
    if for_organisers:
        facts.insert(0, f"from {p.from_name or '?'} ({p.from_key})")
    if p.decided_by and p.status is not Status.NEW:
        facts.append(f"by {p.decider}")
    if p.event_id:
        facts.append(f"meetup {p.event_id}")
    blocks.append(Context(tuple(facts)))
    if p.reason:
        blocks.append(paragraph(Bold("Reason: "), Text(p.reason)))
    if buttons and p.status is Status.NEW:
        blocks.append(
            paragraph(
                "Accept adds it to the next meetup that needs one; for another: ",
                Code(f"/accept {p.id} <meetup id or number>"),
            )
        )
        blocks.append(Buttons((Button("Accept", f"/accept {p.id}"), Button("Decline", f"/decline {p.id}"))))
    return Reply(tuple(blocks), disable_link_preview=True)


def decided(p: Proposal, who: str, event: Event | None, what: str | None) -> Reply:
    """The review card once settled (it replaces the card whose button was pressed)."""
    mark = {Status.ACCEPTED: "✅ Accepted", Status.DECLINED: "❌ Declined", Status.WITHDRAWN: "↩ Withdrawn"}
    head = f"{mark.get(p.status, p.status.value)}: {NOUN[p.kind]} {p.id}"
    blocks: list[Block] = [Heading(head), paragraph(Bold(p.title), Text(f" — by {who}"))]
    if event is not None:
        blocks.append(paragraph(Text(f"Into {event.title} ({event.id})"), Text(f": {what}." if what else ".")))
    if p.reason:
        blocks.append(paragraph(Bold("Reason: "), Text(p.reason)))
    return Reply(tuple(blocks))


def open_list(proposals: Sequence[Proposal]) -> Reply:
    if not proposals:
        return Reply((paragraph("No submissions are waiting for review."),))
    items = []
    for p in proposals:
        who = f" — {p.speaker}" if p.kind is Kind.TALK and p.speaker else ""
        state = f" — being accepted by {p.decider}" if p.status is Status.ACCEPTING else ""
        items.append((Bold(p.id), Text(f" {p.kind.value}: {p.title}{who} ({p.from_key}){state}")))
    return Reply(
        (
            Heading(f"Waiting for review: {len(proposals)}"),
            BulletList(tuple(items)),
            paragraph("/proposal <id> shows one in full; /accept <id> [meetup] or /decline <id> [reason] settles it."),
        )
    )


def settled(p: Proposal) -> str:
    """What became of a submission, for an organiser whose accept or decline came second."""
    into = f" into {p.event_id}" if p.event_id else ""
    return {
        Status.NEW: f"{p.id} is waiting for review.",
        Status.ACCEPTING: f"{p.id} is being accepted by {p.decider} right now{into}.",
        Status.ACCEPTED: f"{p.id} is already accepted by {p.decider}{into}.",
        Status.DECLINED: f"{p.id} is already declined by {p.decider}.",
        Status.WITHDRAWN: f"{p.id} was already withdrawn by its proposer.",
    }[p.status]


def not_withdrawn(p: Proposal) -> str:
    """Why the proposer's /withdraw changed nothing: what became of the submission instead."""
    tell = " If you can no longer come, please tell the organisers."
    return {
        Status.NEW: f"{p.id} is waiting for review; please try /withdraw {p.id} again.",
        Status.ACCEPTING: f"{p.id} is being accepted right now, so it can no longer be withdrawn here.{tell}",
        Status.ACCEPTED: f"{p.id} was already accepted, so it can no longer be withdrawn here.{tell}",
        Status.DECLINED: f"{p.id} was already declined; there is nothing to withdraw.",
        Status.WITHDRAWN: f"You already withdrew {p.id}.",
    }[p.status]


def reconciled(p: Proposal, status: Status, event: Event | None) -> Reply:
    """For the organisers, after a restart: how an accept that a crash cut off was settled."""
    if status is Status.ACCEPTED:
        where = f"{event.title} ({event.id})" if event is not None else (p.event_id or "its meetup")
        return Reply(
            (
                Heading(f"✅ Accepted: {NOUN[p.kind]} {p.id}"),
                paragraph(Bold(p.title), Text(f" — by {p.decider}")),
                paragraph(f"Into {where}. The accept was cut off by a restart; the calendar has it."),
            )
        )
    return Reply(
        (
            paragraph(Text(f"An accept of {p.id} “"), Text(p.title), Text("” was cut off by a restart")),
            paragraph(f"before the calendar had it, so nothing changed: {p.id} is waiting for review again."),
        )
    )


def submitted(p: Proposal) -> Reply:
    return Reply(
        (
            paragraph(Bold(f"Thank you! Your {NOUN[p.kind]} is {p.id}.")),
            paragraph(
                "The organisers will review it, and I will tell you here what they decide. "
                f"Changed your mind? /withdraw {p.id}"
            ),
        )
    )


def decision_notice(p: Proposal, event: Event | None, tz: ZoneInfo) -> Reply:
    """What the proposer is told privately."""
    if p.status is Status.ACCEPTED:
        where = f" for {event.title} on {event.start.astimezone(tz):%A %d %B %Y}" if event is not None else ""
        thing = "talk" if p.kind is Kind.TALK else "venue offer"
        blocks: list[Block] = [
            paragraph(Text(f"Good news: your {thing} “"), Text(p.title), Text(f"” was accepted{where}!"))
        ]
        blocks.append(paragraph("The organisers will be in touch with the details. Thank you!"))
    else:
        blocks = [paragraph(Text(f"Thank you for your {NOUN[p.kind]} “"), Text(p.title), Text("”."))]
        blocks.append(paragraph("The organisers decided not to take it this time."))
        if p.reason:
            blocks.append(paragraph(Bold("Their reason: "), Text(p.reason)))
    return Reply(tuple(blocks))


def venue_choice(proposal: Proposal, event_id: str, found: str, venue_id: str, new: str) -> Reply:
    """A venue offer like a venue already in the file was not accepted: the two commands to type."""
    existing, beside = (
        f"/accept {proposal.id} {event_id} venue={venue_id}",
        f"/accept {proposal.id} {event_id} venue={new}",
    )
    return Reply(
        (
            paragraph(f"I did not accept {proposal.id}: {found} Nothing changed; choose one:"),
            BulletList(
                (
                    (Code(existing), Text(f" holds the meetup at {venue_id} (no new venue entry)")),
                    (Code(beside), Text(" adds the offer as a new venue beside it")),
                )
            ),
        )
    )
