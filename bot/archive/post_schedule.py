"""A post's schedule: time-range lines in any shape, their titles, and which slots are talks.

`19:00-19:15 Gathering`, `19:00-19:15: Arrival`, `19:00-19:15Gathering`, `19:00 - 19:15 — Talk`,
`19:00–19:15`, `7pm-7:30pm`, `7-7:30pm`, list items and table rows all read the same. A slot
is a talk unless its short title says it is a break, food, arrival or questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.archive.post_text import TIME_RANGE, Para, is_time_range, squash, unlink
from bot.calendar.model import SlotKind

# Suffixes that say how a talk is given, not what it is: dropped from talk titles.
TALK_SUFFIX = re.compile(
    r"\s*[(\[](?:[^()\[\]]*\b(?:lecture|talk|q&a|hebrew|english|workshop|demo)\b[^()\[\]]*)[)\]]\s*$", re.IGNORECASE
)
PART = re.compile(
    r"\s*(?:[-–—:,]\s*|\(\s*)?\bpart\s+(i{1,3}|iv|v|[1-5]|one|two|three)\b\s*\)?\s*$|\s*\(([1-5])/[1-5]\)\s*$",
    re.IGNORECASE,
)
# "Talk 1:", "Lecture #2 -", "Second talk:" before a talk's title.
HEADING_PREFIX = re.compile(
    r"(?:(?:first|second|third|1st|2nd|3rd)\s+(?:talk|lecture|session)|(?:talk|lecture|session)\s*#?\s*"
    r"(?:\d|one|two|three|i{1,3})?)\s*[:\-–—.]\s*",
    re.IGNORECASE,
)
_KINDS: tuple[tuple[SlotKind, re.Pattern[str]], ...] = (
    (SlotKind.BREAK, re.compile(r"\b(?:break|intermission|recess)\b")),
    (SlotKind.QA, re.compile(r"^(?:q\s*&\s*a|q&a|qa|questions?(?: and answers)?|open questions)$")),
    (SlotKind.OTHER, re.compile(r"\b(?:opening|closing|wrap[- ]?up|announcements|raffle|farewell|end)\b")),
    (
        SlotKind.MINGLING,
        re.compile(
            r"\b(?:arrival|arrive|gathering|gather|mingling|mingle|networking|pizza|food|dinner|drinks?|beers?"
            r"|refreshments|snacks|coffee|registration|doors open|welcome|light meal|hello|get[- ]together"
            r"|socializing|meet and greet)\b"
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class SlotLine:
    begin: time
    end: time
    title: str
    kind: SlotKind


# Words that go with a programme item without naming a subject: "Mingling, getting to know our
# community", "Welcome and a few words from our host", "Closing words and a group photo".
_FILLER = {
    "a", "an", "the", "and", "or", "with", "of", "for", "to", "our", "your", "their", "some", "few", "words",
    "word", "remarks", "from", "host", "hosts", "organizers", "organisers", "team", "time", "short", "long",
    "quick", "brief", "more", "other", "others", "attendees", "getting", "get", "know", "each", "community",
    "everyone", "people", "friends", "group", "photo", "new", "faces", "members", "session", "talk", "speech",
    "kick", "kickoff", "off", "light", "meal", "together", "meet", "greet", "open", "doors", "beverages",
    "sandwiches", "cake", "wine", "hot", "cold", "first", "last", "all", "again",
}  # fmt: skip
_KEYWORDS = {
    "break", "intermission", "recess", "q", "a", "qa", "questions", "question", "answers", "open", "opening",
    "closing", "wrap", "up", "announcements", "raffle", "farewell", "end", "arrival", "arrive", "gathering",
    "gather", "mingling", "mingle", "networking", "pizza", "food", "dinner", "drink", "drinks", "beer", "beers",
    "refreshments", "snacks", "coffee", "registration", "welcome", "hello", "socializing",
}  # fmt: skip
# "... courtesy of Wix", "... by the organizers": who provides a programme item, not a subject.
_PROVIDED = re.compile(r"\b(?:courtesy of|sponsored by|thanks to|hosted by|by)\b.*$")


def slot_kind(title: str) -> SlotKind:
    """A talk unless the title names a programme item (arrival, mingling, break, Q&A, opening
    or closing words) and says nothing else: no word of a subject in a long title, at most one
    in a short one ("Mingling at the rooftop"), so "Gathering metrics with perf" is a talk."""
    lowered = squash(re.sub(r"[^\w&\s-]", " ", title.lower()))
    kind = next((k for k, pattern in _KINDS if pattern.search(lowered)), SlotKind.TALK)
    # "Q&A session", "Questions and open discussion": questions when nothing else is said;
    # "vhost-user (and Q&A)" is a talk.
    loose = kind is SlotKind.TALK and re.search(r"\bq\s*&\s*a\b|\bquestions\b", lowered) is not None
    if kind is SlotKind.TALK and not loose:
        return kind
    head = _PROVIDED.sub("", lowered) or lowered
    residue = [w for w in re.split(r"[\s&-]+", head) if w and w not in _FILLER and w not in _KEYWORDS]
    if loose:
        return SlotKind.QA if not residue else SlotKind.TALK
    short = len(lowered.split()) <= 4
    return kind if not residue or (short and len(residue) <= 1) else SlotKind.TALK


def _hour(raw: str, ampm: str | None) -> tuple[int, int]:
    hours, _, minutes = raw.replace(".", ":").partition(":")
    h, m = int(hours), int(minutes or 0)
    if ampm and ampm.lower().startswith("p") and h < 12:
        h += 12
    elif ampm and ampm.lower().startswith("a") and h == 12:
        h = 0
    return h, m


def parse_slot_line(line: str) -> tuple[time, time, str] | None:
    """(begin, end, title as written) of one schedule line, or None."""
    if not is_time_range(line):
        return None
    match = TIME_RANGE.fullmatch(line.strip())
    assert match is not None
    end_h, end_m = _hour(match["e"], match["em"])
    begin_h, begin_m = _hour(match["b"], match["bm"])
    # "7-7:30pm": the begin shares the end's afternoon unless that would put it after the end.
    pm_end = match["bm"] is None and match["em"] and match["em"].lower().startswith("p")
    if pm_end and begin_h < 12 and (begin_h + 12, begin_m) <= (end_h, end_m):
        begin_h += 12
    try:
        begin, end = time(begin_h, begin_m), time(end_h % 24, end_m)
    except ValueError:
        return None
    rest = re.sub(r"^[\s*_|:.,;)\-–—]+", "", match["rest"])
    rest = re.sub(r"[\s*_|]+$", "", rest)
    return begin, end, rest


def schedule_lines(paras: list[Para]) -> list[SlotLine]:
    out: list[SlotLine] = []
    for para in paras:
        for line in para.lines:
            parsed = parse_slot_line(line)
            if parsed is None or not parsed[2]:
                continue
            title = slot_title(parsed[2])
            out.append(SlotLine(parsed[0], parsed[1], title, slot_kind(title)))
    return out


def slot_title(raw: str) -> str:
    """Links and markup dropped, a stray period before "(" or at the end dropped. Programme
    items ("mingling", "break") are capitalised; a talk's title stays as its speaker wrote it."""
    title = re.sub(r"\.\s*(?=\(|$)", " ", unlink(raw)).strip()
    title = run_in_title(squash(title.replace("|", " ")))
    if slot_kind(title) is SlotKind.TALK:
        return title
    return title[:1].upper() + title[1:]


def run_in_title(title: str) -> str:
    """A title the post ran into its description ("Persistent memory Persistent memory holds a
    lot of promise: ...") cut back to the title."""
    parts = title.split()
    for k in range(1, len(parts) // 2 + 1):
        if [w.lower() for w in parts[:k]] == [w.lower().strip(".,:") for w in parts[k : 2 * k]]:
            return " ".join(parts[:k]).rstrip(".,:")
    if len(parts) > 12:
        head = re.split(r"(?<=[a-z0-9)])[.!?]\s+|:\s+", title, maxsplit=1)[0]
        if 2 <= len(head.split()) <= 12:
            return head
    return title


def talk_title(title: str) -> str:
    """A talk's title without how it is given ("(Lecture + Q&A)") or which part it is."""
    title = HEADING_PREFIX.sub("", title, count=1) if HEADING_PREFIX.match(title) else title
    previous = None
    while previous != title:
        previous = title
        title = PART.sub("", TALK_SUFFIX.sub("", title)).strip(" -–—:,.")
    return title


def part_of(title: str) -> str | None:
    """ "II" for "Memory management - Part II": the slot is one part of a longer talk."""
    match = PART.search(TALK_SUFFIX.sub("", title))
    return (match.group(1) or match.group(2)) if match else None
