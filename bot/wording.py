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
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # bidi overrides too


def visible(text: str) -> bool:
    """Whether `text` shows anything: a zero-width space alone would be a blank name or message."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in text)


def without_controls(text: str) -> str:
    """Text typed by a person, kept: control characters and bidi overrides left out (an override in a
    name would turn the rest of an organiser's line around); zero-width joiners stay (emoji, Persian)."""
    return _CONTROLS.sub("", text)
