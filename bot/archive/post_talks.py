"""A post's talks: the details sections, paired with the schedule's talk slots by title.

A details section starts at a heading: a bold or `#` line, a short plain line (with or without
a trailing colon) or the first line of a paragraph that names a scheduled talk. Sections are
paired with talk slots by how much their titles share, not by order; what is left is paired in
order and reported. Slots that are parts of one talk ("Part I", "Part II") are one talk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.archive.post_schedule import HEADING_PREFIX, SlotLine, run_in_title, talk_title
from bot.archive.post_speakers import FULL, heading_speaker, is_name_line
from bot.archive.post_text import LABEL, LINK, LIST_ITEM, Para, is_time_range, similarity, stem_overlap, unlink, words
from bot.calendar.model import SlotKind

# The community's own voice: greetings, calls for speakers, social links. Never an abstract.
BOILERPLATE = re.compile(
    r"\bour [\w-]*\s*community\b|looking for (?:new )?(?:speakers|venues|lectures)|follow us|^p\.s\b|^cheers\b"
    r"|without further ado|^see you\b|^thanks?\b|^rsvp\b",
    re.IGNORECASE,
)
LABELS = re.compile(
    r"(?:lecturers?|speakers?|presenters?|notes?|schedule|agenda|program(?:me)?|abstract|bio|about(?: the speakers?)?"
    r"|about (?:him|her|them)|location|venue|where|when|parking|language|links?|details|food|registration"
    r"|directions|the talks|talks|lectures|summary|important)",
    re.IGNORECASE,
)
TITLE_LABEL = re.compile(r"[*_]*(?i:title|topic|subject|talk title|lecture title)[*_]*\s*:[*_]*\s*(.+)")
# A bold or "#" heading; after a bold one, a short tail may name the speaker ("**Title** by X").
MARKED = re.compile(r"(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*(.{0,60}?)|#{1,6}\s+(.+?)\s*#*")
SPEAKERS_HEADING = re.compile(
    r"(?i:about the (?:speakers?|lecturers?)|(?:the )?speakers|lecturers|bios|speaker bios|about us):?"
)
PART_HEADING = re.compile(r"(?i:part)\s+(?:i{1,3}|iv|v|[1-5]|one|two|three)\b")
# A slot that only says which part of the evening's one talk it is: "Part 1", "Part II",
# "first section", "Session 2 (Hebrew)".
_ORDINAL = r"(?:i{1,3}|iv|v|\d|one|two|three|four|a|b)"
_PIECE = r"(?:part|section|segment|half|chapter)"
NEUTRAL_PART = re.compile(
    rf"(?:{_PIECE}\s*#?\s*{_ORDINAL}|(?:first|second|third|fourth|1st|2nd|3rd|4th|last|final|next)\s+{_PIECE})",
    re.IGNORECASE,
)
# A label before a talk's description: the first line after it is the talk's title.
DESCRIPTION_LABEL = re.compile(
    r"[*_]*(?i:(?:detailed |full |talk |lecture |session )?(?:description|details))[*_]*\s*:?[*_]*"
)
TBA = "Talk to be announced"  # as an open slot reads in events.yaml and in /next
PAIRED = 0.3  # titles sharing less than this are not the same talk


@dataclass
class Section:
    heading: str
    body: list[Para] = field(default_factory=list)
    speaker: str | None = None  # named in the heading ("Title - by Name")
    speaker_by: bool = False  # ... after "by", so surely a person, not a subtitle
    paras: list[int] = field(default_factory=list)  # indexes of the post's paragraphs it holds


@dataclass
class TalkDraft:
    title: str
    slots: list[SlotLine]
    sections: list[Section]
    slot_speaker: str | None = None  # named with the title outside any section (the post's title)
    origin: str = ""
    neutral: bool = False  # slots that only say "Part 1", "Part 2": the evening's one talk, titled elsewhere


def is_schedule_intro(line: str) -> bool:
    text = unlink(line).strip().lower()
    return bool(re.fullmatch(r"(?:the )?(?:schedule|agenda|program(?:me)?):?", text)) or (
        ("schedule" in text or "agenda" in text) and text.endswith(":")
    )


def clean_heading(text: str) -> tuple[str, str | None, bool]:
    """A heading's title, the speaker it names and whether after "by"; prefixes ("Talk 1:")
    and suffixes ("(Lecture + Q&A)") dropped."""
    text = HEADING_PREFIX.sub("", unlink(text).strip(), count=1).strip().rstrip(":.").strip()
    title, name = heading_speaker(text)
    by = name is not None and re.search(rf"\bby\s+{re.escape(name)}", text) is not None
    return talk_title(title), name, by


def _names_talk(text: str, talk_titles: list[str]) -> bool:
    return any(words(text) & words(t) or stem_overlap(text, t) for t in talk_titles)


def heading(para: Para, talk_titles: list[str]) -> tuple[str, list[str]] | None:
    """The paragraph's heading and the lines under it, or None when it does not start a talk."""
    first = para.lines[0]
    marked = MARKED.fullmatch(first)
    if marked and LABEL.fullmatch(first):  # "**Lecturer**: Dana Levi" names a speaker, heads nothing
        return None
    tail = marked.group(2) if marked else ""
    if marked and (not tail or (len(tail.split()) <= 6 and not tail.endswith((".", ":")))):
        text = unlink(f"{marked.group(1)} {tail}" if tail else marked.group(1) or marked.group(3)).strip()
        text = text.rstrip(":.").strip()
        if LABELS.fullmatch(text) or is_time_range(text) or BOILERPLATE.search(text):
            return None
        return text, para.lines[1:]
    titled = _title_label(para)
    if titled is not None:
        return titled
    raw = para.raw_first.rstrip(":").strip()
    if _soft_heading(para) and talk_titles and max(similarity(raw, t) for t in talk_titles) >= 0.5:
        # "Title\nAbstract ..." soft-wrapped into one line: the first source line, if it names a talk.
        return raw, [first[len(para.raw_first) :].strip(), *para.lines[1:]]
    if is_time_range(first) or is_schedule_intro(first) or LINK.search(first) or "http" in first or "**" in first:
        return None
    if LIST_ITEM.match(first) or LABEL.fullmatch(first):
        return None
    text = first[:-1].strip() if first.endswith(":") else first
    if len(text.split()) > 8 or text[-1:] in ".:!?,-;" or BOILERPLATE.search(text) or LABELS.fullmatch(text):
        return None
    if first.endswith(":") and not (_names_talk(text, talk_titles) or (not talk_titles and len(para.lines) == 1)):
        return None
    if _names_talk(text, talk_titles):
        return text, para.lines[1:]
    if len(text.split()) < 2 or is_name_line(text):
        return None
    # A lone short line followed by prose: a heading of a talk the schedule does not name.
    return (text, para.lines[1:]) if len(para.lines) == 1 or not is_time_range(para.lines[1]) else None


def _soft_heading(para: Para) -> bool:
    raw, first = para.raw_first, para.lines[0]
    return (
        len(first) > len(raw)
        and first.startswith(raw)
        and len(raw.split()) <= 10
        and not raw.endswith(".")
        and not is_time_range(raw)
        and not is_schedule_intro(raw)
        and not LABELS.fullmatch(raw.rstrip(":"))
        and LABEL.fullmatch(raw) is None
    )


def _title_label(para: Para) -> tuple[str, list[str]] | None:
    """A "Title: X" (or "Topic:") line, maybe after a "Speaker: Y" line, heads a talk."""
    for index, line in enumerate(para.lines[:3]):
        match = TITLE_LABEL.fullmatch(line)
        if match and all(LABEL.fullmatch(before) for before in para.lines[:index]):
            return match.group(1), [*para.lines[:index], *para.lines[index + 1 :]]
    return None


def sections(paras: list[Para], talk_titles: list[str]) -> list[Section]:
    out: list[Section] = []
    current: Section | None = None
    labelled = False  # just after "Detailed description:": the next line is a talk's title
    for index, para in enumerate(paras):
        if DESCRIPTION_LABEL.fullmatch(para.lines[0]):
            current, labelled = None, True
            if len(para.lines) == 1:
                continue
            para = Para(para.lines[1:], para.lines[1])
        found = heading(para, talk_titles) or _labelled_heading(para, labelled) or _sentence_heading(para, talk_titles)
        labelled = False
        if found is not None and not (current and _same_talk(current.heading, found[0], talk_titles)):
            title, name, by = clean_heading(found[0])
            current = Section(title, speaker=name, speaker_by=by, paras=[index])
            out.append(current)
            if found[1]:
                current.body.append(Para(found[1]))
            continue
        if current is None:
            continue
        if ends_section(para):
            current = None
            continue
        current.body.append(para)
        current.paras.append(index)
    # A "section" with no prose under it is a stray short line, unless it names a talk.
    return [s for s in out if any(not is_time_range(p.lines[0]) for p in s.body) or _names_slot(s.heading, talk_titles)]


def _labelled_heading(para: Para, labelled: bool) -> tuple[str, list[str]] | None:
    """The first line after "Detailed description:": "Title by Name", not a sentence."""
    first = para.lines[0]
    if not labelled or len(first.split()) > 16 or first.endswith((":", ".")) or is_name_line(first):
        return None
    if is_time_range(first) or LABEL.fullmatch(first) or LINK.search(first):
        return None
    return first, para.lines[1:]


def _sentence_heading(para: Para, talk_titles: list[str]) -> tuple[str, list[str]] | None:
    """ "Hardware probing in the kernel." on its own line over the text: one short sentence
    that says more than a scheduled talk's title ("Hardware probing")."""
    first = para.lines[0]
    if len(para.lines) < 2 or not first.endswith(".") or len(first.split()) > 14 or re.search(r"[.!?]\s", first):
        return None
    if is_time_range(first) or LABEL.fullmatch(first) or LINK.search(first) or BOILERPLATE.search(first):
        return None
    if not talk_titles or max(similarity(first, t) for t in talk_titles) < PAIRED:
        return None
    return first.rstrip("."), para.lines[1:]


def _same_talk(current: str, found: str, talk_titles: list[str]) -> bool:
    """A line inside a talk's text that names the same talk as its heading is not a new heading."""
    scored = [(similarity(found, t), t) for t in talk_titles]
    best = max(scored, default=(0.0, ""))
    return best[0] >= PAIRED and similarity(current, best[1]) >= PAIRED and similarity(current, found) >= PAIRED


def _names_slot(heading: str, talk_titles: list[str]) -> bool:
    return any(similarity(heading, t) >= 0.5 for t in talk_titles)


def ends_section(para: Para) -> bool:
    first = para.lines[0]
    return bool(
        BOILERPLATE.search(para.text)
        or is_time_range(first)
        or is_schedule_intro(first)
        or first.lower().rstrip(":") in ("notes", "note")
        or (len(para.lines) == 1 and SPEAKERS_HEADING.fullmatch(unlink(first).strip()) is not None)
    )


# ---- talks from slots and sections -------------------------------------------------------------


def _groups(slots: list[SlotLine], headings: list[str]) -> list[TalkDraft]:
    """One draft per talk: slots with one base title ("Part I", "Part II") are one talk."""
    drafts: list[TalkDraft] = []
    for slot in slots:
        if slot.kind is not SlotKind.TALK:
            continue
        base = talk_title(run_in_title(slot.title))
        if NEUTRAL_PART.fullmatch(base or slot.title.strip(" :")):
            neutral = next((d for d in drafts if d.neutral), None)
            if neutral is not None:
                neutral.slots.append(slot)
            else:
                drafts.append(TalkDraft("", [slot], [], neutral=True))
            continue
        for h in headings:  # a title run into its description, cut at the details heading
            if len(base.split()) > len(h.split()) + 3 and base.lower().startswith(h.lower()):
                base = h
        same = next((d for d in drafts if base and d.title.lower() == base.lower()), None)
        if same is not None:
            same.slots.append(slot)
        else:
            drafts.append(TalkDraft(base, [slot], []))
    return drafts


def _pair(drafts: list[TalkDraft], found: list[Section], problems: list[str]) -> list[Section]:
    """Attach sections to drafts by title similarity; returns the sections left over."""
    scores = sorted(
        (-similarity(d.title, s.heading), di, si) for di, d in enumerate(drafts) for si, s in enumerate(found)
    )
    used: set[int] = set()
    for negative, di, si in scores:
        score = -negative
        if score < PAIRED or si in used:
            continue
        if not drafts[di].sections or (len(drafts[di].slots) > 1 and score >= 0.5):
            drafts[di].sections.append(found[si])
            used.add(si)
    left = [s for si, s in enumerate(found) if si not in used]
    parted = [d for d in drafts if len(d.slots) > 1]
    if len(parted) == 1:  # "Part 2: the character device" describes a part of the one talk in parts
        parted[0].sections.extend(s for s in left if PART_HEADING.match(s.heading))
        left = [s for s in left if not PART_HEADING.match(s.heading)]
    lonely = [d for d in drafts if not d.sections]
    if left and lonely:
        if len(left) > 1 and len(lonely) > 1:  # one of each can only go together
            problems.append(
                f"{len(lonely)} talks in the schedule and {len(left)} descriptions with unlike titles; paired in order"
            )
        for draft, section in zip(lonely, left, strict=False):
            draft.sections.append(section)
        left = left[len(lonely) :]
    for draft in drafts:
        draft.sections.sort(key=lambda s: s.paras[0])
    return left


def talk_drafts(
    paras: list[Para], slots: list[SlotLine], problems: list[str], post_title: str | None = None
) -> list[TalkDraft]:
    """The talks, in schedule order (in the order described when there is no schedule). A talk
    the schedule gives no title ("Part 1" / "Part 2", "Second lecture:") takes its details
    heading's, else (the evening's one talk) the post's title; else it stays untitled ("")."""
    talk_titles = [talk_title(run_in_title(s.title)) for s in slots if s.kind is SlotKind.TALK]
    found = sections(paras, talk_titles)
    drafts = _groups(slots, [s.heading for s in found])
    left = _pair(drafts, found, problems)
    if not drafts:
        return [TalkDraft(s.heading, [], [s], origin="a details heading (no schedule)") for s in found]
    for section in left:
        problems.append(f"section {section.heading!r} names no talk in the schedule; left out")
    for draft in drafts:
        _title_draft(draft, post_title if len(drafts) == 1 else None)
    return drafts


def _title_draft(draft: TalkDraft, post_title: str | None) -> None:
    heading_title = draft.sections[0].heading if draft.sections else None
    if heading_title and not draft.title:
        draft.title, draft.origin = heading_title, "its details heading (the schedule gives no title)"
    elif heading_title and words(draft.title) == words(heading_title):
        draft.title, draft.origin = heading_title, "the schedule and its details heading"
    elif heading_title and words(draft.title) <= words(heading_title):
        # The heading says more ("Preemption models" for the slot "Preemption").
        draft.title, draft.origin = heading_title, "the details heading (it says more than the schedule)"
    elif not draft.title and draft.neutral and post_title:
        # The evening's one talk in parts: the post is about it ("Kernel subsystems by Name").
        by = re.fullmatch(rf"(.+?),?\s+(?i:by)\s+({FULL})\s*", unlink(post_title))
        title, name = (by.group(1), by.group(2)) if by else (post_title, None)
        draft.title, draft.slot_speaker = talk_title(title) or post_title, name
        draft.origin = "the post's title (the schedule names only its parts)"
    else:
        draft.origin = "the schedule" if draft.title else "nowhere (the schedule gives no title)"
