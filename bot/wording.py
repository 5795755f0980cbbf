"""Small wording helpers for every message the bot and its tools print: counts with the right
plural ("1 venue", "2 venues") and user text echoed back at a bounded length."""

from __future__ import annotations

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
