"""Who gives a talk, as a post says it: label lines, prose, headings, bios; and what it says
about them.

Forms read: `**Lecturer**: Name - bio`, `Speaker: A and B`, "Lecturer:" alone with the name on
the next line, "Name will talk about", "In this talk Name will", "Name (company) presents",
"a session with Name", "presented by Name", a bio paragraph "Name is a ...", a heading "Title -
by Name". A first name is resolved against the full names the post (or the calendar) uses; one
person spelled two ways ("Ben-Haim" / "Ben Haim", "Dmitri" / "Dmitry") is one speaker, named
as first written. A label line's names are read in any script (Hebrew has no capitals); a link
on it or under it is the speaker's link, never part of their name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.archive.post_text import LABEL, Para, is_time_range, link_line, links, squash, unlink, without_urls
from bot.calendar.loader import person_slug
from bot.calendar.model import Link, Speaker

WORD = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*|[A-Z]'[A-Z][a-z]+"
PARTICLE = r"(?:ben|bar|bat|bin|de|da|del|der|van|von|el|al|la|le)"
FULL = rf"(?:{WORD})(?:[ \t]+(?:{PARTICLE}[ \t]+)?(?:{WORD})){{1,3}}"
ANY_NAME = rf"(?:{FULL}|{WORD})"
# Capitalised words that start sentences, not names.
NOT_NAMES = {
    "We", "I", "You", "They", "It", "This", "That", "These", "Those", "He", "She", "There", "Who", "Which", "Our",
    "In", "The", "Today", "Tonight", "Next", "After", "Then", "Both", "Each", "Also", "During", "Part", "Talk",
    "Lecture", "Session", "Speaker", "Lecturer", "About", "Join", "Come", "Meetup", "Welcome", "Please", "Linux",
    "Kernel", "First", "Second", "Finally", "Here", "Everyone", "Attendees", "Participants", "All", "Some",
    "Most", "Many", "Abstract", "Bio", "Agenda", "Schedule", "Notes", "Note", "So", "And", "But", "As", "If", "When",
    "Afterwards", "Later", "Your", "My", "His", "Her", "Their", "Its",
}  # fmt: skip
VERBS = (
    r"(?:will|is going to|talks about|talks|presents|shows|explains|describes|discusses|shares|covers|introduces"
    r"|demonstrates|walks|tells|gives|goes over|dives|reviews)"
)
NAME_VERB = re.compile(rf"\b({ANY_NAME})\s*(?:\(([^()]*)\))?\s*(?:,[^,.;]{{3,80}},\s*)?{VERBS}\b")
BY_NAME = re.compile(
    rf"\b(?i:presented|given|delivered|led|talk|lecture|session|presentation|workshop|talks)\s+(?:is\s+)?by\s+({FULL})"
)
SPEAKER_IS = re.compile(rf"\b(?i:speaker|lecturer|presenter|guest)(?:\s+[a-z]+){{0,4}}\s+(?:is|will be)\s+({FULL})")
WITH_NAME = re.compile(rf"\b(?:session|talk|lecture|conversation|chat|workshop|evening|discussion)\s+with\s+({FULL})")
BIO_START = re.compile(rf"({ANY_NAME})\s+(?:is|was|has been|works|leads|has)\b")
BIO_LABEL = re.compile(r"(?i:bio|about the speakers?|about the lecturers?|about)\s*:\s*")
HEADING_BY = re.compile(
    rf"(.+?)\s*(?:[-–—/|,]\s*(?:by\s+)?|\bby\s+|\(\s*(?:by\s+)?)({FULL})\s*(?:(?:,|\bfrom\b|\bof\b)[^()]*)?\)?"
)


@dataclass
class Bio:
    bio: list[str] = field(default_factory=list)
    affiliation: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    how: str = ""  # where the bio text came from, for the report


def clean_name(name: str) -> str | None:
    """A name without sentence words in front ("Tonight Dana Levi" -> "Dana Levi")."""
    parts = squash(name).split()
    while parts and parts[0] in NOT_NAMES:
        parts.pop(0)
    while parts and parts[-1] in NOT_NAMES:  # "Shai Ben David We build ...": a name soft-wrapped into prose
        parts.pop()
    return " ".join(parts) or None


def label_names(rest: str) -> list[str]:
    """The names after "Lecturer:" ("Mark Veltzer - CTO of ...", "A and B", "A, company"), in
    any script; a name stops at the first word that is none (a URL too)."""
    head = re.split(r"\s+[-–—|]\s+|,\s*(?![A-Z][a-z]+\s+[A-Z])|\s*\(", unlink(rest), maxsplit=1)[0]
    out = []
    for part in re.split(r"\s+(?:and|&)\s+|,\s*", head):
        if (found := leading_name(part)) and (name := clean_name(found)):
            out.append(name)
    return out


_INNER = "'’׳-"  # inside a name word: O'Brien, Ben-Haim, ג׳ורג׳


def _name_word(word: str) -> bool:
    """A capitalised word (Dana, McKenzie, Żmuda-Trzebiatowski, O'Brien) or a word of a script
    without capitals (Hebrew, Arabic): what a label line's name is made of."""
    letters = [c for c in word if c not in _INNER]
    if not letters or not all(c.isalpha() for c in letters) or word[0] in _INNER or word[-1] in _INNER:
        return False
    if all(not c.isupper() and not c.islower() for c in letters):
        return True
    return word[0].isupper() and any(c.islower() for c in letters)


def leading_name(text: str) -> str | None:
    """The name a label line's text starts with: up to four name words, particles ("ben",
    "van") between them; it stops at the first other word (a URL, "CTO", "is")."""
    words: list[str] = []
    particles: list[str] = []
    for raw in text.split():
        word = raw.rstrip(".,;:!?)")
        if word in words:  # "Dana Levi Dana is ...": the next sentence's subject, not more name
            break
        if _name_word(word):
            words.extend([*particles, word])
            particles = []
        elif words and re.fullmatch(PARTICLE, word) and not particles:
            particles.append(word)
        else:
            break
        if word != raw or sum(1 for w in words if w not in particles) >= 4:
            break  # "Dana Levi." ends with its stop; FULL's four words at most
    return " ".join(words) or None


def heading_speaker(heading: str) -> tuple[str, str | None]:
    """("Title", "Name") for a heading that names its speaker ("Title - by Name")."""
    match = HEADING_BY.fullmatch(heading)
    if match is None or match.group(2).split()[0] in NOT_NAMES:
        return heading, None
    return match.group(1).strip(" -–—:"), match.group(2)


def prose_names(text: str) -> list[tuple[str, str]]:
    """(name, how) for each speaker a sentence names."""
    found: list[tuple[int, str, str]] = []
    plain = unlink(text)
    patterns = ((NAME_VERB, "a sentence"), (BY_NAME, '"by"'), (WITH_NAME, '"with"'), (SPEAKER_IS, '"the speaker is"'))
    for pattern, how in patterns:
        for match in pattern.finditer(plain):
            name = clean_name(match.group(1))
            if name:
                found.append((match.start(1), name, how))
    return [(name, how) for _, name, how in sorted(found)]


def bio_name(para: Para) -> str | None:
    """The person a paragraph is a bio of ("Dana Levi is a kernel engineer at ...")."""
    match = BIO_START.match(BIO_LABEL.sub("", unlink(para.lines[0]), count=1))
    if match is None:
        return None
    return clean_name(match.group(1)) if match.group(1).split()[0] not in NOT_NAMES else None


# ---- one person, several spellings -------------------------------------------------------------


def _key(name: str) -> str:
    # Letters of any script: two Hebrew names must not both be "" and so one person.
    return "".join(c for c in name.lower() if c.isalpha())


def _close(a: str, b: str) -> bool:
    """Within two edits (Dmitri/Dmitry, Yonatan/Jonatan)."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = row
    return previous[-1] <= (1 if min(len(a), len(b)) < 5 else 2)


def same_person(a: str, b: str) -> bool:
    if _key(a) == _key(b):
        return True
    pa, pb = a.split(), b.split()
    if len(pa) < 2 or len(pb) < 2:
        return False
    first_a, first_b, last_a, last_b = _key(pa[0]), _key(pb[0]), _key(" ".join(pa[1:])), _key(" ".join(pb[1:]))
    if last_a == last_b:
        return first_a.startswith(first_b) or first_b.startswith(first_a) or _close(first_a, first_b)
    return first_a == first_b and len(last_a) >= 4 and _close(last_a, last_b)


class Names:
    """The full names a post uses, in the spelling first written; first names resolved."""

    def __init__(self, known: list[str]) -> None:
        self.canonical: list[str] = []
        for name in known:
            self.add(name)

    def add(self, name: str) -> str:
        name = squash(name)
        for existing in self.canonical:
            if same_person(existing, name):
                return existing
        if len(name.split()) >= 2:
            self.canonical.append(name)
        return name

    def known(self, name: str) -> bool:
        """Whether the post (or the calendar) gives this person elsewhere, in any spelling."""
        return any(same_person(existing, squash(name)) for existing in self.canonical)

    def resolve(self, name: str) -> str:
        name = squash(name)
        if len(name.split()) >= 2:
            return self.add(name)
        matches = [n for n in self.canonical if _key(n.split()[0]) == _key(name)]
        return matches[0] if len(matches) == 1 else name


def collect_names(paras: list[Para], known: list[str]) -> Names:
    """Every full name the post gives as a speaker's, then the calendar's speakers."""
    names = Names([])
    for para in paras:
        for line in para.lines:
            label = LABEL.fullmatch(line)
            if label:
                for name in label_names(label.group(1)):
                    names.add(name)
        bio = bio_name(para)
        if len(para.lines) == 1 and is_name_line(para.lines[0]):
            names.add(para.lines[0])
        elif bio and len(bio.split()) >= 2:
            names.add(bio)
        for name, _how in prose_names(para.text):
            if len(name.split()) >= 2:
                names.add(name)
    for name in known:
        names.add(name)
    return names


def is_name_line(text: str) -> bool:
    parts = text.split()
    return 2 <= len(parts) <= 4 and re.fullmatch(FULL, text) is not None and parts[0] not in NOT_NAMES


# ---- what the post says about a speaker ----------------------------------------------------------


def label_bio(rest: str, name: str, bio: Bio) -> None:
    """ "Mark Veltzer - CTO of Hinbit. Mark is ...": the first short clause is the affiliation."""
    rest = without_urls(unlink(rest))  # the speaker's links are read apart, not as their text
    paren = re.fullmatch(rf"\s*{re.escape(name)}\s*\(([^()]{{2,60}})\)\s*", rest)
    if paren:  # "Yossi Mor (Intel)"
        bio.affiliation = paren.group(1).strip()
        return
    parts = re.split(r"\s+[-–—]\s+|,", rest, maxsplit=1)
    if len(parts) < 2 or " and " in parts[0]:
        return
    text = parts[1].strip()
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".")
    if len(first.split()) <= 12:
        bio.affiliation = first
    if first.rstrip(".") != text.rstrip("."):
        bio.bio.append(text)


def bio_paragraph(para: Para, bio: Bio) -> None:
    for line in para.lines:
        alone = link_line(line)
        found = links(line)
        if alone is not None:  # "Link: https://...", a bare URL: a link, not the person's text
            bio.links.append(alone)
        elif found:
            label = re.split(r"\s*-\s*\[", line)[0].strip(" -")
            bio.links.extend((label or text, url) for text, url in found)
        else:
            if bio.bio and not bio.bio[-1].endswith((".", "!", "?", ":")):
                bio.bio[-1] += "."  # paragraphs read as sentences once joined
            text = unlink(line)
            label = BIO_LABEL.match(text) if not bio.bio else None  # "About the speaker: ..."
            bio.bio.append(text[label.end() :] if label else text)


def links_of(match_text: str | None, para_text: str) -> list[tuple[str, str]]:
    """The links in "Name (company.com) will": in the parenthesis, or found in the raw text."""
    if not match_text:
        return []
    found = links(match_text)
    return found or [lk for lk in links(para_text) if lk[0] and lk[0] in match_text]


def standalone_bios(paras: list[Para], names: Names, bios: dict[str, Bio], stop: re.Pattern[str]) -> None:
    """A paragraph that is just a speaker's name, followed by their bio and links."""
    current: Bio | None = None
    for para in paras:
        if len(para.lines) == 1 and is_name_line(para.lines[0]) and para.lines[0] in names.canonical:
            current = bios.setdefault(names.resolve(para.lines[0]), Bio())
            if current.bio:  # already read beside the talk: do not read it twice
                current = None
            else:
                current.how = "the paragraphs under their name"
            continue
        if current is None:
            continue
        if stop.search(para.text) or is_time_range(para.lines[0]):
            current = None
            continue
        bio_paragraph(para, current)


def owner(text: str, people: list[str]) -> str | None:
    """Which of several speakers a link or a contact line is theirs: the one whose name (first
    or last, three letters at least) it spells ("linkedin.com/in/avicohen", "Avi: @avic"), when
    just one does."""
    plain = _key(text)
    mine = [p for p in people if any(len(k) >= 3 and k in plain for k in map(_key, p.split()))]
    return mine[0] if len(mine) == 1 else None


GENERIC_LINK_LABELS = {"link", "links", "url", "web", "website", "site"}  # say nothing: the domain does


def speaker(name: str, bio: Bio | None) -> Speaker:
    found: dict[str, str] = {}
    for label, url in bio.links if bio else []:
        clean = label.strip("<> ")
        clean = "" if clean.rstrip(":").lower() in GENERIC_LINK_LABELS else clean
        clean = clean or url
        if clean.startswith("http"):
            clean = re.sub(r"^https?://(?:www\.)?", "", clean).split("/")[0]
        found.setdefault(clean, url)
    text = " ".join(bio.bio) if bio and bio.bio else None
    return Speaker(
        id=person_slug(name),
        name=name,
        affiliation=bio.affiliation if bio else None,
        bio=squash(text) if text else None,
        links=tuple(Link(label, url) for label, url in found.items() if url.startswith(("http://", "https://"))),
    )
