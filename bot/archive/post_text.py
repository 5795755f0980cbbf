"""A post's body as paragraphs of logical lines, and the text helpers the post parser shares.

Markdown as the website's converter wrote it: soft-wrapped lines, hard breaks (two trailing
spaces or a backslash), entities (`&amp;`), escaped list markers (`\\-`), autolinks
(`<https://...>`). Simple HTML bodies (`<p>`, `<br>`, `<strong>`, `<li>`, `<a>`) are turned into
the same markdown first.

Under a "Lecturer:" line a new source line is a new logical line when it starts an item of its
own (a link, an email, a handle, a "Label:", a sentence about the person): soft-wrapped, it
would otherwise be glued to the speaker's name.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
STOPWORDS = {"a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "at", "by", "or"}
# Words that say what a slot is, not what it is about: no help in telling two talks apart.
GENERIC = STOPWORDS | {"talk", "lecture", "part", "session", "intro", "introduction", "q", "qa"}
GENERIC |= {"is", "it", "are", "be", "how", "why", "what", "your", "you", "we", "our", "its", "from", "into", "than"}
GENERIC |= {"this", "that", "does", "do", "can", "about", "s"}
TIME = r"\d{1,2}(?:[:.]\d{2})?"
AMPM = r"[ap]\.?m\b\.?"
# A schedule line: list or bold markers, a time range in any common shape, then the title.
TIME_RANGE = re.compile(
    rf"(?:[*+|-]\s*|\\-\s*|\*\*\s*|__\s*)*(?P<b>{TIME})\s*(?P<bm>{AMPM})?\s*(?:-|–|—|\bto\b)\s*"
    rf"(?P<e>{TIME})\s*(?P<em>{AMPM})?(?!\d)(?P<rest>.*)",
    re.IGNORECASE,
)
LIST_ITEM = re.compile(r"(?:[*+-]|\\-|\d{1,2}[.)])\s")
BARE_LABEL = re.compile(r"[*_]*(?i:lecturers?|speakers?|presenters?|presented by|bio|abstract)[*_]*\s*:?[*_]*")
# "Lecturer: Name ...", "**Speakers** - A and B": group 1 is what follows the label.
LABEL = re.compile(r"[*_]*(?i:lecturers?|speakers?|presenters?|presented by)[*_]*\s*[:\-–—][*_]*\s*(.*)")
URL = re.compile(r"https?://[^\s<>]+[^\s<>.,;:!?)\]'\"]")
# One link as a line holds it: markdown (`[text](url)`, `[<url>](url)`), an autolink, a bare URL.
_ONE_LINK = rf"\[[^\]]*\]\(\s*https?://[^)]*\)|<{URL.pattern}/?>|{URL.pattern}/?"
# What names a link or a contact on its line: "Link:", "LinkedIn -", "Mabel technology -".
_ITEM_LABEL = r"(?:[*_]*(?P<label>[^\W\d_][^:<>\[\]()]{0,30}?)[*_]*\s*(?::|\s[-–—]|[-–—](?=\[))[*_]*\s*)?"
LINK_LINE = re.compile(rf"[*+-]?\s*{_ITEM_LABEL}(?P<link>{_ONE_LINK})")
CONTACT_LINE = re.compile(rf"[*+-]?\s*{_ITEM_LABEL}(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w{{2,}})")
NEW_LABEL = re.compile(r"[*_]*[^\W\d_][\w'’ ]{0,24}?[*_]*\s*:[*_]*(?:\s|$)")
_SUBJECT = r"[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)?\s+"  # "Dana", "Dana Levi", "She"
_BIO_VERBS = r"is|are|was|were|has|have|works|worked|leads|led|joined|holds|teaches|spent|founded|maintains|contributes"
# "Dana is ...", "Dana Levi has ...", "She works ...": a sentence about a person.
ABOUT_LINE = re.compile(rf"{_SUBJECT}(?:{_BIO_VERBS})\b")
# ... or any sentence that starts with its subject: "Ido will build ...", "Dana presents ...".
SENTENCE_LINE = re.compile(
    rf"{_SUBJECT}(?:{_BIO_VERBS}|will|would|can|talks|presents|shows|explains|describes|discusses|covers"
    r"|introduces|demonstrates|gives|goes|dives|reviews|builds|wrote|writes)\b"
)
HEADING_LINE = re.compile(r"#{1,6}\s+\S.*|(?:\*\*|__)[^*_].*(?:\*\*|__):?")


@dataclass
class Para:
    """A paragraph as logical lines: soft-wrapped lines joined, split at markdown hard breaks,
    list items and schedule lines. `raw_first` is the first source line before joining."""

    lines: list[str]
    raw_first: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def is_time_range(line: str) -> bool:
    """A line that starts with a time range (`19:00-19:15`, `7pm - 7:30pm`, `19:00–19:15`)."""
    match = TIME_RANGE.fullmatch(line.strip())
    if match is None:
        return False
    # "10-15 minutes" is not a schedule line: a clock has minutes or am/pm.
    return any(":" in t or "." in t for t in (match["b"], match["e"])) or bool(match["bm"] or match["em"])


def from_html(text: str) -> str:
    """Simple HTML to the markdown the rest of the parser reads; markdown is left alone."""
    if not re.search(r"<(?:p|br|div|h[1-6]|strong|li)\b", text, re.IGNORECASE):
        return text
    flags = re.IGNORECASE | re.DOTALL
    text = re.sub(r"<h[1-6][^>]*>(.*?)</h[1-6]>", r"\n\n**\1**\n\n", text, flags=flags)
    text = re.sub(r"<(strong|b)>(.*?)</\1>", r"**\2**", text, flags=flags)
    text = re.sub(r"<a\s[^>]*href=\"([^\"]*)\"[^>]*>(.*?)</a>", r"[\2](\1)", text, flags=flags)
    text = re.sub(r"<br\s*/?>", "  \n", text, flags=re.IGNORECASE)
    text = re.sub(r"<li[^>]*>", "\n- ", text, flags=re.IGNORECASE)
    text = re.sub(r"</?(?:p|div|ul|ol)[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    return re.sub(r"<(?!https?://)/?[a-zA-Z][^>]*>", "", text)


def paragraphs(body: str) -> list[Para]:
    """Blank-line separated paragraphs of logical lines (see `Para`)."""
    out: list[Para] = []
    lines: list[str] = []
    current, first = "", ""
    after_label = speakers = False  # speakers: a "Lecturer:" line began in this paragraph
    for raw in (from_html(body) + "\n\n").splitlines():
        stripped = raw.strip()
        if not stripped:
            if current:
                lines.append(current)
            if lines:
                out.append(Para([clean(line) for line in lines], clean(first)))
            # "Lecturer:" closing a paragraph: the name and its links are in the next one.
            speakers = after_label and bool(LABEL.fullmatch(clean(lines[-1]) if lines else ""))
            lines, current, first, after_label = [], "", "", False
            continue
        first = first or stripped
        starts = (
            is_time_range(stripped)
            or LIST_ITEM.match(stripped)
            or HEADING_LINE.fullmatch(stripped)
            or (speakers and starts_item(stripped))
        )
        if current and starts:
            lines.append(current)
            current = ""
        current = f"{current} {stripped}" if current else stripped
        # A schedule line or a heading ends where its source line ends, hard break or not.
        ends = (
            (is_time_range(stripped) and len(stripped) < 70)
            or HEADING_LINE.fullmatch(stripped)
            or BARE_LABEL.fullmatch(stripped)
            or after_label  # "Lecturer:" alone, then the name alone on the next line
        )
        after_label = bool(BARE_LABEL.fullmatch(stripped))
        speakers = speakers or bool(LABEL.fullmatch(stripped))
        if raw.endswith("  ") or raw.endswith("\\") or ends:
            lines.append(current.rstrip("\\").strip())
            current = ""
    return out


def starts_item(line: str) -> bool:
    """A line under a speaker's name that is not more of the name: a link, an email or a
    handle (alone or labelled), a new "Label:", or a sentence about a person."""
    line = clean(line)
    if line_links(line) or CONTACT_LINE.fullmatch(line):
        return True
    # A lower-case word goes on a wrapped sentence ("... a company that\nis ..."); it starts none.
    return not line[:1].islower() and bool(NEW_LABEL.match(line) or SENTENCE_LINE.match(line))


def link_line(line: str) -> tuple[str, str] | None:
    """(label, url) of a line that is one http(s) link, maybe labelled: "Link: https://...",
    "LinkedIn - <https://...>", "[<https://...>](https://...)", "[Homepage](https://...)". The
    label is what the line names it, else the markdown link's text when that is no URL."""
    match = LINK_LINE.fullmatch(line.strip())
    if match is None:
        return None
    found = links(match.group("link"))
    text, url = found[0] if found else ("", match.group("link").strip("<>"))
    label = match.group("label") or ("" if URL.search(text) else text)
    return label.strip(" *_-–—"), url


def line_links(line: str) -> list[tuple[str, str]]:
    """(label, url) of each link of a line that is only links: one (see `link_line`), or several
    markdown links with at most a few words between ("[GitHub](...) | [LinkedIn](...)")."""
    one = link_line(line)
    if one is not None:
        return [one]
    found = [(text.strip(), url) for text, url in links(line) if url.startswith(("http://", "https://"))]
    return found if found and len(LINK.sub("", line).split()) <= 3 else []


def without_urls(text: str) -> str:
    """The text with its links that are only URLs taken out and other links as their text:
    "Dana Levi <https://...>" and "[Dana Levi](https://...)" are both "Dana Levi"."""
    text = LINK.sub(lambda m: "" if URL.search(m.group(1)) else m.group(1), text)
    return squash(URL.sub("", re.sub(rf"<{URL.pattern}/?>", "", text)))


def clean(line: str) -> str:
    """Entities and markdown escapes undone, non-breaking spaces made plain."""
    line = re.sub(r"\\([-*_#.!\[\]()+])", r"\1", line)
    return re.sub(r"[ \t\xa0]+", " ", html.unescape(line)).strip()


def unlink(text: str) -> str:
    """Markdown links to their text; autolinks (<http://...>) to the URL; bold marks dropped."""
    text = LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text).replace("**", "")
    return re.sub(r"(?<!\w)__|__(?!\w)", "", text)


def links(text: str) -> list[tuple[str, str]]:
    """(text, url) of each markdown link; an autolink text (<url>) wins over a redirect target."""
    out = []
    for label, url in LINK.findall(text):
        auto = re.fullmatch(r"<(https?://[^>]+)>", label.strip())
        # A soft wrap inside a long URL leaves a space in it; URLs have none.
        out.append((label, auto.group(1) if auto else re.sub(r"\s+", "", url)))
    return out


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def stem_overlap(a: str, b: str) -> bool:
    stems_b = {w[:5] for w in words(b) if len(w) >= 4}
    return any(len(w) >= 4 and w[:5] in stems_b for w in words(a))


def _stems(text: str) -> set[str]:
    """Words without their common endings, cut to five letters: "harder" and "hard" agree."""
    found = (w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in GENERIC)
    return {(re.sub(r"(?:ing|ers?|ed|es|s)$", "", w) if len(w) > 4 else w)[:5] for w in found}


def similarity(a: str, b: str) -> float:
    """How much two titles share, 0..1 (cosine of their word stems): "Persistent memory" and
    "Persistent memory in Linux" score 0.82, unrelated titles 0."""
    sa, sb = _stems(a), _stems(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / math.sqrt(len(sa) * len(sb))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
