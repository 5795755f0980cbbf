"""Neutral message types: what every adapter turns a platform update into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a message came from or goes to."""

    platform: str  # "telegram" | "slack" | "console"
    chat_id: str  # ids are strings everywhere; Telegram's can exceed 32 bits
    thread_id: str | None = None
    is_private: bool = False
    title: str | None = None

    @property
    def key(self) -> str:
        """The `platform:chat id` form used in events.yaml, settings and the store."""
        return f"{self.platform}:{self.chat_id}"

    @classmethod
    def parse(cls, text: str) -> ChatRef:
        """Parse `telegram:-100123` / `slack:C0123`; raises ValueError on anything else."""
        platform, sep, chat_id = text.strip().partition(":")
        if not sep or not platform or not chat_id:
            raise ValueError(f"expected platform:chat_id, got {text!r}")
        return cls(platform=platform.lower(), chat_id=chat_id)


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: str
    user_id: str
    display_name: str | None = None
    username: str | None = None  # the platform handle ("ada" for @ada), where there is one
    # Whether the platform says this user administers the chat the message came from.
    # Adapters fill it only when a command needs it (it may cost an API call).
    is_chat_admin: bool = False

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    chat: ChatRef
    sender: UserRef
    text: str
    received_at: datetime  # aware, UTC
    command: str | None = None  # "next": lower case, no "/" or "@BotName"
    args: tuple[str, ...] = ()
    arg_text: str = ""  # everything after the command, as typed (keeps newlines)
    # True when the message names the bot explicitly (/cmd@OurBot, an @mention, a DM).
    addressed: bool = False
    message_id: str | None = None  # for a button press: the message the button is on
    pressed: bool = False  # a button press (Button.command), not typed text
    # Lets a reply open a Form for a few seconds (Slack's trigger_id of a slash command or a press).
    form_trigger: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # a submitted Form's values, in its field order
