"""The command registry and command parsing.

One registry drives everything that lists commands: `/help`, Telegram's command menu
(setMyCommands) and the Slack app manifest. A command's handler gets a `Request` and returns
what to answer; handlers close over whatever services they need.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Reply

if TYPE_CHECKING:
    from bot.calendar.calendar import Calendar


@dataclass(frozen=True, slots=True)
class Request:
    """One command invocation, with the calendar snapshot it is answered from."""

    message: IncomingMessage
    command: str
    args: tuple[str, ...]
    arg_text: str
    now: datetime
    calendar: Calendar


Answer = Reply | Sequence[Reply] | None
Handler = Callable[[Request], Awaitable[Answer]]


class UsageError(Exception):
    """Raised by a handler when its arguments are wrong; the user gets the command's usage."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # lower case, no slash: "next"
    help: str  # one line, shown by /help and in platform menus
    handler: Handler
    usage: str = ""  # arguments, e.g. "<id or number>"
    aliases: tuple[str, ...] = ()
    hidden: bool = False  # works, but not listed (e.g. /start)
    organisers_only: bool = False  # listed only to organisers; the handler still checks
    # A form of the command only organisers use (`/cfp <text>` broadcasts the call): its usage
    # and what it does, listed in their section of /help.
    organiser_usage: str = ""
    organiser_help: str = ""
    # The handler reads `sender.is_chat_admin`: adapters look it up for these commands only,
    # since it can cost a platform API call.
    needs_admin: bool = False
    # What a submitted Form runs (Reply.form): a platform's form submission may name only these.
    form: bool = False

    @property
    def signature(self) -> str:
        return f"/{self.name} {self.usage}".rstrip()


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._aliases: dict[str, str] = {}

    def add(self, command: Command) -> Command:
        """Register a command. A name or alias already taken is refused: one command, one
        handler, whatever the order of registration."""
        for name in (command.name, *command.aliases):
            if not _NAME.fullmatch(name):
                raise ValueError(f"bad command name {name!r}")
            if name in self._commands or name in self._aliases:
                raise ValueError(f"/{name} is already registered")
        self._commands[command.name] = command
        for alias in command.aliases:
            self._aliases[alias] = command.name
        return command

    def get(self, name: str) -> Command | None:
        name = name.lower()
        return self._commands.get(self._aliases.get(name, name))

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def listed(self, *, include_organiser: bool = False) -> list[Command]:
        """Commands shown in /help and in platform menus, in registration order."""
        return [c for c in self._commands.values() if not c.hidden and (include_organiser or not c.organisers_only)]


# Telegram allows 1-32 characters of a-z, 0-9 and underscore in command names.
_NAME = re.compile(r"[a-z0-9_]{1,32}")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    args: tuple[str, ...]
    arg_text: str
    mentioned_bot: str | None  # the @BotName the command was addressed to, if any


def parse_command(text: str, bot_username: str | None = None) -> ParsedCommand | None:
    """Parse `/next@OurBot arg1 arg2`.

    Returns None when the text is not a command, or when it is addressed to another bot
    (`bot_username` given and the @name differs, compared case-insensitively).
    """
    stripped = text.lstrip()
    match = _COMMAND.match(stripped)
    if match is None:
        return None
    name, mentioned = match.group(1).lower(), match.group(2)
    if mentioned and bot_username and mentioned.lower() != bot_username.lstrip("@").lower():
        return None
    arg_text = stripped[match.end() :].strip()
    return ParsedCommand(name, tuple(arg_text.split()), arg_text, mentioned)


def command_message(
    parsed: ParsedCommand | None,
    *,
    chat: ChatRef,
    sender: UserRef,
    text: str,
    received_at: datetime,
    addressed: bool = True,
    message_id: str | None = None,
    pressed: bool = False,
) -> IncomingMessage:
    """The neutral message an adapter hands the core: `text` with its parsed command (None
    when the text is not a command)."""
    return IncomingMessage(
        chat=chat,
        sender=sender,
        text=text,
        received_at=received_at,
        command=parsed.name if parsed else None,
        args=parsed.args if parsed else (),
        arg_text=parsed.arg_text if parsed else "",
        addressed=addressed,
        message_id=message_id,
        pressed=pressed,
    )


def parse_words(text: str) -> ParsedCommand | None:
    """Parse a command written without a slash ("next", "talks ebpf"), as Slack's
    `/meetup next` and mentions carry it."""
    stripped = text.strip()
    if not stripped:
        return None
    if not stripped.startswith("/"):
        stripped = "/" + stripped
    return parse_command(stripped)
