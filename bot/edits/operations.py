"""The semantic edits of events.yaml the bot makes: a talk or a venue accepted into a meetup, a
meetup confirmed, cancelled or moved.

Each is a `CalendarEdit` (bot/edits/contract.py): `apply` reads the calendar as it is now, works
out the meetup it means to have (the talk in the first open slot, the venue set, the times
shifted), makes only those changes in the text (bot/edits/roundtrip.py), and checks that the new
file loads to exactly that calendar: the same community, speakers and venues (plus the one it
adds) and meetups, and in the edited meetup nothing but the fields it meant to change. Anything
else is refused with the reason (`EditFailed`), never written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.calendar.loader import CalendarError, check_exists, parse_calendar, slugify
from bot.calendar.model import CalendarData, Event, EventStatus, Need, ScheduleSlot, SlotKind, Speaker, Talk, Venue
from bot.calendar.wall_clock import CLOCK
from bot.chat.views import short_time
from bot.edits.contract import EditFailed, EditResult
from bot.edits.roundtrip import Document, flow_seq, in_flow, normal_text, safe, text_value

TBA = "to be announced"
_AFTER_TIMES = ("status", "end", "start")  # a new key of the meetup goes after the first of these it has
_RANGE = re.compile(r"(\s*)(\d{1,2}):(\d{2})(\s*[-–]\s*)(\d{1,2}):(\d{2})(\s*)")


@dataclass(frozen=True, slots=True)
class AddTalk:
    """An accepted talk: into the meetup's talks, its first open ("to be announced") talk slot, and
    a new speaker entry unless a speaker of that name is in the file."""

    event_id: str
    title: str
    speaker: str
    abstract: str | None = None
    language: str | None = None
    proposal_id: str = ""  # "T3": names the commit and a speaker id when the name gives none

    @property
    def subject(self) -> str:
        return f'Accept talk {self.proposal_id} "{_one_line(self.title)}" into {self.event_id}'.replace("  ", " ")

    def apply(self, text: str, filename: str) -> EditResult:
        data = _load(text, filename)
        event = _meetup(data, self.event_id, filename, open_only=True)
        title = _one_line(self.title)
        if not title:
            raise EditFailed("The talk has no title.")
        same = next((t for t in event.talks if _one_line(t.title).casefold() == title.casefold()), None)
        if same is not None:
            raise EditFailed(f"{event.id} already has a talk titled “{same.title}”.")
        name = _one_line(self.speaker) or "Speaker"
        speaker = _speaker(data, name, self.proposal_id)
        abstract = normal_text(self.abstract) if self.abstract else None
        language = _one_line(self.language or "") or None
        talk = Talk(title, (speaker,), abstract=abstract or None, language=language)
        doc = Document(text, filename)
        node = doc.meetup(event.id)
        entry = CommentedMap({"title": safe(title), "speakers": flow_seq([safe(speaker.id)])})
        if talk.abstract:
            entry["abstract"] = text_value(talk.abstract)
        if talk.language:
            entry["language"] = safe(talk.language)
        doc.append_item(node, "talks", entry)
        changed = replace(event, talks=(*event.talks, talk))
        changed, note = _fill_slot(doc, node, changed, title)
        speakers = data.speakers
        if speaker not in data.speakers:
            doc.add_entry("speakers", speaker.id, CommentedMap({"name": safe(speaker.name)}))
            speakers = (*speakers, speaker)
        expected = replace(data, speakers=speakers, events=_swap(data.events, changed))
        return EditResult(_checked(doc, expected), f"added the talk “{title}” by {name}{note}")


def _fill_slot(doc: Document, node: MappingNode, event: Event, title: str) -> tuple[Event, str]:
    """The first talk slot titled "to be announced" gets the talk's title; the meetup stops asking
    for speakers when that was the last open one."""
    schedule = list(event.schedule)
    index = next((i for i, s in enumerate(schedule) if s.kind is SlotKind.TALK and TBA in s.title.casefold()), None)
    if index is None:
        return event, ""
    pair = doc.get(node, "schedule")
    assert pair is not None  # the loader read a schedule from it
    seq = pair[1]
    item = seq.value[index] if isinstance(seq, SequenceNode) else None
    slot_title = doc.get(item, "title") if isinstance(item, MappingNode) else None
    if slot_title is None:
        raise EditFailed(f"The schedule of {event.id} is not written as a list of slots, so I cannot fill a slot.")
    flow = in_flow(node, seq, item)
    doc.set_scalar(slot_title[1], title, flow=flow)
    schedule[index] = replace(schedule[index], title=title)
    event = replace(event, schedule=tuple(schedule))
    tz = event.start.tzinfo
    note = f" in the {schedule[index].start.astimezone(tz):%H:%M} slot"
    still_open = any(s.kind is SlotKind.TALK and TBA in s.title.casefold() for s in schedule)
    if not still_open and Need.SPEAKERS in event.needs:
        _drop_need(doc, node, Need.SPEAKERS)
        event = replace(event, needs=event.needs - {Need.SPEAKERS})
        note += "; every talk slot is filled now, so it no longer asks for speakers"
    return event, note


class VenueExists(EditFailed):
    """A venue offer that looks like a venue already in the file: nothing changed, and the
    organiser chooses (`SetVenue.use_existing` or `add_anyway`). `found` says which venue."""

    def __init__(self, found: str, venue_id: str) -> None:
        super().__init__(
            f"{found} Nothing changed: either hold the meetup at {venue_id}, or add the offer as a new venue beside it."
        )
        self.found = found
        self.venue_id = venue_id


@dataclass(frozen=True, slots=True)
class SetVenue:
    """An accepted venue offer: a new `venues:` entry (name, address, notes, `capacity:` for the
    seats offered) that the meetup points at. An offer that looks like a venue already in the file
    is refused with the choice: `use_existing` (that venue's id) or `add_anyway` (a new entry
    beside it, under an id of its own)."""

    event_id: str
    name: str
    address: str | None = None
    notes: str | None = None
    capacity: int | None = None
    proposal_id: str = ""
    use_existing: str | None = None
    add_anyway: bool = False

    @property
    def subject(self) -> str:
        where = f" ({self.use_existing})" if self.use_existing else ""
        return f'Accept venue {self.proposal_id} "{_one_line(self.name)}"{where} for {self.event_id}'.replace("  ", " ")

    def apply(self, text: str, filename: str) -> EditResult:
        data = _load(text, filename)
        event = _meetup(data, self.event_id, filename, open_only=True)
        if event.venue is not None:
            raise EditFailed(f"{event.id} already has a venue ({event.venue.name}); change it in {filename} by hand.")
        doc = Document(text, filename)
        venue = self._venue(doc, data, filename)
        node = doc.meetup(event.id)
        doc.set_value(node, "venue", venue.id, after=_AFTER_TIMES)
        host = event.host if event.host is not None else venue.host
        changed = replace(event, venue=venue, host=host)
        asked = ""
        if Need.VENUE in event.needs:
            _drop_need(doc, node, Need.VENUE)
            changed = replace(changed, needs=event.needs - {Need.VENUE})
            asked = "; it no longer asks for a venue"
        venues = data.venues if venue in data.venues else (*data.venues, venue)
        expected = replace(data, venues=venues, events=_swap(data.events, changed))
        return EditResult(_checked(doc, expected), f"set the venue to {venue.name}{asked}")

    def _venue(self, doc: Document, data: CalendarData, filename: str) -> Venue:
        """The venue the meetup gets: the existing one asked for, or a new entry added to `doc`."""
        if self.use_existing:
            found = next((v for v in data.venues if v.id == self.use_existing), None)
            if found is None:
                raise EditFailed(f"There is no venue {self.use_existing} in {filename}.")
            return found
        name = _one_line(self.name)
        if not name:
            raise EditFailed("The venue offer has no name.")
        if self.capacity is not None and self.capacity <= 0:
            raise EditFailed(f"{self.capacity} seats is not a number of seats.")
        base = _slug(name, f"venue-{self.proposal_id}")
        folded = name.casefold()
        same = [v for v in data.venues if v.id == base or folded in (v.name.casefold(), (v.host or "").casefold())]
        if same and not self.add_anyway:
            v = same[0]
            where = f", {v.address}" if v.address else ""
            raise VenueExists(
                f"{filename} already has a venue {v.id} ({v.name}{where}), which may be this company's.", v.id
            )
        vid = _free_id(base, {v.id for v in data.venues})
        notes = tuple(n for n in (normal_text(self.notes or ""),) if n)
        address = _one_line(self.address or "") or None
        venue = Venue(vid, name, address=address, host=name, notes=notes, capacity=self.capacity)
        entry = CommentedMap({"name": safe(name)})
        if address:
            entry["address"] = safe(address)
        entry["host"] = safe(name)
        if self.capacity is not None:
            entry["capacity"] = self.capacity
        if notes:
            entry["notes"] = CommentedSeq([text_value(n) for n in notes])
        doc.add_entry("venues", vid, entry)
        return venue


@dataclass(frozen=True, slots=True)
class SetStatus:
    """A meetup confirmed (from planned) or cancelled (with the reason added to its notes)."""

    event_id: str
    status: EventStatus
    reason: str | None = None

    @property
    def subject(self) -> str:
        verb = {EventStatus.CONFIRMED: "Confirm", EventStatus.CANCELLED: "Cancel"}.get(self.status, "Plan")
        return f"{verb} {self.event_id}"

    def apply(self, text: str, filename: str) -> EditResult:
        data = _load(text, filename)
        event = _meetup(data, self.event_id, filename)
        if event.status is self.status:
            raise EditFailed(f"{event.id} is already {self.status.value}.")
        if self.status is EventStatus.CONFIRMED and event.status is not EventStatus.PLANNED:
            raise EditFailed(f"{event.id} is {event.status.value}; only a planned meetup can be confirmed.")
        if self.status is EventStatus.PLANNED:
            raise EditFailed("A meetup goes from planned to confirmed or cancelled, not back.")
        doc = Document(text, filename)
        node = doc.meetup(event.id)
        doc.set_value(node, "status", self.status.value, after=("end", "start"))
        changed = replace(event, status=self.status)
        what = "confirmed it" if self.status is EventStatus.CONFIRMED else "cancelled it"
        reason = normal_text(self.reason or "").replace("\n", " ")
        if self.status is EventStatus.CANCELLED and reason:
            note = f"Cancelled: {reason}"
            doc.append_item(node, "notes", text_value(note))
            changed = replace(changed, notes=(*event.notes, note))
            what += f" ({reason})"
        expected = replace(data, events=_swap(data.events, changed))
        return EditResult(_checked(doc, expected), what)


@dataclass(frozen=True, slots=True)
class MoveMeetup:
    """A meetup moved to another local date and start time (in the community's timezone): its
    end and every schedule slot shift by the same amount, written as the file wrote them."""

    event_id: str
    day: date
    at: time

    @property
    def subject(self) -> str:
        return f"Move {self.event_id} to {self.day:%Y-%m-%d} {self.at:%H:%M}"

    def apply(self, text: str, filename: str) -> EditResult:
        data = _load(text, filename)
        event = _meetup(data, self.event_id, filename)
        tz = data.community.timezone
        old = _naive(event.start, tz)
        new = datetime.combine(self.day, self.at.replace(second=0, microsecond=0))
        shift = new - old
        if not shift:
            raise EditFailed(f"{event.id} already starts at {new:%Y-%m-%d %H:%M}.")
        doc = Document(text, filename)
        node = doc.meetup(event.id)
        start = _aware(new, tz)
        pair = doc.get(node, "start")
        assert pair is not None  # a meetup has a start
        doc.set_scalar(pair[1], _datetime_like(_raw(pair[1]), start, tz), flow=False, verbatim=True)
        pair = doc.get(node, "end")
        end = _aware(_naive(event.end, tz) + shift, tz)
        if pair is not None and isinstance(pair[1], ScalarNode) and pair[1].value:
            raw = _raw(pair[1])
            shown = _clock_like(raw, end, tz) if CLOCK.fullmatch(raw) else _datetime_like(raw, end, tz)
            doc.set_scalar(pair[1], shown, flow=False, verbatim=True)
        schedule = tuple(
            replace(s, start=_aware(_naive(s.start, tz) + shift, tz), end=_aware(_naive(s.end, tz) + shift, tz))
            for s in event.schedule
        )
        _shift_slots(doc, node, schedule, tz)
        changed = replace(event, start=start, end=end, schedule=schedule)
        events = tuple(sorted(_swap(data.events, changed), key=lambda e: (e.start, e.id)))
        expected = replace(data, events=events)
        return EditResult(_checked(doc, expected), f"moved it to {short_time(start, tz)}")  # as the chat shows times


def _shift_slots(doc: Document, node: MappingNode, schedule: tuple[ScheduleSlot, ...], tz: ZoneInfo) -> None:
    pair = doc.get(node, "schedule")
    if pair is None or not schedule:
        return
    seq = pair[1]
    items = seq.value if isinstance(seq, SequenceNode) else []
    for item, slot in zip(items, schedule, strict=True):
        found = doc.get(item, "time") if isinstance(item, MappingNode) else None
        match = _RANGE.fullmatch(_raw(found[1])) if found else None
        if found is None or match is None:
            raise EditFailed(f"The slot “{slot.title}” has a time I cannot shift, so nothing moved.")
        lead, h1, _, sep, h2, _, trail = match.groups()
        value = f"{lead}{_hm(slot.start.astimezone(tz), len(h1))}{sep}{_hm(slot.end.astimezone(tz), len(h2))}{trail}"
        flow = in_flow(node, seq, item)
        doc.set_scalar(found[1], value, flow=flow, verbatim=True)


# ---- shared steps ------------------------------------------------------------------------------


def _load(text: str, filename: str) -> CalendarData:
    try:
        return parse_calendar(text, filename)
    except CalendarError as exc:
        raise EditFailed(f"{filename} does not load as it is, so I did not touch it:\n{exc}") from None


def _meetup(data: CalendarData, event_id: str, filename: str, *, open_only: bool = False) -> Event:
    """The meetup the edit is for; `open_only`: refused when cancelled (nothing is added to it)."""
    event = next((e for e in data.events if e.id == event_id), None)
    if event is None:
        raise EditFailed(f"No meetup {event_id} in {filename} (was it renamed or removed?).")
    if open_only and event.is_cancelled:
        raise EditFailed(f"{event.id} is cancelled.")
    return event


def _swap(events: tuple[Event, ...], changed: Event) -> tuple[Event, ...]:
    return tuple(changed if e.id == changed.id else e for e in events)


def _checked(doc: Document, expected: CalendarData) -> str:
    """The edited text, once it loads to exactly the calendar the edit means; else EditFailed."""
    text = doc.result()
    try:
        after = parse_calendar(text, doc.filename)
    except CalendarError as exc:
        raise EditFailed(f"The edit would not make a valid {doc.filename}, so nothing changed:\n{exc}") from None
    if after != expected:
        raise EditFailed(
            f"The edit would also change {_difference(after, expected)} in {doc.filename}, so nothing changed; "
            "please make it by hand."
        )
    return text


def _difference(after: CalendarData, expected: CalendarData) -> str:
    """What differs, in words: `community`, `the speakers`, or `start of 2027-01-19-x`."""
    for name in ("community", "speakers", "venues"):
        if getattr(after, name) != getattr(expected, name):
            return f"the {name}"
    mine = {e.id: e for e in expected.events}
    for event in after.events:
        want = mine.get(event.id)
        if want is None:
            return f"the meetup {event.id}"
        changed = [f.name for f in fields(Event) if getattr(event, f.name) != getattr(want, f.name)]
        if changed:
            return f"{', '.join(changed)} of {event.id}"
    return "the order of the meetups"


def _drop_need(doc: Document, node: MappingNode, need: Need) -> None:
    pair = doc.get(node, "needs")
    assert pair is not None  # the loader read the need from it
    value = pair[1]
    if isinstance(value, ScalarNode):
        doc.remove_item(node, "needs", 0)
        return
    words = [_raw(i).strip().lower() if isinstance(i, ScalarNode) else "" for i in value.value]
    doc.remove_item(node, "needs", words.index(need.value))


def _speaker(data: CalendarData, name: str, proposal_id: str) -> Speaker:
    """The file's speaker of that name, else a new one under an id no speaker has."""
    for speaker in data.speakers:
        if speaker.name.casefold() == name.casefold():
            return speaker
    base = _slug(name, f"speaker-{proposal_id}" if proposal_id else "speaker")
    return Speaker(_free_id(base, {s.id for s in data.speakers}), name)


def _slug(name: str, fallback: str) -> str:
    """An id from a name: accents dropped (`Pérez` -> `perez`); `fallback` for a name with no
    Latin letters or digits at all."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = slugify(ascii_name)
    return slugify(fallback) if slug == "unnamed" else slug


def _free_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _raw(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else ""


def _naive(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)


def _aware(local: datetime, tz: ZoneInfo) -> datetime:
    try:
        return check_exists(local.replace(tzinfo=tz))
    except ValueError as exc:
        raise EditFailed(str(exc)) from None


def _hm(value: datetime, hour_digits: int) -> str:
    return f"{value.hour:0{hour_digits}d}:{value.minute:02d}"


def _clock_like(raw: str, value: datetime, tz: ZoneInfo) -> str:
    return _hm(value.astimezone(tz), len(raw.split(":")[0]))


def _datetime_like(raw: str, value: datetime, tz: ZoneInfo) -> str:
    """`value` written as `raw` is: `T` or a space, seconds or not, an offset or not."""
    local = value.astimezone(tz)
    sep = "T" if "T" in raw else " "
    seconds = re.search(r"\d:\d\d:\d\d", raw) is not None
    shown = local.strftime(f"%Y-%m-%d{sep}%H:%M{':%S' if seconds else ''}")
    try:
        explicit = datetime.fromisoformat(raw.strip()).tzinfo is not None
    except ValueError:
        explicit = False
    if explicit:
        shown += local.isoformat()[19:]
    return shown
