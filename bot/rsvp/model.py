"""RSVP data: a person's answer for a meetup, the counts a card shows, what one answer changed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.calendar.model import Event


class RsvpState(enum.StrEnum):
    GOING = "going"
    WAITLIST = "waitlist"  # said yes when the meetup was full; moves up when a seat frees
    NOT_GOING = "not_going"  # "Can't go": kept so a card can count it and /mine is honest


@dataclass(frozen=True, slots=True)
class Person:
    """Who answered: the platform account (the identity) and how to show them to organisers."""

    platform: str
    user_id: str
    name: str | None = None
    username: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Attendee:
    event_id: str
    person: Person
    state: RsvpState
    answered_at: datetime  # aware UTC: when the person gave this answer
    seq: int  # order of arrival within the meetup (the waitlist is served in this order)


@dataclass(frozen=True, slots=True)
class Counts:
    going: int = 0
    waitlist: int = 0
    not_going: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """The outcome of one answer, decided in one database transaction."""

    event_id: str
    before: RsvpState | None
    after: RsvpState
    counts: Counts
    version: int  # the meetup's change counter after this change: a later card has a higher one
    promoted: tuple[Attendee, ...] = ()  # moved up from the waitlist by this change

    @property
    def changed(self) -> bool:
        return self.before is not self.after


def is_open(event: Event, now: datetime) -> bool:
    """Answers are taken until the meetup starts, and never for a cancelled one."""
    return not event.is_cancelled and now < event.start
