"""The community's calendar as frozen dataclasses: what `events.yaml` describes, validated.

Every datetime here is timezone-aware. Local wall-clock times in `events.yaml` are resolved
against `Community.timezone` by the loader; nothing downstream guesses a timezone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


class EventStatus(enum.StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class SlotKind(enum.StrEnum):
    TALK = "talk"
    BREAK = "break"
    MINGLING = "mingling"
    QA = "q&a"
    OTHER = "other"


class Need(enum.StrEnum):
    SPEAKERS = "speakers"
    VENUE = "venue"


class GuestList(enum.StrEnum):
    """What the host's front desk needs to know of who is coming (`guest_list:`)."""

    FULL_NAMES = "full_names"  # the building lets in only names given in advance


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Speaker:
    id: str
    name: str
    affiliation: str | None = None
    bio: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Venue:
    id: str
    name: str
    address: str | None = None
    host: str | None = None
    notes: tuple[str, ...] = ()
    capacity: int | None = None
    map_url: str | None = None
    guest_list: GuestList | None = None  # the host asks for full names in advance


@dataclass(frozen=True, slots=True)
class ScheduleSlot:
    start: datetime
    end: datetime
    title: str
    kind: SlotKind = SlotKind.OTHER


@dataclass(frozen=True, slots=True)
class Talk:
    title: str
    speakers: tuple[Speaker, ...] = ()
    abstract: str | None = None
    language: str | None = None
    slides: str | None = None
    video: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    start: datetime
    end: datetime
    status: EventStatus = EventStatus.CONFIRMED
    venue: Venue | None = None
    host: str | None = None
    url: str | None = None
    language: str | None = None
    filmed: bool | None = None
    description: str | None = None
    notes: tuple[str, ...] = ()
    needs: frozenset[Need] = frozenset()
    schedule: tuple[ScheduleSlot, ...] = ()
    talks: tuple[Talk, ...] = ()
    # Reminder rules for this meetup only; empty means "use the community's rules".
    reminders: tuple[ReminderRule, ...] = ()
    # Seats for RSVP; None: the venue's capacity, if any (see `seats`).
    capacity: int | None = None
    # What the host needs of the guest list; None: the venue's `guest_list`, if any.
    guest_list: GuestList | None = None

    @property
    def needs_full_names(self) -> bool:
        """The host wants full names in advance: the meetup says so, or else its venue."""
        wanted = self.guest_list or (self.venue.guest_list if self.venue else None)
        return wanted is GuestList.FULL_NAMES

    @property
    def seats(self) -> int | None:
        """How many can say they are going: the meetup's own capacity, else its venue's."""
        if self.capacity is not None:
            return self.capacity
        return self.venue.capacity if self.venue else None

    @property
    def is_cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        """Every speaker of the meetup once, in order of appearance."""
        seen: dict[str, Speaker] = {}
        for talk in self.talks:
            for speaker in talk.speakers:
                seen.setdefault(speaker.id, speaker)
        return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class ReminderRule:
    """When to remind the community of a meetup.

    `day_before` is a local wall-clock time on the day before the meetup (DST-correct by
    construction); `before` is a fixed duration ahead of the start instant.
    """

    day_before: time | None = None
    before: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.day_before is None) == (self.before is None):
            raise ValueError("a reminder rule has exactly one of day_before or before")

    @property
    def key(self) -> str:
        """A stable name for the rule, used in delivery-ledger keys."""
        if self.day_before is not None:
            return f"day_before@{self.day_before.strftime('%H:%M')}"
        assert self.before is not None
        return f"before@{int(self.before.total_seconds())}s"


@dataclass(frozen=True, slots=True)
class CallForSpeakers:
    text: str | None = None
    topics: tuple[str, ...] = ()
    how_to_submit: str | None = None


@dataclass(frozen=True, slots=True)
class CallForVenues:
    text: str | None = None
    how_to_offer: str | None = None


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """When the standing calls for speakers and venues go out."""

    horizon: timedelta = timedelta(weeks=6)
    weekday: int = 6  # Monday is 0; Sunday by default
    at: time = time(10, 0)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    enabled: bool = True


DEFAULT_REMINDERS: tuple[ReminderRule, ...] = (ReminderRule(day_before=time(10, 0)),)


@dataclass(frozen=True, slots=True)
class Community:
    name: str
    timezone: ZoneInfo
    short_name: str | None = None
    description: str | None = None
    language: str | None = None
    links: tuple[Link, ...] = ()
    # "platform:user id" strings; ids, never display names.
    organisers: tuple[str, ...] = ()
    # "platform:chat id" strings where reminders and calls are posted.
    announce: tuple[str, ...] = ()
    # "platform:chat id" where new talk proposals and venue offers are posted for review.
    organisers_chat: str | None = None
    call_for_speakers: CallForSpeakers = field(default_factory=CallForSpeakers)
    call_for_venues: CallForVenues = field(default_factory=CallForVenues)
    calls: CallPolicy = field(default_factory=CallPolicy)
    reminders: tuple[ReminderRule, ...] = DEFAULT_REMINDERS
    # topic -> other words that mean it ("bpf" -> "ebpf", "xdp"), for /talks search.
    topic_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where the community meets, for the website's structured data (a meetup without a venue yet
    # is "in <city>") and its share cards: free text, an ISO 3166 country code, an ISO 4217 currency.
    city: str | None = None
    country: str | None = None
    currency: str | None = None

    def link(self, label: str) -> str | None:
        for link in self.links:
            if link.label == label:
                return link.url
        return None

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True, slots=True)
class CalendarData:
    """Everything one `events.yaml` holds, before it is indexed by `Calendar`."""

    community: Community
    speakers: tuple[Speaker, ...] = ()
    venues: tuple[Venue, ...] = ()
    events: tuple[Event, ...] = ()
    source: str | None = None
