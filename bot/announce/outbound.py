"""What the core needs from a chat platform to send: the Sender protocol and its outcomes.

Adapters implement `Sender`; the core (delivery of reminders and broadcasts) depends only on
this module, never on a platform SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.chat.messages import ChatRef
from bot.chat.reply import Reply


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """A successful send. `chat` differs from the target when the platform moved the chat
    (a Telegram group upgraded to a supergroup): the caller should move its subscription."""

    chat: ChatRef
    message_ids: tuple[str, ...] = ()


class SendError(Exception):
    """A send that failed. `retryable`: trying again later may work. `maybe_delivered`: the
    platform may have posted it anyway (a read timeout), so a blind retry could post twice."""

    def __init__(self, message: str, *, retryable: bool = False, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.maybe_delivered = maybe_delivered


class ChatGone(SendError):
    """The bot can no longer post there (removed, blocked, channel archived or not found).
    The chat should be marked inactive; retrying will not help."""


class Sender(Protocol):
    platform: str

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        """Post the reply; raise SendError (or ChatGone) when it could not be posted."""
        ...


class ChatStatusListener(Protocol):
    """Told by adapters about chats the bot joins, leaves or that move."""

    async def chat_joined(self, chat: ChatRef) -> None: ...

    async def chat_inactive(self, chat: ChatRef, reason: str) -> None: ...

    async def chat_moved(self, old: ChatRef, new: ChatRef) -> None: ...


class NoChatStatus:
    """A listener that only logs; used when no store is configured."""

    async def chat_joined(self, chat: ChatRef) -> None:
        return None

    async def chat_inactive(self, chat: ChatRef, reason: str) -> None:
        return None

    async def chat_moved(self, old: ChatRef, new: ChatRef) -> None:
        return None
