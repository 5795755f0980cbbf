"""An accepted talk or venue, written into events.yaml.

The file is edited as text by the archive's comment-preserving writer (bot/archive/yaml_writer.py:
only that meetup's lines are rewritten, new speakers and venues are appended), re-validated with
the normal loader, and checked to say the same as before about everything but the talk or venue
added. Only then is it written (atomically: a temporary file renamed over it), and the running
bot reloads it. A failing edit leaves the file untouched and says why. The change is logged as a
unified diff, for organisers who keep events.yaml in git.
"""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from bot.archive.yaml_writer import MergeError, edit_event, merge_events
from bot.calendar.loader import CalendarError, parse_calendar, slugify
from bot.calendar.model import CalendarData, Event, Need, ScheduleSlot, SlotKind, Speaker, Talk, Venue
from bot.proposals.model import Kind, Proposal

log = logging.getLogger(__name__)

TBA = "to be announced"
# What accepting may change in a meetup; every other field must read back as it was.
CHANGED_FIELDS = frozenset({"talks", "schedule", "venue", "host", "needs"})


class EditFailed(Exception):
    """The edit was not made; the message says why (shown to the organiser)."""


@dataclass(frozen=True, slots=True)
class CalendarEdit:
    event_id: str
    diff: str
    what: str  # one line for the organiser: "added the talk … and speaker …"


def with_proposal(event: Event, proposal: Proposal) -> tuple[Event, str]:
    """The meetup with the accepted talk or venue in it, and what changed (one line)."""
    if proposal.kind is Kind.TALK:
        return _with_talk(event, proposal)
    return _with_venue(event, proposal)


def _with_talk(event: Event, proposal: Proposal) -> tuple[Event, str]:
    if any(t.title.casefold() == proposal.title.casefold() for t in event.talks):
        raise EditFailed(f"{event.id} already has a talk titled “{proposal.title}”.")
    name = proposal.speaker or proposal.from_name or "Speaker"
    speaker_id = slugify(name)
    if speaker_id == "unnamed":  # a name with no Latin letters: an id from the proposal instead
        speaker_id = f"speaker-{proposal.number}"
    talk = Talk(proposal.title, (Speaker(speaker_id, name),), abstract=proposal.abstract, language=proposal.language)
    schedule = list(event.schedule)
    slot_note = ""
    for i, slot in enumerate(schedule):
        if slot.kind is SlotKind.TALK and TBA in slot.title.casefold():
            schedule[i] = replace(slot, title=proposal.title)
            slot_note = f" in the {slot.start.astimezone(event.start.tzinfo):%H:%M} slot"
            break
    changed = replace(event, talks=(*event.talks, talk), schedule=tuple(schedule))
    filled = bool(slot_note) and not any(s.kind is SlotKind.TALK and TBA in s.title.casefold() for s in schedule)
    if filled and Need.SPEAKERS in event.needs:  # the last open talk slot: the call for this meetup is done
        changed = replace(changed, needs=event.needs - {Need.SPEAKERS})
        slot_note += "; every talk slot is filled now, so it no longer asks for speakers"
    return changed, f"added the talk “{proposal.title}” by {name}{slot_note}"


def _with_venue(event: Event, proposal: Proposal) -> tuple[Event, str]:
    if event.venue is not None:
        raise EditFailed(f"{event.id} already has a venue ({event.venue.name}); change it in events.yaml by hand.")
    notes = [proposal.notes] if proposal.notes else []
    if proposal.capacity:
        notes.append(f"Seats about {proposal.capacity} people.")
    venue = Venue(slugify(proposal.title), proposal.title, address=proposal.address, host=proposal.title)
    venue = replace(venue, notes=tuple(notes))
    changed = replace(event, venue=venue, host=proposal.title, needs=event.needs - {Need.VENUE})
    asked = "; it no longer asks for a venue" if Need.VENUE in event.needs else ""
    return changed, f"set the venue to {proposal.title}{asked}"


def edit_text(text: str, filename: str, event_id: str, proposal: Proposal) -> tuple[str, str]:
    """The new file text and what changed; raises EditFailed (nothing is written by this)."""
    try:
        data = parse_calendar(text, filename)
    except CalendarError as exc:
        raise EditFailed(f"{filename} does not load as it is, so I did not touch it:\n{exc}") from exc
    event = next((e for e in data.events if e.id == event_id), None)
    if event is None:
        raise EditFailed(f"No meetup {event_id} in {filename}.")
    changed, what = with_proposal(event, proposal)
    try:
        new_text, _report = merge_events(text, [changed], update=True, carry_over=False, filename=filename)
        after = parse_calendar(new_text, filename)
    except (CalendarError, MergeError) as exc:
        raise EditFailed(f"The edit would not make a valid {filename}, so nothing changed:\n{exc}") from exc
    new_text = _edited_in_place(text, changed, filename, after) or new_text
    written = next(e for e in after.events if e.id == event_id)
    lost = [
        f.name
        for f in fields(Event)
        if f.name not in CHANGED_FIELDS and getattr(written, f.name) != getattr(event, f.name)
    ]
    if lost:
        raise EditFailed(
            f"The writer would change {', '.join(lost)} of {event_id}, so nothing changed; edit it by hand."
        )
    return new_text, what


def _edited_in_place(text: str, changed: Event, filename: str, expected: CalendarData) -> str | None:
    """The same change made as a few line edits that keep the comments inside the meetup, when
    that gives exactly the calendar the rewrite of the meetup's block gives; else None."""
    try:
        edited = edit_event(text, changed, filename=filename)
        if parse_calendar(edited, filename) == expected:
            return edited
        log.info("%s: the in-place edit of %s differs from the rewrite; rewriting its block", filename, changed.id)
    except (CalendarError, MergeError) as exc:
        log.info("%s: %s cannot be edited in place (%s); rewriting its block", filename, changed.id, exc)
    return None


def apply(path: Path, event_id: str, proposal: Proposal) -> CalendarEdit:
    """Edit the file in place (atomically) and return the change; raises EditFailed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EditFailed(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    new_text, what = edit_text(text, path.name, event_id, proposal)
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), new_text.splitlines(keepends=True), f"a/{path.name}", f"b/{path.name}"
        )
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(new_text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise EditFailed(f"Cannot write {path.name}: {exc.strerror or exc}") from exc
    log.info("%s: %s %s (%s):\n%s", path.name, proposal.id, what, event_id, diff)
    return CalendarEdit(event_id, diff, what)


__all__ = ["CalendarEdit", "EditFailed", "ScheduleSlot", "apply", "edit_text", "with_proposal"]
