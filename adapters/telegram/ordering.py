"""PTB's update processor for the adapter: each person's updates in one chat in arrival order,
different people and chats concurrently (adapters/ordering.py).

The key is (chat, sender) for a message or a button press in a group, so one person's presses
are ordered with their messages there and one slow person does not hold up the group; a private
chat is its own key (its one person, and the bot's membership in it); an update with no sender
(the bot's membership in a group) is keyed by its chat alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Chat, Message, Update
from telegram.ext import BaseUpdateProcessor

from adapters.ordering import KeyedSerial

# PTB's `process_update` (final) holds its own semaphore for the whole of `do_process_update`,
# waiting for the key's turn included. Sized for any backlog, it never makes an update wait;
# KeyedSerial bounds the updates that run, and a waiting one holds none of its slots.
_UNBOUNDED = 2**31 - 1


class OrderedUpdates(BaseUpdateProcessor):
    """At most `limit` updates handled at once, those of one key one after another."""

    def __init__(self, limit: int) -> None:
        super().__init__(_UNBOUNDED)
        self.order = KeyedSerial(limit)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # PTB starts one task per update, in the order it fetched them, and the first thing
        # each does is call this: `run` takes the key's place before its first await.
        # `reserve(...).run` rather than `KeyedSerial.run`: one coroutine less on every resumption.
        await self.order.reserve(update_key(update)).run(coroutine)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def update_key(update: object) -> Hashable | None:
    """Whose turn an update waits for (see the module docstring); None: nobody's."""
    if not isinstance(update, Update):
        return None
    if (message := update.message) is not None:
        return _key(message.chat, _sender_id(message))
    if (query := update.callback_query) is not None:
        if query.message is None:  # a button under an inline-mode message: no chat to order in
            return ("user", query.from_user.id)
        return _key(query.message.chat, query.from_user.id)
    chat = update.effective_chat
    return None if chat is None else (chat.id, None)


def _key(chat: Chat, sender: int | None) -> tuple[int, int | None]:
    if chat.type == Chat.PRIVATE or sender is None:
        return (chat.id, None)
    return (chat.id, sender)


def _sender_id(message: Message) -> int | None:
    if message.sender_chat is not None:  # an anonymous admin or a channel speaks as a chat
        return message.sender_chat.id
    return message.from_user.id if message.from_user is not None else None
