"""Submissions (talk proposals and venue offers) and the conversation that collects one."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Kind(enum.StrEnum):
    TALK = "talk"
    VENUE = "venue"


class Status(enum.StrEnum):
    """A submission's state. Every change is one of `TRANSITIONS`, made by one conditional
    UPDATE in the store, so of any number of attempts at once (across processes) exactly one wins."""

    NEW = "new"  # waiting for the organisers
    ACCEPTING = "accepting"  # an organiser won the accept; the calendar edit is being made
    ACCEPTED = "accepted"  # the edit is in the calendar
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # by its proposer

    @property
    def settled(self) -> bool:
        """Decided for good: nothing changes it any more."""
        return self in (Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN)


# The only changes of status there are. accepting -> new: the edit failed (the meetup changed),
# or a start found that a process died before the edit reached the calendar.
TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    {
        (Status.NEW, Status.ACCEPTING),
        (Status.NEW, Status.DECLINED),
        (Status.NEW, Status.WITHDRAWN),
        (Status.ACCEPTING, Status.ACCEPTED),
        (Status.ACCEPTING, Status.NEW),
    }
)


NOTICE_KIND = "proposal-decided"  # the delivery ledger's key kind of the proposer's notice


def notice_key(number: int) -> str:
    """The delivery ledger's key of the proposer's notice of the decision (one per submission)."""
    return f"{NOTICE_KIND}:{number}"


# Limits from the issue: what one person may send.
TITLE_MAX = 200
ABSTRACT_MAX = 4000
FIELD_MAX = 500  # speaker name, venue name, address, language
NOTES_MAX = 2000
PER_DAY = 5  # submissions per person per 24 hours
CONVERSATION_TTL_HOURS = 24


@dataclass(frozen=True, slots=True)
class Proposal:
    number: int  # 0 until stored
    kind: Kind
    status: Status
    title: str  # the talk's title or the venue's name
    from_key: str  # platform:user id: shown to organisers only
    created_at: datetime
    from_name: str | None = None
    abstract: str | None = None
    speaker: str | None = None
    language: str | None = None
    address: str | None = None
    capacity: int | None = None
    notes: str | None = None
    decided_by: str | None = None  # platform:id of who decided (the proposer, for a withdrawal)
    decided_name: str | None = None  # their display name, for "already accepted by Dana"
    decided_at: datetime | None = None
    reason: str | None = None
    event_id: str | None = None
    venue_id: str | None = None  # an accepted venue offer held at a venue already in the file: its id

    @property
    def id(self) -> str:
        """The short id people type: T7 for a talk, V8 for a venue (one counter for both)."""
        return f"{'T' if self.kind is Kind.TALK else 'V'}{self.number}"

    @property
    def decider(self) -> str:
        """Who decided, as people are named in replies."""
        return self.decided_name or self.decided_by or "someone"

    @property
    def platform(self) -> str:
        return self.from_key.partition(":")[0]

    @property
    def user_id(self) -> str:
        return self.from_key.partition(":")[2]


def parse_id(text: str) -> int | None:
    """`T7`, `t7`, `V8`, `#7` or `7` -> 7; None for anything else."""
    raw = text.strip().lstrip("#")
    if raw[:1].lower() in ("t", "v"):
        raw = raw[1:]
    # ASCII digits only: `isdigit` also accepts "²" and "①", which `int` rejects.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@dataclass(frozen=True, slots=True)
class Conversation:
    """One person's /propose or /host in progress: the answers so far, in step order."""

    user_key: str
    kind: Kind
    answers: tuple[str, ...]
    chat_key: str
    started_at: datetime
    updated_at: datetime
    confirming: bool = False  # every answer given; waiting for yes or no
