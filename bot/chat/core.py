"""Bot.handle: one incoming message in, the replies out. No I/O happens here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.calendar.source import CalendarSource
from bot.chat.commands import CommandRegistry, Request, UsageError, parse_command
from bot.chat.messages import IncomingMessage
from bot.chat.reply import Reply, ReplyTarget, text_reply
from bot.clock import Clock, system_clock

if TYPE_CHECKING:
    from bot.calendar.calendar import Calendar

log = logging.getLogger(__name__)

# What a user sees when answering failed on our side; the details go to the log, never to chat.
SORRY = "Sorry, something went wrong answering that. The details are in the bot's log for its maintainers."


# Sees each message before the commands do: returns the answer to give instead (a conversation
# in progress takes its answers), or None to let the message go on to its command.
Interceptor = Callable[[IncomingMessage, "Calendar", datetime], Awaitable[Sequence[Reply] | None]]


class Bot:
    def __init__(
        self,
        source: CalendarSource,
        registry: CommandRegistry,
        clock: Clock = system_clock,
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
        self.source = source
        self.registry = registry
        self.clock = clock
        self.interceptors = tuple(interceptors)

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        # One calendar and one instant for the whole answer, read once (this runs on every message).
        calendar, now = self.source.current, self.clock()
        for intercept in self.interceptors:
            try:
                taken = await intercept(message, calendar, now)
            except Exception:
                log.exception("an interceptor failed on a message in %s", message.chat.key)
                return [failure(message, SORRY)]
            if taken is not None:
                return list(taken)
        name, args, arg_text = message.command, message.args, message.arg_text
        if name is None:
            parsed = parse_command(message.text)
            if parsed is None:
                # Plain chatter: silence in groups, a nudge in a one-to-one chat.
                return [text_reply("I answer commands. Try /help.")] if message.chat.is_private else []
            name, args, arg_text = parsed.name, parsed.args, parsed.arg_text
        command = self.registry.get(name)
        if command is None:
            # In a group, /foo is probably another bot's command: answer only if it named us.
            if message.chat.is_private or message.addressed or message.pressed:  # our button named us
                return [failure(message, f"I don't know /{name}. Try /help for what I can do.")]
            return []
        request = Request(
            message=message,
            command=command.name,
            args=args,
            arg_text=arg_text,
            now=now,
            calendar=calendar,
        )
        try:
            answer = await command.handler(request)
        except UsageError as exc:
            detail = f"{exc}\n" if str(exc) else ""
            return [failure(message, f"{detail}Usage: {command.signature}".strip())]
        except Exception:
            # Nothing a user types may take the bot down; the log keeps the details.
            log.exception("command /%s failed for %s", command.name, message.chat.key)
            return [failure(message, SORRY)]
        if answer is None:
            return []
        if isinstance(answer, Reply):
            return [answer]
        return list(answer)


def failure(message: IncomingMessage, text: str) -> Reply:
    """An answer saying it did not work. For a button press (a stale card, a submission already
    gone) it goes to the presser alone, never as a message to the whole group."""
    reply = text_reply(text)
    return Reply(reply.blocks, target=ReplyTarget.PRESSER) if message.pressed else reply
