"""An accepted talk or venue, as an edit of events.yaml.

`edit_for` turns a submission into the semantic edit (bot/edits/operations.py) that the calendar
writer applies: a talk into the meetup's first open slot, a venue offer into a new venue entry.
The edit keeps every line it does not change and refuses, with the reason, what it cannot do.
Every edit is written by the calendar writer (bot/edits/writer.py: locked, compare-and-swap,
committed); there is no other way into the file.
"""

from __future__ import annotations

from bot.edits.contract import CalendarEdit, EditFailed
from bot.edits.operations import AddTalk, SetVenue
from bot.proposals.model import Kind, Proposal


def edit_for(
    proposal: Proposal, event_id: str, *, use_existing: str | None = None, add_anyway: bool = False
) -> CalendarEdit:
    """The edit that accepting `proposal` into meetup `event_id` makes. For a venue offer that
    looks like a venue already in the file, the edit fails with the choice; `use_existing` (that
    venue's id) or `add_anyway` (a new entry beside it) is the organiser's answer."""
    if proposal.kind is Kind.TALK:
        return AddTalk(
            event_id,
            proposal.title,
            proposal.speaker or proposal.from_name or "Speaker",
            abstract=proposal.abstract,
            language=proposal.language,
            proposal_id=proposal.id,
        )
    return SetVenue(
        event_id,
        proposal.title,
        address=proposal.address,
        notes=proposal.notes,
        capacity=proposal.capacity,
        proposal_id=proposal.id,
        use_existing=use_existing,
        add_anyway=add_anyway,
    )


__all__ = ["EditFailed", "edit_for"]
