"""A post's body as paragraphs of logical lines, and the text helpers the post parser shares.

Markdown as the website's converter wrote it: soft-wrapped lines, hard breaks (two trailing
spaces or a backslash), entities (`&amp;`), escaped list markers (`\\-`), autolinks
(`<https://...>`). Simple HTML bodies (`<p>`, `<br>`, `<strong>`, `<li>`, `<a>`) are turned into
the same markdown first.
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
    after_label = False
    for raw in (from_html(body) + "\n\n").splitlines():
        stripped = raw.strip()
        if not stripped:
            if current:
                lines.append(current)
            if lines:
                out.append(Para([clean(line) for line in lines], clean(first)))
            lines, current, first, after_label = [], "", "", False
            continue
        first = first or stripped
        starts = is_time_range(stripped) or LIST_ITEM.match(stripped) or HEADING_LINE.fullmatch(stripped)
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
        if raw.endswith("  ") or raw.endswith("\\") or ends:
            lines.append(current.rstrip("\\").strip())
            current = ""
    return out


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
