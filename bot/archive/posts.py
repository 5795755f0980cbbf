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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import PurePath
from zoneinfo import ZoneInfo

import yaml

from bot.archive import post_venue
from bot.archive.post_schedule import SlotLine, schedule_lines
from bot.archive.post_speakers import (
    FULL,
    LABEL,
    Bio,
    Names,
    bio_name,
    bio_paragraph,
    collect_names,
    heading_speaker,
    is_name_line,
    label_bio,
    label_names,
    links_of,
    prose_names,
    speaker,
    standalone_bios,
)
from bot.archive.post_talks import BOILERPLATE, TalkDraft, talk_drafts
from bot.archive.post_text import LINK, Para, is_time_range, links, paragraphs, squash, unlink
from bot.calendar.loader import check_exists, slot_span, slugify
from bot.calendar.model import Event, ScheduleSlot, Speaker, Talk

FM_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2})[:-](\d{2})(?:[:-](\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
FILENAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
STOPWORDS = {"a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "at", "by", "or"}
DEFAULT_LENGTH = timedelta(hours=3)
STRONG = {"a Lecturer line", "a name line"}
ABSTRACT = re.compile(r"[*_]*(?i:abstract|description|summary|about the talk)[*_]*\s*:[*_]*\s*")


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
    schedule = _schedule(day, slots, tz, start, problems)
    end = schedule[-1].end if schedule else start + DEFAULT_LENGTH
    origins.append("end: the schedule's last slot" if schedule else "end: 3 hours after the start (no schedule)")
    if not schedule:
        problems.append("no schedule lines (19:00-19:15 ...): end set 3 hours after the start")
    talks, speakers = _talks(paras, slots, [s.name for s in known_speakers], problems, origins)
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
        description=post_venue.description(paras, venue_para),
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
    """ "Lecturer:" alone on its line (or paragraph), the name on the next: one label line."""
    out: list[Para] = []
    pending = False
    for para in paras:
        lines: list[str] = []
        for line in para.lines:
            if pending or (lines and _bare_label(lines[-1])):
                target = lines if lines else out[-1].lines
                target[-1] = f"{target[-1].rstrip(' *_:')}: {line}"
                pending = False
                continue
            lines.append(line)
        if lines and _bare_label(lines[-1]) and len(lines) == 1:
            pending = True
        if lines:
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


def _talks(
    paras: list[Para], slots: list[SlotLine], known: list[str], problems: list[str], origins: list[str]
) -> tuple[_Talks, dict[str, Bio]]:
    """(title, speaker names, abstract) per talk, and what the post says about each speaker."""
    names = collect_names(paras, known)
    drafts = talk_drafts(paras, slots, problems)
    bios: dict[str, Bio] = {}
    in_sections = {i for d in drafts for s in d.sections for i in s.paras}
    evening = _evening_names(paras, in_sections, names)
    talks: _Talks = []
    body = "\n".join(p.text for p in paras)
    slot_names = [_slot_speaker(draft, names, body) for draft in drafts]
    for draft, (title, slot_name) in zip(drafts, slot_names, strict=True):
        found: list[tuple[str, str]] = []
        abstracts: list[str] = []
        for section in draft.sections:
            if section.speaker and (section.speaker_by or names.known(section.speaker)):
                found.append((names.resolve(section.speaker), "the heading"))
            section_speakers, abstract = _read_section(section.body, names, bios)
            found.extend(section_speakers)
            abstracts.extend([abstract] if abstract else [])
        if not found and slot_name:
            found = [(slot_name, "the schedule line")]
        if not found and len(evening) == 1:
            found = [(evening[0], "the evening's text")]
        speakers = list(dict.fromkeys(name for name, _ in found))
        hows = ", ".join(dict.fromkeys(how for _, how in found))
        origins.append(
            f"talk {title!r}: title from {draft.origin}; " + (f"speakers from {hows}" if hows else "no speaker named")
        )
        if not speakers:
            named = f" (the post names {', '.join(evening)} for the evening)" if evening else ""
            problems.append(f"talk {title!r}: no speaker named{named}")
        if not draft.sections:
            problems.append(f"talk {title!r}: no description (taken from the schedule)")
        talks.append((title, speakers, " ".join(abstracts) or None))
    standalone_bios(paras, names, bios, BOILERPLATE)
    return talks, bios


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


def _read_section(body: list[Para], names: Names, bios: dict[str, Bio]) -> tuple[list[tuple[str, str]], str | None]:
    """(speaker, how it was found) and the abstract of one talk's details section."""
    speakers: list[tuple[str, str]] = []
    abstract: list[str] = []
    in_bio: Bio | None = None
    queue = [part for para in body for part in _split_at_labels(para)]
    while queue:
        para = queue.pop(0)
        label = LABEL.fullmatch(para.lines[0])
        found = [names.resolve(n) for n in label_names(label.group(1))] if label else []
        if label and found:
            speakers.extend((n, "a Lecturer line") for n in found)
            in_bio = _label_paragraph(para, label.group(1), found, bios, queue)
            continue
        if is_name_line(para.lines[0]):
            if speakers:  # a list of the evening's speakers after the talk: not this talk's
                break
            speakers.append((names.resolve(para.lines[0]), "a name line"))
            if len(para.lines) == 1:  # the name, then their bio
                in_bio = bios.setdefault(speakers[-1][0], Bio())
                continue
            para = Para(para.lines[1:])
        in_bio = None if ABSTRACT.match(para.lines[0]) else in_bio
        subject = bio_name(para)
        bio_of = names.resolve(subject) if subject else None
        if bio_of and (len(bio_of.split()) >= 2 or bio_of in [s for s, _ in speakers]):
            if len(bio_of.split()) >= 2 and bio_of not in [s for s, _ in speakers]:
                speakers.append((bio_of, "a bio paragraph"))
            in_bio = bios.setdefault(bio_of, Bio())
        if in_bio is not None:
            bio_paragraph(para, in_bio)
        elif not all(LINK.search(line) and len(LINK.sub("", line).split()) <= 3 for line in para.lines):
            abstract.append(_abstract_paragraph(para, names, bios, speakers))
    joined = squash(" ".join(unlink(a) for a in abstract))
    joined = re.sub(r";$", ".", re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", joined)))
    unique: dict[str, str] = {}
    for name, how in speakers:
        unique.setdefault(name, how)
    # A name in a sentence is a weaker sign than a Lecturer line or a name line: beside
    # those, "Linus Torvalds will probably disagree" is not a speaker.
    strong = {n: h for n, h in unique.items() if h in STRONG}
    return list((strong or unique).items()), joined or None


def _split_at_labels(para: Para) -> list[Para]:
    """A "Lecturer: Name" line inside a paragraph starts a paragraph of its own."""
    out: list[Para] = [Para([para.lines[0]], para.raw_first)]
    for line in para.lines[1:]:
        label = LABEL.fullmatch(line)
        if label and label_names(label.group(1)):
            out.append(Para([line]))
        else:
            out[-1].lines.append(line)
    return out


def _label_paragraph(para: Para, rest: str, found: list[str], bios: dict[str, Bio], queue: list[Para]) -> Bio | None:
    """ "Lecturer: Name - bio" and its link lines; an "Abstract:" line after it is read on as the
    talk's text. Returns the bio that the following paragraphs continue, if any."""
    lines = para.lines[1:]
    about = tuple(f"{w} " for w in (*(n.split()[0] for n in found), "He", "She", "They", "Their", "His", "Her"))
    # Links and sentences about the speaker stay with the speaker; other text is the talk's.
    at = next(
        (i for i, line in enumerate(lines) if ABSTRACT.match(line) or not (links(line) or line.startswith(about))),
        len(lines),
    )
    if at < len(lines):
        queue.insert(0, Para(lines[at:]))
    bio = bios.setdefault(found[0], Bio()) if len(found) == 1 else None
    if bio is not None:
        label_bio(rest, found[0], bio)
        bio.links.extend(link for line in lines[:at] for link in links(line))
    return bio if at == len(lines) else None


def _abstract_paragraph(para: Para, names: Names, bios: dict[str, Bio], speakers: list[tuple[str, str]]) -> str:
    """A paragraph of the talk's text, and the speakers its sentences name."""
    text = ABSTRACT.sub("", " ".join(_bullet(line) for line in para.lines), count=1)
    for name, how in prose_names(text):
        who = names.resolve(name)
        speakers.append((who, how))
        match = re.search(rf"{re.escape(name)}\s*\(([^()]*)\)", unlink(text))
        bios.setdefault(who, Bio()).links.extend(links_of(match.group(1) if match else None, para.text))
    return text


def _bullet(line: str) -> str:
    stripped = re.sub(r"^[*+-]\s+", "", line)
    return f"{stripped};" if stripped != line and not stripped.endswith((".", ";")) else stripped


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
