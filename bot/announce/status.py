"""ChatStatus: the one writer of a chat's status (joined, inactive, moved) in the store.

Adapters only report what the platform said: a membership event (the bot added to or removed
from a chat, a group upgraded to a supergroup) is reported here by the adapter; a send that
found the chat gone (`ChatGone`) or moved (a `SendReceipt` for another chat) is reported here by
`Delivery`. Either way one event is one write, and a move carries the chat's ledger rows along,
so the subscriptions and the ledger never drift apart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.chat.messages import ChatRef

if TYPE_CHECKING:
    from bot.store.store import Store

log = logging.getLogger(__name__)


class ChatStatus:
    """A `ChatStatusListener` backed by the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def chat_joined(self, chat: ChatRef) -> None:
        log.info("chat %s is reachable", chat.key)
        await asyncio.to_thread(self.store.mark_joined, chat)

    async def chat_inactive(self, chat: ChatRef, reason: str) -> None:
        log.info("chat %s is inactive: %s", chat.key, reason)
        await asyncio.to_thread(self.store.mark_inactive, chat, reason)

    async def chat_moved(self, old: ChatRef, new: ChatRef) -> None:
        log.info("chat %s moved to %s", old.key, new.key)
        await asyncio.to_thread(self.store.move, old, new)
