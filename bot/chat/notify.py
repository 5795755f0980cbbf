"""Telling one person privately, and telling the organisers.

`to_user` posts in the person's private chat with the bot (Telegram: the private chat id is the
user id; Slack: a post to a user id opens the DM). `to_organisers` posts in events.yaml's
`community.organisers_chat` when set, else privately to each organiser who has talked to the bot
in a private chat (a Telegram bot cannot start a chat, so the store remembers who has: the core
calls `intercept` on every message, which remembers organisers' private chats). Sends go through
the adapters' `Sender`s; a failure is logged and reported in the result, never raised: a notice
must not undo what it reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.announce.outbound import Sender, SendError, SendReceipt
from bot.calendar.calendar import Calendar
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.organisers import Organisers
from bot.chat.reply import Reply

if TYPE_CHECKING:
    from bot.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notice:
    """Where one notice went: a receipt, or why not."""

    chat: ChatRef
    receipt: SendReceipt | None = None
    error: str | None = None
    maybe_delivered: bool = False  # the error came after the request left: it may have been posted

    @property
    def ok(self) -> bool:
        return self.receipt is not None


class Notifier:
    def __init__(
        self,
        store: Store,
        senders: Callable[[], Mapping[str, Sender]],
        organisers: Callable[[Calendar], Organisers],
    ) -> None:
        self.store = store
        self.senders = senders  # read on each send: the adapters start after the core is built
        self.organisers = organisers
        self._remembered: set[tuple[str, str]] = set()

    async def to_user(self, user: UserRef, reply: Reply) -> Notice:
        """A private message to `user`."""
        return await self._send(ChatRef(user.platform, user.user_id, is_private=True), reply)

    async def to_chat(self, chat: ChatRef, reply: Reply) -> Notice:
        return await self._send(chat, reply)

    async def to_organisers(self, calendar: Calendar, reply: Reply) -> list[Notice]:
        """Post to the organisers' chat, else to each organiser's private chat with the bot.
        An empty list means there was nowhere to post (logged)."""
        setting = calendar.community.organisers_chat
        if setting:
            return [await self._send(ChatRef.parse(setting), reply)]
        keys = sorted(self.organisers(calendar).keys)
        chats = await asyncio.to_thread(self.store.contacts.private_chats, keys)
        if not chats:
            log.warning(
                "nowhere to tell the organisers: set community.organisers_chat, or have an organiser "
                "message the bot privately once"
            )
            return []
        return [await self._send(chats[key], reply) for key in keys if key in chats]

    async def _send(self, chat: ChatRef, reply: Reply) -> Notice:
        sender = self.senders().get(chat.platform)
        if sender is None:
            log.warning("cannot notify %s: no %s adapter is running", chat.key, chat.platform)
            return Notice(chat, error=f"no {chat.platform} adapter")
        try:
            return Notice(chat, await sender.send(chat, reply))
        except SendError as exc:
            log.warning("notifying %s failed: %s", chat.key, exc)
            return Notice(chat, error=str(exc), maybe_delivered=exc.maybe_delivered)

    async def remember(self, message: IncomingMessage) -> None:
        """Note a private chat with a person (once per process per chat)."""
        chat, sender = message.chat, message.sender
        if not chat.is_private or message.pressed or sender.platform != chat.platform:
            return
        key = (sender.key, chat.chat_id)
        if key in self._remembered:
            return
        try:
            await asyncio.to_thread(self.store.contacts.remember, sender.key, chat)
        except Exception as exc:  # the store being down must not stop the bot answering
            log.info("could not remember the private chat of %s: %s", sender.key, exc)
            return
        self._remembered.add(key)

    async def intercept(self, message: IncomingMessage, calendar: Calendar, now: datetime) -> None:
        """The core's interceptor: remembers organisers' private chats (only theirs: nobody
        else's is needed), never takes the message."""
        if message.chat.is_private and message.sender in self.organisers(calendar):
            await self.remember(message)

    async def forget_contact(self, user: UserRef) -> str | None:
        """A /forget forgetter: the record of the person's private chat with the bot."""
        self._remembered = {k for k in self._remembered if k[0] != user.key}
        gone = await asyncio.to_thread(self.store.contacts.forget, user.key)
        return "the record of our private chat" if gone else None
