"""Small wording helpers for every message the bot and its tools print: counts with the right
plural ("1 venue", "2 venues") and user text echoed back at a bounded length."""

from __future__ import annotations

import re
import unicodedata

ECHO_MAX = 80


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 meetup", "3 meetups", "0 meetups"; irregular words give their plural form."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def clip(text: str, limit: int = ECHO_MAX) -> str:
    """User text as it may be quoted back: on one line, at most `limit` characters, "…" when cut.

    An answer quotes what was typed ("No talks about “…” yet"); quoting 100,000 characters back
    would split one answer into dozens of messages.
    """
    cut = len(text) > limit * 4  # cut before splitting: splitting a huge text costs
    text = " ".join(text[: limit * 4].split())
    if len(text) <= limit and not cut:
        return text
    return text[: limit - 1].rstrip() + "…"


_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn"))  # controls, format (zero-width, bidi), unassigned
# What a person's text loses: controls (tab and newline stay), the bidi embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069), which make a line read otherwise than it is stored, and the
# other invisible format characters (soft hyphen, zero-width space, word joiner, invisible operators,
# deprecated format controls, BOM, interlinear annotations that hide text, tag characters). The
# implicit marks LRM, RLM and ALM stay (right-to-left text uses them), as do ZWNJ and ZWJ; and so do
# tag characters in an emoji flag (🏴 + a subdivision code + cancel tag, e.g. Scotland's).
_CONTROLS = re.compile(
    r"(\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,7}\U000e007f)"  # group 1: a flag, kept
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)


def visible(text: str) -> bool:
    """Whether `text` shows anything: a zero-width space alone would be a blank name or message."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in text)


def without_controls(text: str) -> str:
    """Text typed by a person, kept: control characters, bidi overrides and invisible format
    characters left out (an override in a name would turn the rest of an organiser's line around);
    RLM/LRM and zero-width joiners stay (Hebrew, emoji, Persian)."""
    return _CONTROLS.sub(_kept, text)


def _kept(match: re.Match[str]) -> str:
    return match.group(1) or ""
