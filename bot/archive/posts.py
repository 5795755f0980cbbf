"""Website posts (Jekyll: YAML front matter + markdown) -> a model `Event`: pure functions.

The community's posts are hand-written and vary. The parser reads their structure, not their
phrases: the schedule is found by its time ranges (post_schedule), talks are the schedule's talk
slots paired with details sections by title (post_talks), speakers come from their talk's section
first and from the evening's text second (post_speakers), the venue from the host's company name
(post_venue). What could not be found, or had to be guessed, is listed in
`PostImport.problems`, so a half-readable post is imported, not dropped; where each field came
from is in `PostImport.origins`.

Start time: the posts' front matter (`date: 2016-09-04 16-00-00 +0300`) holds the *UTC* wall
clock of the start labelled with the local offset: 16:00 UTC is 19:00 in Israel's summer time,
17:00 UTC is 19:00 in winter, which is what each post's own schedule says. So the schedule
gives the start; without a schedule the front-matter clock is read as UTC, and reported.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import PurePath
from zoneinfo import ZoneInfo

import yaml

from bot.archive import post_venue
from bot.archive.post_schedule import SlotLine, schedule_lines
from bot.archive.post_sections import free_paragraphs, outside_bios, prose_speakers, read_section, tidy
from bot.archive.post_speakers import (
    FULL,
    Bio,
    Names,
    collect_names,
    heading_speaker,
    label_names,
    prose_names,
    speaker,
    standalone_bios,
)
from bot.archive.post_talks import BOILERPLATE, TBA, TalkDraft, talk_drafts
from bot.archive.post_text import LABEL, Para, is_time_range, paragraphs
from bot.calendar.loader import check_exists, slot_span, slugify
from bot.calendar.model import Event, ScheduleSlot, Speaker, Talk

FM_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2})[:-](\d{2})(?:[:-](\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
FILENAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
STOPWORDS = {"a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "at", "by", "or"}
DEFAULT_LENGTH = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class PostImport:
    """What one post yielded: the event (None when not even a date was found), the problems
    (missing or guessed), and where each field came from ("start: the schedule's first slot")."""

    source: str
    event: Event | None
    problems: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()


# ---- entry points ------------------------------------------------------------------------


def event_id(start: date, title: str) -> str:
    """`<date>-<slug>`: the title part before " - ", its first three words, trailing stopwords
    dropped ("Locking mechanisms and ..." -> 2016-01-12-locking-mechanisms)."""
    words = slugify(title.split(" - ")[0]).split("-")[:3]
    while len(words) > 1 and words[-1] in STOPWORDS:
        words.pop()
    return f"{start.isoformat()}-{'-'.join(words)}"


def parse_post(text: str, source: str, tz: ZoneInfo, known_speakers: tuple[Speaker, ...] = ()) -> PostImport:
    """Parse one post into an Event in the community timezone `tz`.

    `known_speakers` (the target calendar's) resolve speakers named by first name only, and
    another spelling of a known name to the calendar's."""
    problems: list[str] = []
    origins: list[str] = []
    front, body = split_front_matter(text, problems)
    paras = _join_labels(paragraphs(body))
    title = _title(front, paras, source, problems, origins)
    slots = schedule_lines(paras)
    day, start = _start(front, source, slots, tz, problems)
    if day is None or start is None or not title:
        if not title:
            problems.append("no title: cannot name the meetup")
        return PostImport(source, None, tuple(problems), tuple(origins))
    origins.append("start: the schedule's first slot" if slots else "start: the front matter's clock, read as UTC")
    read = _talks(paras, slots, [s.name for s in known_speakers], title, problems, origins)
    talks, speakers = read.talks, read.bios
    slots = [replace(s, title=TBA) if any(s is o for o in read.open_slots) else s for s in slots]
    schedule = _schedule(day, slots, tz, start, problems)
    end = schedule[-1].end if schedule else start + DEFAULT_LENGTH
    origins.append("end: the schedule's last slot" if schedule else "end: 3 hours after the start (no schedule)")
    if not schedule:
        problems.append("no schedule lines (19:00-19:15 ...): end set 3 hours after the start")
    url = post_venue.meetup_url(body)
    origins.append("url: a meetup.com event link" if url else "url: none")
    if url is None:
        problems.append("no meetup.com event link")
    host, venue, venue_para, venue_how = post_venue.venue(paras)
    origins.append(f"venue: {venue_how} ({venue.id})" if venue else "venue: none named")
    language = post_venue.language(body)
    origins.append(f"language: {'a sentence naming it' if language else 'not said'}")
    speaker_objs = {name: speaker(name, speakers.get(name)) for name in _ordered_names(talks)}
    event = Event(
        id=event_id(day, title),
        title=title,
        start=start,
        end=end,
        venue=venue,
        host=host,
        url=url,
        language=language,
        filmed=post_venue.filmed(body),
        description=post_venue.description(paras, venue_para, read.used),
        notes=post_venue.notes(paras),
        schedule=schedule,
        talks=tuple(
            Talk(title=t, speakers=tuple(speaker_objs[n] for n in ns), abstract=abstract) for t, ns, abstract in talks
        ),
    )
    return PostImport(source, event, tuple(problems), tuple(origins))


def _title(
    front: dict[str, object], paras: list[Para], source: str, problems: list[str], origins: list[str]
) -> str | None:
    title = _text(front.get("title"))
    if title:
        origins.append("title: the front matter")
        return title
    h1 = next((m.group(1) for p in paras[:3] if (m := re.fullmatch(r"#\s+(.+?)\s*#*", p.lines[0]))), None)
    title = _text(h1) or _title_from_filename(source)
    how = "the post's first heading" if h1 else "the file name"
    problems.append("no title in the front matter" + (f"; using {how} ({title})" if title else ""))
    origins.append(f"title: {how}" if title else "title: none")
    return title


def _join_labels(paras: list[Para]) -> list[Para]:
    """ "Lecturer:" alone on its line (or paragraph), the name on the next: one label line. A
    name in the paragraph after brings the lines under it (its links) to the label's."""
    out: list[Para] = []
    pending = False
    for para in paras:
        if pending:
            out[-1].lines[-1] = f"{out[-1].lines[-1].rstrip(' *_:')}: {para.lines[0]}"
            out[-1].lines.extend(para.lines[1:])
            pending = False
            continue
        lines: list[str] = []
        for line in para.lines:
            if lines and _bare_label(lines[-1]):
                lines[-1] = f"{lines[-1].rstrip(' *_:')}: {line}"
                continue
            lines.append(line)
        pending = len(lines) == 1 and _bare_label(lines[0])
        out.append(Para(lines, para.raw_first))
    return out


def _bare_label(line: str) -> bool:
    match = LABEL.fullmatch(line)
    return match is not None and not match.group(1).strip(" *_:")


# ---- front matter and time ------------------------------------------------------------------


def split_front_matter(text: str, problems: list[str]) -> tuple[dict[str, object], str]:
    """The front matter as a dict (parsed by PyYAML) and the body. A broken front matter is
    reported and its `title:`/`date:` lines are still read line by line."""
    text = text.lstrip("\ufeff")
    match = re.match(r"---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", text, re.DOTALL | re.MULTILINE)
    if match is None:
        problems.append("no front matter (--- ... ---)")
        return {}, text
    raw, body = match.group(1), text[match.end() :]
    try:
        loaded = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        problems.append(f"front matter is not valid YAML ({str(exc).splitlines()[0]}); read line by line")
        loaded = {
            m.group(1): m.group(2).strip().strip("\"'") for m in re.finditer(r"^(\w+):\s*(.*)$", raw, re.MULTILINE)
        }
    if not isinstance(loaded, dict):
        problems.append("front matter is not a mapping")
        return {}, body
    return {str(k): v for k, v in loaded.items()}, body


def front_matter_instant(value: object) -> tuple[date, time | None, timezone | None] | None:
    """`date:` as written: a date, maybe a clock, maybe an offset. PyYAML gives a datetime for
    valid YAML timestamps and a string for the posts' `2016-09-04 16-00-00 +0300`."""
    if isinstance(value, datetime):
        offset = value.utcoffset()
        return value.date(), value.time().replace(tzinfo=None), timezone(offset) if offset is not None else None
    if isinstance(value, date):
        return value, None, None
    match = FM_DATE.fullmatch(str(value).strip()) if value is not None else None
    if match is None:
        return None
    y, mo, d, hh, mm, ss, off = match.groups()
    try:
        day = date(int(y), int(mo), int(d))
        clock = time(int(hh), int(mm), int(ss or 0)) if hh else None
    except ValueError:
        return None
    tzinfo = None
    if off:
        if off == "Z":
            tzinfo = UTC
        else:
            sign = -1 if off[0] == "-" else 1
            digits = off[1:].replace(":", "")
            tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return day, clock, tzinfo


def _start(
    front: dict[str, object], source: str, slots: list[SlotLine], tz: ZoneInfo, problems: list[str]
) -> tuple[date | None, datetime | None]:
    found = front_matter_instant(front.get("date"))
    if found is None:
        if front.get("date") is not None:
            problems.append(f"front matter date {front.get('date')!r} is not a date")
        file_day = _date_from_filename(source)
        if file_day is None:
            problems.append("no date (neither in the front matter nor in the file name)")
            return None, None
        problems.append(f"date taken from the file name ({file_day})")
        found = (file_day, None, None)
    day, clock, offset = found
    if clock is not None:
        # The community's convention: the clock is UTC, the offset a label (see module doc).
        as_utc = datetime.combine(day, clock, UTC).astimezone(tz)
        if slots:
            literal = datetime.combine(day, clock, offset or tz).astimezone(tz)
            first = slots[0].begin
            if first not in (as_utc.time(), literal.time()):
                problems.append(
                    f"front matter time {clock:%H:%M} disagrees with the schedule ({first:%H:%M}); using the schedule"
                )
        else:
            problems.append(f"no schedule: start taken from the front matter, {clock:%H:%M} read as UTC")
            return as_utc.date(), as_utc
    if slots:
        try:
            return day, check_exists(datetime.combine(day, slots[0].begin, tz))
        except ValueError as exc:
            problems.append(str(exc))
            return None, None
    problems.append("no start time (neither a schedule nor a time in the front matter)")
    return None, None


def _schedule(
    day: date, slots: list[SlotLine], tz: ZoneInfo, start: datetime, problems: list[str]
) -> tuple[ScheduleSlot, ...]:
    out: list[ScheduleSlot] = []
    for slot in slots:
        span = f"{slot.begin:%H:%M}-{slot.end:%H:%M} {slot.title}"
        try:
            begin, end = slot_span(start, slot.begin, slot.end, tz)  # the loader's own rules
        except ValueError as exc:
            problems.append(f"schedule line {span}: {exc}; left out")
            continue
        if end <= begin or begin < start or (out and begin < out[-1].end):
            problems.append(f"schedule line {span} ends before it starts, overlaps or is out of order; left out")
            continue
        out.append(ScheduleSlot(begin, end, slot.title, slot.kind))
    return tuple(out)


# ---- talks and speakers ----------------------------------------------------------------------

_Talks = list[tuple[str, list[str], str | None]]


@dataclass
class _Read:
    """The talks (title, speaker names, abstract), what the post says about each speaker, the
    talk slots left open (no title, no speaker) and the paragraphs taken as abstracts."""

    talks: _Talks = field(default_factory=list)
    bios: dict[str, Bio] = field(default_factory=dict)
    open_slots: list[SlotLine] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _talks(
    paras: list[Para], slots: list[SlotLine], known: list[str], title: str, problems: list[str], origins: list[str]
) -> _Read:
    names = collect_names(paras, known)
    drafts = talk_drafts(paras, slots, problems, title)
    for draft in drafts:
        if draft.slot_speaker:
            names.add(draft.slot_speaker)
    read = _Read()
    in_sections = {i for d in drafts for s in d.sections for i in s.paras}
    free = free_paragraphs(paras, in_sections)
    evening = _evening_names(paras, in_sections, names)
    prose = prose_speakers(paras, free, drafts, names)
    body = "\n".join(p.text for p in paras)
    for index, draft in enumerate(drafts):
        talk, slot_name = _slot_speaker(draft, names, body)
        found, abstract, abstract_how = _draft_text(draft, names, read, paras, prose.get(index))
        for fallback, how in ((slot_name, "the schedule line"), (draft.slot_speaker, "the post's title")):
            if not found and fallback:
                found = [(names.resolve(fallback), how)]
        if not found and len(evening) == 1:
            found = [(evening[0], "the evening's text")]
        speakers = list(dict.fromkeys(name for name, _ in found))
        if not talk:
            at = f"{draft.slots[0].begin:%H:%M}" if draft.slots else "?"
            if not speakers:
                problems.append(f"talk at {at}: no title and no speaker found; left as an open slot ({TBA!r})")
                read.open_slots.extend(draft.slots)
                continue
            problems.append(f"talk at {at}: no title found; written as {TBA!r}")
            talk = TBA
        _report_talk(talk, draft, found, evening, problems, origins)
        origins.append(f"talk {talk!r}: " + (f"abstract from {abstract_how}" if abstract else "no abstract"))
        read.talks.append((talk, speakers, abstract))
    standalone_bios(paras, names, read.bios, BOILERPLATE)
    outside_bios(paras, free, _ordered_names(read.talks), names, read.bios)
    for name in _ordered_names(read.talks):
        bio = read.bios.get(name)
        origins.append(f"speaker {name!r}: " + (f"bio from {bio.how}" if bio and bio.bio else "no bio"))
    return read


def _draft_text(
    draft: TalkDraft, names: Names, read: _Read, paras: list[Para], prose: tuple[list[str], list[int]] | None
) -> tuple[list[tuple[str, str]], str | None, str]:
    """A talk's speakers (with how each was found), its abstract and where that came from:
    its details sections first, else the prose outside them that names its speaker."""
    found: list[tuple[str, str]] = []
    abstracts: list[str] = []
    for section in draft.sections:
        if section.speaker and (section.speaker_by or names.known(section.speaker)):
            found.append((names.resolve(section.speaker), "the heading"))
        section_speakers, abstract = read_section(section.body, names, read.bios)
        found.extend(section_speakers)
        abstracts.extend([abstract] if abstract else [])
    how = "its details section"
    if prose is not None:
        who, where = prose
        if not found:
            found = [(n, "a sentence outside its description that names the talk") for n in who]
        if not abstracts and where:
            abstracts = [tidy([paras[i].text for i in where]) or ""]
            read.used.update(where)
            how = "a paragraph outside its description that names its speaker"
    return found, " ".join(a for a in abstracts if a) or None, how


def _report_talk(
    title: str,
    draft: TalkDraft,
    found: list[tuple[str, str]],
    evening: list[str],
    problems: list[str],
    origins: list[str],
) -> None:
    hows = ", ".join(dict.fromkeys(how for _, how in found))
    origins.append(
        f"talk {title!r}: title from {draft.origin}; " + (f"speakers from {hows}" if hows else "no speaker named")
    )
    if not found:
        named = f" (the post names {', '.join(evening)} for the evening)" if evening else ""
        problems.append(f"talk {title!r}: no speaker named{named}")
    if not draft.sections and draft.title:  # an untitled talk is reported as such already
        problems.append(f"talk {title!r}: no description (taken from {draft.origin})")


def _slot_speaker(draft: TalkDraft, names: Names, body: str) -> tuple[str, str | None]:
    """A schedule line that names its speaker ("Title - Dana Levi", "Dana Levi: Title"): taken
    when the post uses the name (or its first name) elsewhere too, or after "by"; otherwise
    "Intro - Memory Barriers" stays a title."""
    title, name = heading_speaker(draft.title)
    if name is None:
        match = re.fullmatch(rf"({FULL})\s*[-–—:/|]\s*(.+)", draft.title)
        name, title = (match.group(1), match.group(2)) if match else (None, draft.title)
    if name is None:
        return draft.title, None
    elsewhere = body.replace(name, "", 1)
    if re.search(rf"\b{re.escape(name.split()[0])}\b", elsewhere) or re.search(r"\bby\s", draft.title):
        return title, names.add(name)
    return draft.title, None


def _evening_names(paras: list[Para], in_sections: set[int], names: Names) -> list[str]:
    """Speakers the text outside every talk's section names ("Both talks are by Dana Levi")."""
    found: list[str] = []
    for index, para in enumerate(paras):
        if index in in_sections or BOILERPLATE.search(para.text) or is_time_range(para.lines[0]):
            continue
        for line in para.lines:
            label = LABEL.fullmatch(line)
            found.extend(label_names(label.group(1)) if label else [])
        found.extend(name for name, _ in prose_names(para.text))
    resolved = [names.resolve(n) for n in found]
    return list(dict.fromkeys(n for n in resolved if len(n.split()) >= 2))


def _ordered_names(talks: _Talks) -> list[str]:
    return list(dict.fromkeys(n for _, names, _ in talks for n in names))


# ---- small helpers ------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = re.sub(r"\s+", " ", html.unescape(str(value))).strip()
    return text or None


def _date_from_filename(source: str) -> date | None:
    match = FILENAME_DATE.match(PurePath(source).name)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _title_from_filename(source: str) -> str | None:
    match = FILENAME_DATE.match(PurePath(source).stem)
    if match is None:
        return None
    return match.group(4).replace("-", " ").strip().capitalize() or None
