"""The adapter protocol: every chat platform connects, listens, sends and disconnects alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.announce.outbound import SendReceipt
from bot.chat.messages import ChatRef, IncomingMessage
from bot.chat.reply import Reply

MessageHandler = Callable[[IncomingMessage], Awaitable[list[Reply]]]


class StartError(Exception):
    """Something the bot needs at start is refused or missing (a rejected token, a port in
    use). Its text is one line for the person starting the bot; no traceback is shown."""


class Adapter(Protocol):
    platform: str

    async def start(self, on_message: MessageHandler) -> None:
        """Connect and begin delivering incoming messages to `on_message`; returns once
        started (listening continues in the background)."""
        ...

    async def stop(self) -> None:
        """Stop listening and release connections; safe to call twice."""
        ...

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        """Post a reply unprompted (reminders, broadcasts); raises bot.outbound.SendError."""
        ...
