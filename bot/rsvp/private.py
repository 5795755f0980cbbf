"""A private message to one person, once, through the delivery ledger.

The ledger row is (key, the person's `platform:id`): the claim before the send decides who sends,
across restarts and processes, so a person gets a check-in code or a /tellgoing text once. As for
announcements (bot/announce/delivery.py): a send that surely failed is FAILED (the person never
started the bot, or blocked it), one that may have been posted (a timeout) is UNCERTAIN and never
resent by itself, a retryable error is retried a few times. A private chat that refuses is not a
chat the announcements stop posting to, so no chat status is written here.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.announce.outbound import ChatGone, Sender, SendError
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply
from bot.rsvp.model import Person

if TYPE_CHECKING:
    from bot.store.store import Store

log = logging.getLogger(__name__)

ATTEMPTS = 3


class Sent(enum.StrEnum):
    SENT = "sent"
    ALREADY = "already"  # claimed or settled before (this process earlier, another, or before a restart)
    UNREACHABLE = "unreachable"  # the person never started the bot, blocked it, or no adapter for them
    UNCERTAIN = "uncertain"  # may have been posted (a timeout): not resent


async def send_once(
    store: Store,
    senders: Callable[[], Mapping[str, Sender]],
    owner: str,
    key: str,
    person: Person,
    reply: Reply,
    retry_delay: float = 0.5,
) -> Sent:
    sender = senders().get(person.platform)
    if sender is None:
        return Sent.UNREACHABLE  # not claimed: a process serving that platform may send it
    chat = ChatRef(person.platform, person.user_id, is_private=True)
    who = person.key
    for attempt in range(ATTEMPTS):
        if not await asyncio.to_thread(store.claim, key, who, owner):
            return Sent.ALREADY
        try:
            receipt = await sender.send(chat, reply)
        except ChatGone as exc:
            await asyncio.to_thread(store.mark_failed, key, who, owner, f"cannot reach them privately: {exc}")
            return Sent.UNREACHABLE
        except SendError as exc:
            if exc.maybe_delivered:
                await asyncio.to_thread(store.mark_uncertain, key, who, owner, f"maybe posted: {exc}")
                log.warning("%s to %s may or may not have been posted (%s); not resending", key, who, exc)
                return Sent.UNCERTAIN
            if exc.retryable and await asyncio.to_thread(store.release, key, who, owner, str(exc), ATTEMPTS):
                await asyncio.sleep(retry_delay * 2**attempt)
                continue
            if not exc.retryable:
                await asyncio.to_thread(store.mark_failed, key, who, owner, str(exc))
            return Sent.UNREACHABLE
        except Exception as exc:  # an adapter bug: we cannot tell whether it posted
            log.exception("sending %s to %s failed unexpectedly", key, who)
            await asyncio.to_thread(store.mark_uncertain, key, who, owner, f"error: {exc!r}")
            return Sent.UNCERTAIN
        await asyncio.to_thread(store.mark_sent, key, who, owner, receipt.message_ids)
        return Sent.SENT
    return Sent.UNREACHABLE
