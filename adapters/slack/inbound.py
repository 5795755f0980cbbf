"""Slack payloads -> IncomingMessage: pure translation, no I/O.

Also the two guards every request passes: which workspace(s) it comes from, and whether this
process has already seen its event id (Slack retries and replays deliver the same event again).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.chat.commands import ParsedCommand, parse_words
from bot.chat.messages import ChatRef, IncomingMessage, UserRef

PLATFORM = "slack"

# A leading `<@U123>` or `<@U123|name>` mention, with the punctuation people type after it.
_MENTION = re.compile(r"^\s*<@([A-Z0-9]+)(?:\|[^>]*)?>[\s:,]*")


def unescape(text: str) -> str:
    """Slack sends typed `&`, `<`, `>` as entities; `&amp;` last so nothing decodes twice."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def strip_mentions(text: str) -> str:
    """`<@UBOT> talks ebpf` -> `talks ebpf` (every leading mention goes)."""
    while (match := _MENTION.match(text)) is not None:
        text = text[match.end() :]
    return text


def team_ids_of(body: Mapping[str, Any]) -> set[str]:
    """Every workspace id a request names: the envelope's, and the user's own (Slack Connect
    lets a user of another organisation reach us from a shared channel)."""
    event, team, user = (_dict(body.get(key)) for key in ("event", "team", "user"))
    candidates = (
        body.get("team_id"),
        team.get("id"),
        user.get("team_id"),
        event.get("team"),
        event.get("user_team"),
        event.get("source_team"),
    )
    return {c for c in candidates if isinstance(c, str) and c}


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def delivery_id(body: Mapping[str, Any]) -> str | None:
    """What identifies one delivery across retries: the event id, or a slash command's trigger."""
    for key in ("event_id", "trigger_id"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


class DeliveryIds(Protocol):
    """Delivery ids remembered where every process sees them (bot.store.seen.SeenDeliveries)."""

    async def first_time(self, key: str) -> bool: ...


class SeenIds:
    """Ids seen in the last `ttl` seconds, in memory: per process, so the adapter also asks the
    store's `DeliveryIds` when it has one (two HTTP-mode instances on one database)."""

    def __init__(self, ttl: float = 3600.0, limit: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.limit = limit
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Record `key`; True if it was not seen within the TTL."""
        now = self.clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.ttl and len(self._seen) < self.limit:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


def _parse(text: str) -> ParsedCommand:
    # An empty `/meetup` or a bare mention asks for help.
    parsed = parse_words(unescape(text))
    return parsed if parsed is not None else ParsedCommand("help", (), "", None)


def _message(chat: ChatRef, user_id: str, name: str | None, text: str, message_id: str | None) -> IncomingMessage:
    parsed = _parse(text)
    return IncomingMessage(
        chat=chat,
        sender=UserRef(PLATFORM, user_id, display_name=name),
        text=unescape(text),
        received_at=datetime.now(UTC),
        command=parsed.name,
        args=parsed.args,
        arg_text=parsed.arg_text,
        addressed=True,  # a slash command, a mention and a DM all name the bot
        message_id=message_id,
    )


def from_slash_command(command: Mapping[str, Any]) -> IncomingMessage:
    """`/meetup talks ebpf` -> the `talks` command with args `("ebpf",)`."""
    channel = str(command.get("channel_id", ""))
    chat = ChatRef(
        PLATFORM,
        channel,
        is_private=channel.startswith("D") or command.get("channel_name") == "directmessage",
        title=command.get("channel_name") or None,
    )
    message = _message(
        chat,
        str(command.get("user_id", "")),
        command.get("user_name") or None,
        str(command.get("text", "")),
        command.get("trigger_id") or None,
    )
    # The trigger id lets a reply open a modal (views.open) for a few seconds.
    return replace(message, form_trigger=command.get("trigger_id") or None)


def from_event(event: Mapping[str, Any]) -> IncomingMessage:
    """An `app_mention` or a DM `message` event. A reply goes to the thread the message was in."""
    channel = str(event.get("channel", ""))
    chat = ChatRef(
        PLATFORM,
        channel,
        thread_id=event.get("thread_ts") or None,
        is_private=event.get("channel_type") == "im",
    )
    text = strip_mentions(str(event.get("text", "")))
    return _message(chat, str(event.get("user", "")), None, text, event.get("ts") or None)


def is_user_dm(event: Mapping[str, Any]) -> bool:
    """A DM a person typed: not an edit, a join, a bot (ourselves included) or a hidden event."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )
