"""Merge meetups into events.yaml as text edits, so comments and hand formatting survive.

Re-dumping the document through a YAML library would drop every comment and reflow every
hand-written line. Instead, the file is composed once for positions, and each change is a text
edit: a new meetup is appended at the end of `events:`, new speakers and venues at the end of
their sections; `--update` replaces only that meetup's own lines (comments inside it go) and
keeps what a post cannot know. The result is validated with the normal loader before anyone
writes it. (The bot's own edits, such as accepting a proposal, are bot/edits/operations.py.)
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import yaml

from bot.calendar.loader import parse_calendar
from bot.calendar.model import CalendarData, Event, EventStatus, Speaker, Talk, Venue

try:  # the same parser as the loader: the C one accepts `(yours?)` in a flow mapping
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

WIDTH = 92  # folded text wraps here, like the hand-written file


class MergeError(Exception):
    """The events file cannot take the merge (flow-style sections, say); nothing was changed."""


@dataclass(frozen=True, slots=True)
class MergeReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # already in the file; hand edits win without --update
    new_speakers: tuple[str, ...] = ()
    new_venues: tuple[str, ...] = ()
    # (imported id, id in the file) where a meetup was found by its URL under another id.
    same_as: tuple[tuple[str, str], ...] = ()

    def combined(self, other: MergeReport) -> MergeReport:
        return MergeReport(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass
class _Plan:
    edits: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, text)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    speakers: dict[str, Speaker] = field(default_factory=dict)  # new, by id
    same_as: list[tuple[str, str]] = field(default_factory=list)
    venues: dict[str, Venue] = field(default_factory=dict)


def merge_events(
    text: str,
    events: Sequence[Event],
    *,
    update: bool = False,
    carry_over: bool = True,
    filename: str = "events.yaml",
) -> tuple[str, MergeReport]:
    """The new file text with `events` merged in. Raises CalendarError when `text` itself is not
    a valid calendar, MergeError when it cannot be edited as text. With `update`, a meetup already
    in the file keeps what a post cannot say (`_carry_over`) unless `carry_over` is False: then it
    is written as given (an edit of the bot's own, such as accepting a proposal)."""
    data, sections = _read(text, filename)
    plan = _Plan()
    _plan_events(plan, text, sections, data, events, update, carry_over)
    result = _apply(text, sections, plan)
    parse_calendar(result, filename)  # the merge must leave a valid file; raises if not
    return result, MergeReport(
        tuple(plan.added),
        tuple(plan.updated),
        tuple(plan.kept),
        tuple(plan.speakers),
        tuple(plan.venues),
        tuple(plan.same_as),
    )


def _read(text: str, filename: str) -> tuple[CalendarData, dict[str, _Section]]:
    """The file's calendar (raises CalendarError when it is not valid) and its top-level sections."""
    data = parse_calendar(text, filename)
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        raise MergeError(f"{filename}: the top level is not a mapping")
    return data, _sections(text, root)


def _apply(text: str, sections: dict[str, _Section], plan: _Plan) -> str:
    """The text with the plan's edits made, and its new speakers and venues added to their sections."""
    if plan.speakers:
        indent = _map_indent(sections.get("speakers"))
        block = "".join(render_speaker(s, indent) for s in plan.speakers.values())
        plan.edits.append(_append_block(text, sections, "speakers", block))
    if plan.venues:
        indent = _map_indent(sections.get("venues"))
        block = "".join(render_venue(v, indent) for v in plan.venues.values())
        plan.edits.append(_append_block(text, sections, "venues", block))
    result = text
    # Apply from the end backwards, so earlier offsets stay valid; at one offset (the end of the
    # file: new events, then a new `venues:` section), the later edit goes first so the text
    # keeps the plan's order.
    ordered = sorted(enumerate(plan.edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True)
    for _, (start, end, new) in ordered:
        result = result[:start] + new + result[end:]
    return result


def _plan_events(
    plan: _Plan,
    text: str,
    sections: dict[str, _Section],
    data: CalendarData,
    events: Sequence[Event],
    update: bool,
    carry_over: bool,
) -> None:
    """Plan the edits for `events`: each one found (by id, else by URL) is kept, or replaced on
    --update; the others are appended, in order, at the end of `events:`."""
    tz = data.community.timezone
    by_id = {e.id: e for e in data.events}
    by_url = {e.url: e for e in data.events if e.url}
    speaker_ids = _speaker_ids(data)
    venue_ids = {v.id: v for v in data.venues}
    appended: list[str] = []
    for event in events:
        existing = by_id.get(event.id) or (by_url.get(event.url) if event.url else None)
        if existing is not None and existing.id != event.id:
            plan.same_as.append((event.id, existing.id))
        if existing is not None and not update:
            plan.kept.append(existing.id)
            continue
        if existing is not None and carry_over:
            event = _carry_over(event, existing)
        event = _resolve_refs(event, speaker_ids, venue_ids, plan)
        if existing is not None:
            start, end, indent = _event_span(text, sections, existing.id)
            plan.edits.append((start, end, render_event(event, tz, indent)))
            plan.updated.append(event.id)
        else:
            appended.append(render_event(event, tz, _seq_indent(sections.get("events"))))
            plan.added.append(event.id)
            by_id[event.id] = event
            if event.url:
                by_url[event.url] = event
    if appended:
        plan.edits.append(_append_block(text, sections, "events", "\n".join(appended), blank_line=True))


def _carry_over(new: Event, old: Event) -> Event:
    """On --update, keep what a post cannot say: the hand-chosen id, status, needs, reminders,
    seats (`capacity:`), `guest_list:`, whether it is filmed unless the post says, every note the
    post does not have (hand-written ones), and each talk's tags, slides and recording (talks
    matched by title)."""
    old_talks = {t.title.casefold(): t for t in old.talks}
    talks = []
    for talk in new.talks:
        before = old_talks.get(talk.title.casefold())
        if before is not None:
            talk = replace(
                talk,
                tags=talk.tags or before.tags,
                slides=talk.slides or before.slides,
                video=talk.video or before.video,
                language=talk.language or before.language,
            )
        talks.append(talk)
    return replace(
        new,
        id=old.id,
        status=old.status,
        needs=old.needs,
        reminders=old.reminders,
        capacity=new.capacity if new.capacity is not None else old.capacity,
        guest_list=new.guest_list or old.guest_list,
        filmed=new.filmed if new.filmed is not None else old.filmed,
        notes=new.notes + tuple(n for n in old.notes if n not in new.notes),
        description=new.description or old.description,
        talks=tuple(talks),
    )


# ---- references to speakers and venues ------------------------------------------------------


def _speaker_ids(data: CalendarData) -> dict[str, str]:
    """Lower-cased name or id -> the file's speaker id."""
    out: dict[str, str] = {}
    for speaker in data.speakers:
        out[speaker.id] = speaker.id
        out[speaker.name.casefold()] = speaker.id
    return out


def _resolve_refs(event: Event, speaker_ids: dict[str, str], venues: dict[str, Venue], plan: _Plan) -> Event:
    """Point the event at the file's speakers and venue, noting the ones to add."""
    talks: list[Talk] = []
    for talk in event.talks:
        speakers = []
        for speaker in talk.speakers:
            sid = speaker_ids.get(speaker.name.casefold()) or speaker_ids.get(speaker.id)
            if sid is None:
                sid = speaker.id
                n = 2
                while sid in speaker_ids:  # a different person with the same slug
                    sid, n = f"{speaker.id}-{n}", n + 1
                plan.speakers[sid] = replace(speaker, id=sid)
                speaker_ids[sid] = speaker_ids[speaker.name.casefold()] = sid
            speakers.append(replace(speaker, id=sid))
        talks.append(replace(talk, speakers=tuple(speakers)))
    venue = event.venue
    if venue is not None:
        same = next((v for v in venues.values() if (v.name, v.address) == (venue.name, venue.address)), None)
        if venue.id in venues or same is not None:
            venue = venues.get(venue.id) or same
        else:
            venues[venue.id] = venue
            plan.venues[venue.id] = venue
    return replace(event, talks=tuple(talks), venue=venue)


# ---- positions in the text ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Section:
    key: yaml.Node
    value: yaml.Node
    stop: int  # where the next top-level key's line starts (or the end of the text)


def _sections(text: str, root: yaml.MappingNode) -> dict[str, _Section]:
    pairs = [(k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)]
    out: dict[str, _Section] = {}
    for i, (key, value) in enumerate(pairs):
        stop = _line_start(text, pairs[i + 1][0].start_mark.index) if i + 1 < len(pairs) else len(text)
        out[key.value] = _Section(key, value, stop)
    return out


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _content_end(text: str, start: int, stop: int) -> int:
    """Just after the last line in [start, stop) that is neither blank nor a comment: trailing
    comments and blank lines belong to what follows."""
    end = start
    pos = start
    while pos < stop:
        nl = text.find("\n", pos, stop)
        line_end = stop if nl == -1 else nl + 1
        stripped = text[pos:line_end].strip()
        if stripped and not stripped.startswith("#"):
            end = line_end
        pos = line_end
    return end


def _event_span(text: str, sections: dict[str, _Section], event_id: str) -> tuple[int, int, int]:
    section = sections["events"]
    seq = section.value
    assert isinstance(seq, yaml.SequenceNode)
    items = seq.value
    for i, item in enumerate(items):
        ids = [v.value for k, v in getattr(item, "value", ()) if getattr(k, "value", None) == "id"]
        if ids and ids[0] == event_id:
            start = _line_start(text, item.start_mark.index)
            stop = _line_start(text, items[i + 1].start_mark.index) if i + 1 < len(items) else section.stop
            return start, _content_end(text, start, stop), _seq_indent(section)
    raise MergeError(f"meetup {event_id!r} not found in the events list")


def _seq_indent(section: _Section | None) -> int:
    """The column of the events list's dashes ("  - id:" -> 2)."""
    if section is None or not isinstance(section.value, yaml.SequenceNode) or not section.value.value:
        return 2
    column: int = section.value.value[0].start_mark.column
    return max(column - 2, 0)


def _map_indent(section: _Section | None) -> int:
    if section is None or not isinstance(section.value, yaml.MappingNode) or not section.value.value:
        return 2
    column: int = section.value.value[0][0].start_mark.column
    return column


def _append_block(
    text: str, sections: dict[str, _Section], key: str, block: str, *, blank_line: bool = False
) -> tuple[int, int, str]:
    """An edit that adds `block` (entries of section `key`) after its last entry."""
    section = sections.get(key)
    if section is None:  # no such section yet: a new one at the end of the file
        lead = "" if text.endswith("\n") or not text else "\n"
        return len(text), len(text), f"{lead}\n{key}:\n{block}"
    value = section.value
    empty_scalar = isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null")
    flow = isinstance(value, (yaml.SequenceNode, yaml.MappingNode)) and value.flow_style
    if flow and value.value:
        raise MergeError(f"`{key}:` is written in flow style ([...] or {{...}}); write it as a block first")
    if empty_scalar or flow:  # `events:`, `events: ~` or `events: []`: the key line becomes a block
        line_end = text.find("\n", section.key.end_mark.index)
        line_end = len(text) if line_end == -1 else line_end + 1
        return section.key.end_mark.index, line_end, ":\n" + block
    end = _content_end(text, _line_start(text, section.key.start_mark.index), section.stop)
    if end == 0 or text[end - 1] != "\n":
        block = "\n" + block
    return end, end, ("\n" if blank_line else "") + block


# ---- rendering -----------------------------------------------------------------------------------


def scalar(value: str, *, flow: bool = False) -> str:
    """`value` as a YAML scalar: plain when it reads back as the same string, else quoted.
    (A JSON string is a valid YAML double-quoted scalar.)"""
    if value and value == value.strip() and "\n" not in value and not (flow and any(c in value for c in ",[]{}")):
        doc = f"{{k: {value}}}" if flow else f"k: {value}"
        try:
            if yaml.safe_load(doc) == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _text_field(key: str, value: str, indent: int) -> str:
    return _folded(f"{' ' * indent}{key}:", value, indent + 2)


def _list_field(key: str, values: Sequence[str], indent: int) -> str:
    return f"{' ' * indent}{key}:\n" + "".join(_folded(f"{' ' * (indent + 2)}-", v, indent + 4) for v in values)


def _folded(prefix: str, value: str, content_indent: int) -> str:
    """Short text on the prefix's line; long text folded (`>-`) at WIDTH, which reads back
    exactly because whitespace is collapsed first."""
    flat = " ".join(value.split())
    if len(prefix) + 1 + len(flat) <= WIDTH or len(flat) < 60:
        return f"{prefix} {scalar(flat)}\n"
    lines = textwrap.wrap(flat, WIDTH - content_indent, break_long_words=False, break_on_hyphens=False)
    return f"{prefix} >-\n" + "".join(f"{' ' * content_indent}{line}\n" for line in lines)


def _local(value: datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz)
    naive = local.replace(tzinfo=None)
    # A wall-clock time that names two instants (the repeated hour) gets its offset written.
    if naive.replace(tzinfo=tz).utcoffset() != local.utcoffset():
        return local.isoformat(" ", "minutes")
    return naive.isoformat(" ", "minutes")


def render_event(event: Event, tz: ZoneInfo, indent: int = 2) -> str:
    """One meetup as a block list item of `events:`, in the file's hand-written style."""
    pad = " " * (indent + 2)
    out = [f"{' ' * indent}- id: {scalar(event.id)}\n", f"{pad}title: {scalar(event.title)}\n"]
    out.append(f"{pad}start: {_local(event.start, tz)}\n")
    start_l, end_l = event.start.astimezone(tz), event.end.astimezone(tz)
    end = f'"{end_l:%H:%M}"' if end_l.date() == start_l.date() else _local(event.end, tz)
    out.append(f"{pad}end: {end}\n")
    out.append(f"{pad}status: {event.status.value}\n")
    if event.venue is not None:
        out.append(f"{pad}venue: {scalar(event.venue.id)}\n")
    if event.host and (event.venue is None or event.host != event.venue.host):
        out.append(f"{pad}host: {scalar(event.host)}\n")
    for key in ("url", "language"):
        value = getattr(event, key)
        if value:
            out.append(f"{pad}{key}: {scalar(value)}\n")
    if event.filmed is not None:
        out.append(f"{pad}filmed: {'true' if event.filmed else 'false'}\n")
    if event.capacity is not None:
        out.append(f"{pad}capacity: {event.capacity}\n")
    if event.guest_list is not None:
        out.append(f"{pad}guest_list: {event.guest_list.value}\n")
    if event.needs and event.status is not EventStatus.CANCELLED:
        out.append(f"{pad}needs: [{', '.join(sorted(n.value for n in event.needs))}]\n")
    if event.description:
        out.append(_text_field("description", event.description, indent + 2))
    if event.notes:
        out.append(_list_field("notes", event.notes, indent + 2))
    if event.schedule:
        out.append(f"{pad}schedule:\n")
        for slot in event.schedule:
            span = f"{slot.start.astimezone(tz):%H:%M}-{slot.end.astimezone(tz):%H:%M}"
            title = scalar(slot.title, flow=True)
            out.append(f"{pad}  - {{time: {span}, title: {title}, kind: {scalar(slot.kind.value, flow=True)}}}\n")
    if event.talks:
        out.append(f"{pad}talks:\n")
        for talk in event.talks:
            out.append(_render_talk(talk, indent + 4))
    if event.reminders:
        out.append(f"{pad}reminders:\n")
        for rule in event.reminders:
            if rule.day_before is not None:
                out.append(f'{pad}  - day_before: "{rule.day_before:%H:%M}"\n')
            elif rule.before is not None:
                out.append(f"{pad}  - before: {int(rule.before.total_seconds() // 60)}m\n")
    return "".join(out)


def _render_talk(talk: Talk, indent: int) -> str:
    pad = " " * (indent + 2)
    out = [f"{' ' * indent}- title: {scalar(talk.title)}\n"]
    if talk.speakers:
        out.append(f"{pad}speakers: [{', '.join(scalar(s.id, flow=True) for s in talk.speakers)}]\n")
    if talk.abstract:
        out.append(_text_field("abstract", talk.abstract, indent + 2))
    for key in ("language", "slides", "video"):
        value = getattr(talk, key)
        if value:
            out.append(f"{pad}{key}: {scalar(value)}\n")
    if talk.tags:
        out.append(f"{pad}tags: [{', '.join(scalar(t, flow=True) for t in talk.tags)}]\n")
    return "".join(out)


def render_speaker(speaker: Speaker, indent: int = 2) -> str:
    pad = " " * (indent + 2)
    out = [f"{' ' * indent}{scalar(speaker.id)}:\n", f"{pad}name: {scalar(speaker.name)}\n"]
    if speaker.affiliation:
        out.append(_text_field("affiliation", speaker.affiliation, indent + 2))
    if speaker.bio:
        out.append(_text_field("bio", speaker.bio, indent + 2))
    if speaker.links:
        out.append(f"{pad}links:\n")
        out.extend(f"{pad}  {scalar(link.label)}: {scalar(link.url)}\n" for link in speaker.links)
    return "".join(out)


def render_venue(venue: Venue, indent: int = 2) -> str:
    pad = " " * (indent + 2)
    out = [f"{' ' * indent}{scalar(venue.id)}:\n", f"{pad}name: {scalar(venue.name)}\n"]
    for key, value in (("address", venue.address), ("host", venue.host), ("map", venue.map_url)):
        if value:
            out.append(f"{pad}{key}: {scalar(value)}\n")
    if venue.capacity is not None:
        out.append(f"{pad}capacity: {venue.capacity}\n")
    if venue.guest_list is not None:
        out.append(f"{pad}guest_list: {venue.guest_list.value}\n")
    if venue.notes:
        out.append(_list_field("notes", venue.notes, indent + 2))
    return "".join(out)
