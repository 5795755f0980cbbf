"""The evening's facts around the talks: host and venue, meetup link, language, filming, notes
and description.

A venue is named by its company ("hosted by [SQLink](...) at their office in Ramat Gan", "will
take place at Red Hat's offices in Ra'anana", "Venue: Acme, 3 Main St."): a company name is a few
capitalised words, never the rest of the sentence, and its id stays within 40 characters.
"""

from __future__ import annotations

import re

from bot.archive.post_talks import BOILERPLATE, heading, is_schedule_intro
from bot.archive.post_text import Para, is_time_range, squash, unlink
from bot.calendar.loader import slugify
from bot.calendar.model import Venue

# A few capitalised words, or one word of any case right before "at"/"in" or the sentence's end.
COMPANY = (
    r"[A-Z0-9][\w&'’.+-]*(?:[ \t]+(?:&[ \t]+)?[A-Z0-9][\w&'’+-]*){0,3}"
    r"|[\w&'’+-]+(?=[ \t]+(?:at|in|on|who)\b|[,.;!]|$)"
)
HOSTED = re.compile(
    r"(?i:hosted by|hosted at|(?:takes?|taking) place at|(?:be|is|being) held at|generously hosted by)\s+(?:the\s+)?"
    rf"(?:\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|({COMPANY}))"
)
PLACE = re.compile(
    r"\b(?:offices?|HQ|headquarters|campus|building)\s+(?:in|at)\s+(?:the\s+)?"
    r"([A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2})"
)
VENUE_LABEL = re.compile(r"[*_]*(?i:venue|location|where)[*_]*\s*:[*_]*\s*(.+)")
LANGUAGE = re.compile(r"\b(?:in|language\s*[:\-–—]?)\s+(hebrew|english|russian|arabic)\b", re.IGNORECASE)
FILMED = re.compile(r"\bwill be (?:filmed|recorded)\b", re.IGNORECASE)
NOT_FILMED = re.compile(r"\b(?:will not|won't) be (?:filmed|recorded)\b", re.IGNORECASE)
MEETUP_URL = re.compile(r"(?:https?://)?(?:www\.)?meetup\.com/[^\s)>/\]]+/events/\d+/?")
MAX_ID = 40


def venue_id(*parts: str | None) -> str:
    """A slug of the company (and city), cut at a word to at most 40 characters."""
    slug = slugify(" ".join(p for p in parts if p))
    while len(slug) > MAX_ID and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug[:MAX_ID]


def _company(match: re.Match[str]) -> str | None:
    name = squash(unlink(match.group(1) or match.group(3) or match.group(4) or ""))
    name = re.sub(r"(?:['’]s)$", "", name).rstrip(".,")
    # A sentence is never a name: a company is a few words.
    if not name or len(name.split()) > 5 or len(name) > MAX_ID:
        return None
    return name


def venue(paras: list[Para]) -> tuple[str | None, Venue | None, Para | None, str]:
    """(host, venue, the paragraph it came from, how it was found)."""
    for para in paras:
        match = HOSTED.search(para.text)
        host = _company(match) if match else None
        if host is None:
            continue
        place = PLACE.search(unlink(para.text[match.start() :] if match else para.text))
        city = place.group(1) if place else None
        notes = tuple(
            unlink(line) for line in para.lines if not HOSTED.search(line) and not PLACE.search(line)
        )  # fmt: skip
        found = Venue(
            id=venue_id(host, city),
            name=host,
            address=f"{host} offices, {city}" if city else None,
            host=host,
            notes=notes,
        )
        return host, found, para, "a 'hosted by' sentence"
    for para in paras:
        for line in para.lines:
            label = VENUE_LABEL.fullmatch(line)
            if label is None:
                continue
            name, _, address = unlink(label.group(1)).partition(",")
            name = name.strip().rstrip(".")
            if not name or len(name.split()) > 5:
                continue
            return None, Venue(venue_id(name), name, address.strip().rstrip(".") or None), para, "a 'Venue:' line"
    return None, None, None, ""


def meetup_url(body: str) -> str | None:
    match = MEETUP_URL.search(body)
    if match is None:
        return None
    url = match.group(0)
    return url if url.startswith("http") else f"https://www.{url.removeprefix('www.')}"


def language(body: str) -> str | None:
    match = LANGUAGE.search(unlink(body))
    return match.group(1).capitalize() if match else None


def filmed(body: str) -> bool | None:
    return False if NOT_FILMED.search(body) else (True if FILMED.search(body) else None)


def notes(paras: list[Para]) -> tuple[str, ...]:
    """The items under a "Notes:" line, except the one that only says the language."""
    out: list[str] = []
    collecting = False
    for para in paras:
        for line in para.lines:
            if unlink(line).lower().strip().rstrip(":") in ("notes", "note"):
                collecting = True
                continue
            if collecting:
                item = re.match(r"^[-*]\s*(.+)", line)
                if item is None:
                    collecting = False
                    continue
                text = squash(unlink(item.group(1))).replace(" )", ")")
                if not (LANGUAGE.search(text) and len(text.split()) <= 8):
                    out.append(text)
    return tuple(out)


def description(
    paras: list[Para], venue_para: Para | None, abstracts: set[int] | frozenset[int] = frozenset()
) -> str | None:
    """Prose before the schedule and the first talk, that is not a link, the host, a greeting
    or a talk's abstract (the paragraph indexes in `abstracts`)."""
    out: list[str] = []
    for index, para in enumerate(paras):
        first = para.lines[0]
        if is_time_range(first) or is_schedule_intro(first) or (heading(para, []) is not None and len(para.lines) == 1):
            break
        if para is venue_para or index in abstracts or BOILERPLATE.search(para.text) or MEETUP_URL.search(para.text):
            continue
        if re.fullmatch(r"(?:\*\*|__).+(?:\*\*|__):?|#{1,6}\s.*", first):
            break
        out.append(unlink(para.text))
    return squash(" ".join(out)) or None
