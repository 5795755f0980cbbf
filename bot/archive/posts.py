"""Website posts (Jekyll: YAML front matter + markdown) -> a model `Event`: pure functions.

The community's posts are hand-written and vary: headings in bold or as plain lines, schedule
lines with hard line breaks, speakers named in prose ("Mike Rapoport will describe...") or in
`**Lecturer**: Name - bio` lines. The parser takes what it can and lists what it could not
find or had to guess in `PostImport.problems`, so a half-readable post is imported, not dropped.

Start time: the posts' front matter (`date: 2016-09-04 16-00-00 +0300`) holds the *UTC* wall
clock of the start labelled with the local offset: 16:00 UTC is 19:00 in Israel's summer time,
17:00 UTC is 19:00 in winter, which is what each post's own schedule says. So the schedule
gives the start; without a schedule the front-matter clock is read as UTC, and reported.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import PurePath
from zoneinfo import ZoneInfo

import yaml

from bot.calendar.loader import check_exists, guess_slot_kind, slot_span, slugify
from bot.calendar.model import Event, Link, ScheduleSlot, SlotKind, Speaker, Talk, Venue

# ---- patterns ----------------------------------------------------------------------------

FM_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2})[:-](\d{2})(?:[:-](\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
FILENAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
SLOT_LINE = re.compile(r"(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s+(.+)")
LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
MEETUP_URL = re.compile(r"https?://(?:www\.)?meetup\.com/[^\s)]+/events/\d+/?")
BOLD_LINE = re.compile(r"\*\*(.+?)\*\*")
LECTURER = re.compile(r"\*\*(?:lecturer|speaker|presenter)s?\*\*\s*:\s*(.+)", re.IGNORECASE)
NAME = r"[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,3}"
NAME_WILL = re.compile(rf"\b({NAME})\s*(?:\(([^()]*)\))?\s+will\b")
NAME_ONLY = re.compile(rf"{NAME}")
HOSTED = re.compile(r"hosted by\s+(?:\[([^\]]+)\]\(([^)\s]+)\)|([A-Z][\w&.-]*(?:\s[A-Z][\w&.-]*)*))", re.IGNORECASE)
PLACE = re.compile(r"\bat their offices?\s+in\s+([A-Z][\w-]*(?:\s[A-Z][\w-]*)*)")
LANGUAGE = re.compile(r"\bin (Hebrew|English|Russian|Arabic)\b")
FILMED = re.compile(r"\bwill be (?:filmed|recorded)\b", re.IGNORECASE)
NOT_FILMED = re.compile(r"\b(?:will not|won't) be (?:filmed|recorded)\b", re.IGNORECASE)
# The community's own voice: greetings, calls for speakers, social links. Never an abstract.
BOILERPLATE = re.compile(
    r"\bour [\w-]*\s*community\b|looking for (?:new )?(?:speakers|venues|lectures)|follow us|^p\.s\b|^cheers\b"
    r"|without further ado",
    re.IGNORECASE,
)
PRONOUNS = {"We", "I", "You", "They", "It", "This", "That", "He", "She", "There", "Who", "Which", "Our", "In"}
STOPWORDS = {"a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "at", "by", "or"}
TALK_SUFFIX = re.compile(r"\s*\((?:[^()]*\b(?:lecture|talk|q&a)\b[^()]*)\)\s*$", re.IGNORECASE)
DEFAULT_LENGTH = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class PostImport:
    """What one post yielded: the event (None when not even a date was found) and the problems."""

    source: str
    event: Event | None
    problems: tuple[str, ...] = ()


@dataclass
class _Para:
    """A paragraph as logical lines: soft-wrapped lines joined, split at markdown hard breaks."""

    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass
class _Section:
    heading: str
    body: list[_Para] = field(default_factory=list)


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

    `known_speakers` (the target calendar's) resolve speakers named by first name only."""
    problems: list[str] = []
    front, body = split_front_matter(text, problems)
    title = _text(front.get("title")) or _title_from_filename(source)
    if not front.get("title"):
        problems.append("no title in the front matter" + (f"; using the file name ({title})" if title else ""))
    paras = paragraphs(body)
    slots = schedule_lines(paras)
    day, start = _start(front, source, slots, tz, problems)
    if day is None or start is None or not title:
        if not title:
            problems.append("no title: cannot name the meetup")
        return PostImport(source, None, tuple(problems))
    schedule = _schedule(day, slots, tz, start, problems)
    end = schedule[-1].end if schedule else start + DEFAULT_LENGTH
    if not schedule:
        problems.append("no schedule lines (19:00-19:15 ...): end set 3 hours after the start")
    names = _full_names(paras, known_speakers)
    talks, speakers = _talks(paras, schedule, names, problems)
    url = _meetup_url(body)
    if url is None:
        problems.append("no meetup.com event link")
    host, venue, venue_para = _venue(paras)
    language = _match(LANGUAGE, body)
    filmed = False if NOT_FILMED.search(body) else (True if FILMED.search(body) else None)
    speaker_objs = tuple(_speaker(name, speakers.get(name)) for name in _ordered_names(talks))
    by_name = {s.name: s for s in speaker_objs}
    event = Event(
        id=event_id(day, title),
        title=title,
        start=start,
        end=end,
        venue=venue,
        host=host,
        url=url,
        language=language,
        filmed=filmed,
        description=_description(paras, venue_para),
        notes=_notes(paras),
        schedule=schedule,
        talks=tuple(
            Talk(title=t, speakers=tuple(by_name[n] for n in ns), abstract=abstract) for t, ns, abstract in talks
        ),
    )
    return PostImport(source, event, tuple(problems))


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
    front: dict[str, object], source: str, slots: list[tuple[time, time, str]], tz: ZoneInfo, problems: list[str]
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
            first = slots[0][0]
            if first not in (as_utc.time(), literal.time()):
                problems.append(
                    f"front matter time {clock:%H:%M} disagrees with the schedule ({first:%H:%M}); using the schedule"
                )
        else:
            problems.append(f"no schedule: start taken from the front matter, {clock:%H:%M} read as UTC")
            return as_utc.date(), as_utc
    if slots:
        try:
            return day, check_exists(datetime.combine(day, slots[0][0], tz))
        except ValueError as exc:
            problems.append(str(exc))
            return None, None
    problems.append("no start time (neither a schedule nor a time in the front matter)")
    return None, None


def _schedule(
    day: date, slots: list[tuple[time, time, str]], tz: ZoneInfo, start: datetime, problems: list[str]
) -> tuple[ScheduleSlot, ...]:
    out: list[ScheduleSlot] = []
    for begin_t, end_t, title in slots:
        span = f"{begin_t:%H:%M}-{end_t:%H:%M} {title}"
        try:
            begin, end = slot_span(start, begin_t, end_t, tz)  # the loader's own rules
        except ValueError as exc:
            problems.append(f"schedule line {span}: {exc}; left out")
            continue
        if end <= begin or begin < start or (out and begin < out[-1].end):
            problems.append(f"schedule line {span} ends before it starts, overlaps or is out of order; left out")
            continue
        out.append(ScheduleSlot(begin, end, title, guess_slot_kind(title)))
    return tuple(out)


# ---- the body -------------------------------------------------------------------------------


def paragraphs(body: str) -> list[_Para]:
    """Blank-line separated paragraphs; a line ending in two spaces is a hard break (markdown),
    other line ends are soft wraps. Entities (&amp;) and escapes (\\-) are undone."""
    out: list[_Para] = []
    lines: list[str] = []
    current = ""
    for raw in (body + "\n\n").splitlines():
        if not raw.strip():
            if current.strip():
                lines.append(current.strip())
            if lines:
                out.append(_Para([_clean(line) for line in lines]))
            lines, current = [], ""
            continue
        current = f"{current} {raw.strip()}" if current else raw.strip()
        if raw.endswith("  ") or raw.endswith("\\"):
            lines.append(current.rstrip("\\").strip())
            current = ""
    return out


def _clean(line: str) -> str:
    return html.unescape(re.sub(r"\\([-*_#.!\[\]()])", r"\1", line)).strip()


def schedule_lines(paras: list[_Para]) -> list[tuple[time, time, str]]:
    out: list[tuple[time, time, str]] = []
    for para in paras:
        for line in para.lines:
            match = SLOT_LINE.fullmatch(line)
            if match is None:
                continue
            try:
                begin, end = (_clock(match.group(i)) for i in (1, 2))
            except ValueError:
                continue
            out.append((begin, end, _slot_title(match.group(3))))
    return out


def _clock(raw: str) -> time:
    hours, minutes = raw.split(":")
    return time(int(hours), int(minutes))


def _slot_title(raw: str) -> str:
    """Entities undone, a stray period before "(" or at the end dropped. Programme items
    ("mingling", "break") are capitalised; a talk's title stays as its speaker wrote it."""
    title = re.sub(r"\.\s*(?=\(|$)", " ", _unlink(raw)).strip()
    title = re.sub(r"\s+", " ", title)
    if guess_slot_kind(title) is SlotKind.TALK:
        return title
    return title[:1].upper() + title[1:]


def _unlink(text: str) -> str:
    """Markdown links to their text; autolinks (<http://...>) to the URL."""
    text = LINK.sub(lambda m: m.group(1), text)
    return re.sub(r"<(https?://[^>]+)>", r"\1", text).replace("**", "")


def _links(text: str) -> list[tuple[str, str]]:
    """(text, url) of each markdown link; an autolink text (<url>) wins over a redirect target."""
    out = []
    for label, url in LINK.findall(text):
        auto = re.fullmatch(r"<(https?://[^>]+)>", label.strip())
        # A soft wrap inside a long URL leaves a space in it; URLs have none.
        out.append((label, auto.group(1) if auto else re.sub(r"\s+", "", url)))
    return out


def _meetup_url(body: str) -> str | None:
    match = MEETUP_URL.search(body)
    return match.group(0) if match else None


def _is_slot(line: str) -> bool:
    return SLOT_LINE.fullmatch(line) is not None


def _is_schedule_intro(line: str) -> bool:
    return bool(re.fullmatch(r"schedule:?", line, re.IGNORECASE)) or ("schedule" in line.lower() and line.endswith(":"))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def _stem_overlap(a: str, b: str) -> bool:
    stems_b = {w[:5] for w in _words(b) if len(w) >= 4}
    return any(len(w) >= 4 and w[:5] in stems_b for w in _words(a))


def _name_like(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 4 and NAME_ONLY.fullmatch(text) is not None


def _heading(para: _Para, talk_titles: list[str]) -> str | None:
    """The paragraph's first line as a talk heading: a bold line, or a short plain line that
    names a scheduled talk or is not a person's name."""
    first = para.lines[0]
    bold = BOLD_LINE.fullmatch(first)
    if bold:
        text = bold.group(1).strip().rstrip(".").strip()
        return None if text.lower().rstrip(":") in ("lecturer", "speaker", "notes") else text
    if _is_slot(first) or _is_schedule_intro(first) or LINK.search(first) or "http" in first or "**" in first:
        return None
    if re.match(r"[*+-]\s", first):  # a list item
        return None
    if len(first.split()) > 8 or first[-1] in ".:!?,-;" or BOILERPLATE.search(first):
        return None
    names_talk = any(_words(first) & _words(t) or _stem_overlap(first, t) for t in talk_titles)
    if names_talk:
        return first
    if len(first.split()) < 2 or _name_like(first):
        return None
    # A lone short line followed by prose: a heading of a talk the schedule does not name.
    return first if len(para.lines) == 1 or not _is_slot(para.lines[1]) else None


def _sections(paras: list[_Para], talk_titles: list[str]) -> list[_Section]:
    sections: list[_Section] = []
    current: _Section | None = None
    for para in paras:
        heading = _heading(para, talk_titles)
        if heading is not None:
            current = _Section(heading)
            sections.append(current)
            rest = para.lines[1:]
            if rest:
                current.body.append(_Para(rest))
            continue
        if current is None:
            continue
        if _ends_section(para):
            current = None
            continue
        current.body.append(para)
    # A "section" with no prose under it is a stray short line, not a talk.
    return [s for s in sections if any(not _is_slot(p.lines[0]) for p in s.body)]


def _ends_section(para: _Para) -> bool:
    first = para.lines[0]
    return bool(
        BOILERPLATE.search(para.text)
        or _is_slot(first)
        or _is_schedule_intro(first)
        or first.lower().rstrip(":") == "notes"
        or (_name_like(first) and len(para.lines) == 1)
    )


# ---- speakers -----------------------------------------------------------------------------


def _full_names(paras: list[_Para], known: tuple[Speaker, ...]) -> list[str]:
    """Every full name (two words or more) the post uses, then the known speakers' names."""
    found: list[str] = []
    for para in paras:
        for line in para.lines:
            lecturer = LECTURER.fullmatch(line)
            if lecturer:
                found.append(_lecturer_name(lecturer.group(1)))
        text = _unlink(para.text)
        if len(para.lines) == 1 and _name_like(para.lines[0]):
            found.append(para.lines[0])
        for match in NAME_WILL.finditer(text):
            if len(match.group(1).split()) >= 2 and match.group(1).split()[0] not in PRONOUNS:
                found.append(match.group(1))
    found.extend(s.name for s in known)
    return list(dict.fromkeys(re.sub(r"\s+", " ", n) for n in found))


def _lecturer_name(rest: str) -> str:
    return re.split(r"\s+-\s+|,", _unlink(rest), maxsplit=1)[0].strip()


def _resolve(name: str, full_names: list[str]) -> str:
    if len(name.split()) >= 2:
        return name
    matches = [n for n in full_names if n.split()[0] == name]
    return matches[0] if len(matches) == 1 else name


@dataclass
class _Bio:
    bio: list[str] = field(default_factory=list)
    affiliation: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)


def _talks(
    paras: list[_Para], schedule: tuple[ScheduleSlot, ...], names: list[str], problems: list[str]
) -> tuple[list[tuple[str, list[str], str | None]], dict[str, _Bio]]:
    """(title, speaker names, abstract) per talk, and what the post says about each speaker."""
    talk_slots = [s for s in schedule if s.kind is SlotKind.TALK]
    slot_titles = [TALK_SUFFIX.sub("", s.title) for s in talk_slots]
    sections = _sections(paras, slot_titles)
    bios: dict[str, _Bio] = {}
    talks: list[tuple[str, list[str], str | None]] = []
    if talk_slots and len(sections) != len(talk_slots):
        problems.append(
            f"{len(talk_slots)} talks in the schedule but {len(sections)} talk descriptions; paired in order"
        )
    for index in range(max(len(sections), len(slot_titles))):
        section = sections[index] if index < len(sections) else None
        slot_title = slot_titles[index] if index < len(slot_titles) else None
        title = _talk_title(section.heading if section else None, slot_title)
        speakers, abstract = _read_section(section, names, bios) if section else ([], None)
        if not speakers:
            problems.append(f"talk {title!r}: no speaker named")
        if section is None:
            problems.append(f"talk {title!r}: no description (taken from the schedule)")
        talks.append((title, speakers, abstract))
    _standalone_bios(paras, names, bios)
    return talks, bios


def _talk_title(heading: str | None, slot: str | None) -> str:
    """The heading when it names the scheduled talk (it usually says more: "Preemption models"
    for "Preemption"); otherwise the schedule's title, which is what the programme showed."""
    if heading is None:
        return slot or ""
    if slot is None or _words(slot) <= _words(heading):
        return heading
    return slot


def _read_section(section: _Section, names: list[str], bios: dict[str, _Bio]) -> tuple[list[str], str | None]:
    speakers: list[str] = []
    abstract: list[str] = []
    in_bio: _Bio | None = None
    for para in section.body:
        lines = para.lines
        lecturer = LECTURER.fullmatch(lines[0])
        if lecturer:
            name = _lecturer_name(lecturer.group(1))
            speakers.append(name)
            in_bio = bios.setdefault(name, _Bio())
            _lecturer_bio(lecturer.group(1), name, in_bio)
            in_bio.links.extend(link for line in lines[1:] for link in _links(line))
            continue
        first_word = lines[0].split()[0] if lines[0].split() else ""
        bio_of = next((n for n in [*speakers, *names] if lines[0].startswith((f"{n} is ", f"{first_word} is "))
                       and n.split()[0] == first_word), None)  # fmt: skip
        if bio_of is not None or in_bio is not None:
            in_bio = bios.setdefault(_resolve(bio_of, names), _Bio()) if bio_of else in_bio
            assert in_bio is not None
            _bio_paragraph(para, in_bio)
            continue
        if all(LINK.search(line) for line in lines):
            continue
        text = " ".join(_bullet(line) for line in lines)
        abstract.append(text)
        for match in NAME_WILL.finditer(_unlink(text)):
            name = match.group(1)
            if name.split()[0] not in PRONOUNS:
                speakers.append(_resolve(re.sub(r"\s+", " ", name), names))
                links = _links(match.group(2) or "")
                if not links and match.group(2):  # "Name (company.com) will": find the link in the raw text
                    links = [lk for lk in _links(para.text) if lk[0] and lk[0] in match.group(2)]
                bios.setdefault(speakers[-1], _Bio()).links.extend(links)
    joined = " ".join(_unlink(a) for a in abstract)
    joined = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", re.sub(r"\s+", " ", joined))).strip()
    joined = re.sub(r";$", ".", joined)
    return list(dict.fromkeys(speakers)), joined or None


def _bullet(line: str) -> str:
    stripped = re.sub(r"^[*+-]\s+", "", line)
    return f"{stripped};" if stripped != line and not stripped.endswith((".", ";")) else stripped


def _lecturer_bio(rest: str, name: str, bio: _Bio) -> None:
    parts = re.split(r"\s+-\s+|,", _unlink(rest), maxsplit=1)
    if len(parts) < 2:
        return
    text = parts[1].strip()
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".")
    if len(first.split()) <= 12:
        bio.affiliation = first
    if first.rstrip(".") != text.rstrip("."):
        bio.bio.append(text)


def _bio_paragraph(para: _Para, bio: _Bio) -> None:
    for line in para.lines:
        links = _links(line)
        if links:
            label = re.split(r"\s*-\s*\[", line)[0].strip(" -")
            bio.links.extend((label or text, url) for text, url in links)
        else:
            if bio.bio and not bio.bio[-1].endswith((".", "!", "?", ":")):
                bio.bio[-1] += "."  # paragraphs read as sentences once joined
            bio.bio.append(_unlink(line))


def _standalone_bios(paras: list[_Para], names: list[str], bios: dict[str, _Bio]) -> None:
    """A paragraph that is just a speaker's name, followed by their bio and links."""
    current: _Bio | None = None
    for para in paras:
        if len(para.lines) == 1 and _name_like(para.lines[0]) and para.lines[0] in names:
            current = bios.setdefault(para.lines[0], _Bio())
            if current.bio:  # already read beside the talk: do not read it twice
                current = None
            continue
        if current is None:
            continue
        if BOILERPLATE.search(para.text) or _is_slot(para.lines[0]):
            current = None
            continue
        _bio_paragraph(para, current)


def _speaker(name: str, bio: _Bio | None) -> Speaker:
    links: dict[str, str] = {}
    for label, url in bio.links if bio else []:
        clean = label.strip("<> ") or url
        if clean.startswith("http"):
            clean = re.sub(r"^https?://(?:www\.)?", "", clean).split("/")[0]
        links.setdefault(clean, url)
    text = " ".join(bio.bio) if bio and bio.bio else None
    return Speaker(
        id=slugify(name),
        name=name,
        affiliation=bio.affiliation if bio else None,
        bio=re.sub(r"\s+", " ", text).strip() if text else None,
        links=tuple(Link(label, url) for label, url in links.items() if url.startswith(("http://", "https://"))),
    )


def _ordered_names(talks: list[tuple[str, list[str], str | None]]) -> list[str]:
    return list(dict.fromkeys(n for _, names, _ in talks for n in names))


# ---- venue, notes, description ------------------------------------------------------------------


def _venue(paras: list[_Para]) -> tuple[str | None, Venue | None, _Para | None]:
    for para in paras:
        raw = para.text
        match = HOSTED.search(raw)
        if match is None:
            continue
        host = (match.group(1) or match.group(3) or "").strip()
        place = PLACE.search(_unlink(raw))
        city = place.group(1) if place else None
        notes = tuple(_unlink(line) for line in para.lines if not HOSTED.search(line) and not PLACE.search(line))
        venue = Venue(
            id=slugify(f"{host} {city or ''}"),
            name=host,
            address=f"{host} offices, {city}" if city else None,
            host=host,
            notes=notes,
        )
        return host, venue, para
    return None, None, None


def _notes(paras: list[_Para]) -> tuple[str, ...]:
    """The items under a "Notes:" line, except the one that only says the language."""
    out: list[str] = []
    collecting = False
    for para in paras:
        for line in para.lines:
            if line.lower().rstrip(":") == "notes":
                collecting = True
                continue
            if collecting:
                item = re.match(r"^[-*]\s*(.+)", line)
                if item is None:
                    collecting = False
                    continue
                text = re.sub(r"\s+", " ", _unlink(item.group(1))).replace(" )", ")")
                if not (LANGUAGE.search(text) and len(text.split()) <= 8):
                    out.append(text)
    return tuple(out)


def _description(paras: list[_Para], venue_para: _Para | None) -> str | None:
    """Prose before the schedule and the first talk, that is not a link, the host or a greeting."""
    out: list[str] = []
    for para in paras:
        first = para.lines[0]
        if _is_slot(first) or _is_schedule_intro(first) or (_heading(para, []) is not None and len(para.lines) == 1):
            break
        if para is venue_para or BOILERPLATE.search(para.text) or MEETUP_URL.search(para.text):
            continue
        if BOLD_LINE.fullmatch(first):
            break
        out.append(_unlink(para.text))
    return re.sub(r"\s+", " ", " ".join(out)).strip() or None


# ---- small helpers ------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = re.sub(r"\s+", " ", html.unescape(str(value))).strip()
    return text or None


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


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
