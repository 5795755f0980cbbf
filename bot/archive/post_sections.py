"""What a talk's text says: its speakers, its abstract and its speakers' bios, kept apart.

A paragraph that describes the talk is the talk's abstract; only text about the person ("Dana
Levi is a ...", "She is ...", "About the speaker: ...", "Bio: ...", links beside a Lecturer
line) is a bio. A "Speaker: Name" line or a name alone under the heading does not make what
follows a bio. Speakers introduced in prose outside every talk's section ("Dana Levi will
discuss the vhost-user patch ...") are paired with the talk whose title's words (or acronym)
their sentence uses.
"""

from __future__ import annotations

import re

from bot.archive.post_speakers import (
    BIO_LABEL,
    Bio,
    Names,
    bio_name,
    bio_paragraph,
    is_name_line,
    label_bio,
    label_names,
    links_of,
    owner,
    prose_names,
)
from bot.archive.post_talks import BOILERPLATE, TalkDraft, is_schedule_intro
from bot.archive.post_text import (
    ABOUT_LINE,
    CONTACT_LINE,
    GENERIC,
    LABEL,
    LINK,
    URL,
    Para,
    is_time_range,
    line_links,
    links,
    squash,
    unlink,
)

STRONG = {"a Lecturer line", "a name line"}
ABSTRACT = re.compile(r"[*_]*(?i:abstract|description|summary|about the talk)[*_]*\s*:[*_]*\s*")
PRONOUN = re.compile(r"(?:He|She|They)\s+(?:is|was|has|works|leads|teaches|holds|joined|spent|'s)\b")
# Words that say a paragraph is about the talk, not about the person giving it.
ABOUT_TALK = re.compile(
    r"\b(?:this|the|our|my|her|his|their)\s+(?:talk|lecture|session|presentation|workshop)\b"
    r"|\bwe(?:'ll|\s+will|\s+are going to)\b|\byou(?:'ll|\s+will)\b|\b(?:attendees|participants)\b",
    re.IGNORECASE,
)
Found = list[tuple[str, str]]  # (speaker, how it was found)


def read_section(body: list[Para], names: Names, bios: dict[str, Bio]) -> tuple[Found, str | None]:
    """(speaker, how it was found) and the abstract of one talk's details section."""
    speakers: Found = []
    abstract: list[str] = []
    in_bio: Bio | None = None  # a bio being read on, paragraph after paragraph
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
            in_bio = None
            if len(para.lines) == 1:
                continue
            para = Para(para.lines[1:])
        subject = _bio_subject(para, speakers, names)
        if subject is not None:
            if subject not in [s for s, _ in speakers] and len(subject.split()) >= 2:
                speakers.append((subject, "a bio paragraph"))
            in_bio = bios.setdefault(subject, Bio())
            in_bio.how = in_bio.how or "a paragraph about them in the talk's description"
        elif ABSTRACT.match(para.lines[0]) or ABOUT_TALK.search(para.text):
            in_bio = None
        if in_bio is not None:
            bio_paragraph(para, in_bio)
        elif not all(LINK.search(line) and len(LINK.sub("", line).split()) <= 3 for line in para.lines):
            abstract.append(_abstract_paragraph(para, names, bios, speakers))
    return _strongest(speakers), tidy(abstract)


def tidy(paragraphs: list[str]) -> str | None:
    joined = squash(" ".join(unlink(a) for a in paragraphs))
    joined = re.sub(r";$", ".", re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", joined)))
    return joined or None


def _strongest(speakers: Found) -> Found:
    unique: dict[str, str] = {}
    for name, how in speakers:
        unique.setdefault(name, how)
    # A name in a sentence is a weaker sign than a Lecturer line or a name line: beside
    # those, "Linus Torvalds will probably disagree" is not a speaker.
    strong = {n: h for n, h in unique.items() if h in STRONG}
    return list((strong or unique).items())


def _bio_subject(para: Para, speakers: Found, names: Names) -> str | None:
    """The speaker a paragraph is about: "Dana Levi is ...", "Dana is ..." (a speaker of the
    talk), "She is ..." or "About the speaker: ..." (the talk's one speaker)."""
    subject = bio_name(para)
    who = names.resolve(subject) if subject else None
    named = [s for s, _ in speakers]
    if who and (len(who.split()) >= 2 or who in named):
        return who
    first = unlink(para.lines[0]).strip()
    label = BIO_LABEL.match(first)
    labelled = label is not None and not ABSTRACT.match(first)
    if len(set(named)) == 1 and (labelled or PRONOUN.match(first[label.end() :] if label else first)):
        return named[0]
    return None


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
    """ "Lecturer: Name - bio" and the lines under it that are about the speaker: links (a URL,
    "Link: https://...", a markdown link), an email or a handle, sentences about them. The first
    other line (an "Abstract:" line too) and what follows is read on as the talk's text. Returns
    the bio that the following paragraphs continue: only when the label line had lines about its
    one speaker under it."""
    lines = para.lines[1:]
    about = tuple(f"{w} " for w in (*(n.split()[0] for n in found), "He", "She", "They", "Their", "His", "Her"))
    one = found[0] if len(found) == 1 else None
    if one is not None:
        label_bio(rest, one, bios.setdefault(one, Bio()))
    _give_links(_own_links(para.lines[0]), found, bios)
    at = len(lines)
    for index, line in enumerate(lines):
        own = line_links(line)
        # "Dana is ...", "She works ...": about the person; "Dana will show ..." is about the talk.
        sentence = line.startswith(about) and ABOUT_LINE.match(line) is not None
        if ABSTRACT.match(line) or not (own or sentence or CONTACT_LINE.fullmatch(line)):
            at = index  # the talk's text from here on
            break
        if own:
            _give_links(own, found, bios)
            continue
        # Several speakers: a line is the one's whose name its subject (or its handle) spells.
        who = one or owner(line.split()[0] if sentence else line, found)
        if who is None:
            at = index  # "They are both ...": about the talk's speakers together, so the talk's text
            break
        bio_paragraph(Para([line]), bios.setdefault(who, Bio()))
    if at < len(lines):
        queue.insert(0, Para(lines[at:]))
    for who in found:
        if (bio := bios.get(who)) is not None and bio.bio and not bio.how:
            bio.how = "its Lecturer line"
    return bios[one] if one is not None and 0 < at == len(lines) else None


def _own_links(line: str) -> list[tuple[str, str]]:
    """The links on a label line itself: "[Dana Levi](https://...)", "Dana Levi <https://...>"."""
    marked = [(text, url) for text, url in links(line) if url.startswith(("http://", "https://"))]
    bare = URL.findall(LINK.sub("", line))
    return [(("" if URL.search(text) else text.strip()), url) for text, url in marked] + [("", u) for u in bare]


def _give_links(found_links: list[tuple[str, str]], found: list[str], bios: dict[str, Bio]) -> None:
    """Each link to its speaker: the one speaker, or of several the one whose name it spells
    ("linkedin.com/in/avicohen"); a link that spells no one's is left out, not guessed."""
    for label, url in found_links:
        who = found[0] if len(found) == 1 else owner(f"{label} {url}", found)
        if who is not None:  # a link whose text is the name itself says nothing: the domain labels it
            bios.setdefault(who, Bio()).links.append(("" if label in found else label, url))


def _abstract_paragraph(para: Para, names: Names, bios: dict[str, Bio], speakers: Found) -> str:
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


# ---- prose outside the talks' sections ---------------------------------------------------------


def free_paragraphs(paras: list[Para], in_sections: set[int]) -> list[int]:
    """The post's own prose: outside every talk's section, not the schedule, not boilerplate."""
    return [
        i
        for i, p in enumerate(paras)
        if i not in in_sections
        and not BOILERPLATE.search(p.text)
        and not is_time_range(p.lines[0])
        and not is_schedule_intro(p.lines[0])
    ]


def _keywords(text: str) -> set[str]:
    """Words of a sentence, and the acronyms of its runs of words ("Kernel Samepage Merging" ->
    "ksm"), lower-cased."""
    found = re.findall(r"[a-z0-9]+", text.lower())
    out = set(found)
    for size in range(2, 6):
        out.update("".join(w[0] for w in found[i : i + size]) for i in range(len(found) - size + 1))
    return out


def mentions(text: str, title: str) -> float:
    """How much of a talk's title a sentence uses (0..1): its words, their stems, or its acronym."""
    wanted = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in GENERIC]
    if not wanted:
        return 0.0
    have = _keywords(text)
    stems = {w[:5] for w in have if len(w) >= 4}
    if len(wanted) > 1 and "".join(w[0] for w in wanted) in have:
        return 1.0
    hits = sum(1 for w in wanted if w in have or (len(w) >= 4 and w[:5] in stems))
    return hits / len(wanted)


def prose_speakers(
    paras: list[Para], free: list[int], drafts: list[TalkDraft], names: Names
) -> dict[int, tuple[list[str], list[int]]]:
    """Speakers introduced in prose outside the sections, by talk (index in `drafts`): the
    names and the paragraphs (the talk's abstract). A sentence goes to the talk whose title it
    uses; the evening's one talk takes any sentence that names a speaker."""
    out: dict[int, tuple[list[str], list[int]]] = {}
    for index in free:
        text = unlink(paras[index].text)
        named = prose_names(text)
        if not named:
            continue
        units = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if len({n for n, _ in named}) > 1 else [text]
        for unit in units:
            people = [names.resolve(n) for n, _ in prose_names(unit)]
            target = _target(unit, drafts)
            if not people or target is None:
                continue
            who, where = out.setdefault(target, ([], []))
            who.extend(p for p in people if p not in who)
            where.extend([index] if index not in where else [])
    return out


def _target(unit: str, drafts: list[TalkDraft]) -> int | None:
    if len(drafts) == 1:
        return 0
    scores = sorted(((mentions(unit, d.title), i) for i, d in enumerate(drafts) if d.title), reverse=True)
    if not scores or scores[0][0] < 0.5 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


def outside_bios(paras: list[Para], free: list[int], speakers: list[str], names: Names, bios: dict[str, Bio]) -> None:
    """A paragraph outside the sections that is about a speaker ("Rami Rosen is a ...")."""
    for index in free:
        subject = bio_name(paras[index])
        who = names.resolve(subject) if subject else None
        if who in speakers and who is not None and not bios.setdefault(who, Bio()).bio:
            bio_paragraph(paras[index], bios[who])
            bios[who].how = "a paragraph about them outside the talk's description"
