"""/forget: every capability that keeps something a person sent deletes it.

Each capability registers a `Forgetter` in `bot.registry` (proposals, RSVP, private contacts):
it deletes what it holds for the user and says what, in a short line, or None when it held
nothing. The store's own tables (subscriptions, the delivery ledger, broadcasts) are forgotten
first, since finding the person's private chats reads the contacts another forgetter deletes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from bot.chat.commands import Answer, Handler, Request
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import BulletList, Reply, inlines, paragraph, text_reply
from bot.wording import plural

if TYPE_CHECKING:
    from bot.store.personal import Forgotten
    from bot.store.store import Store

Forgetter = Callable[[UserRef], Awaitable[str | None]]


def forget_command(forgetters: Sequence[Forgetter], store: Store | None = None) -> Handler:
    async def forget(req: Request) -> Answer:
        user = req.message.sender
        done: list[str] = []
        if store is not None:
            chats = await asyncio.to_thread(private_chats, store, req.message)
            from bot.store.personal import forget_person  # SQLAlchemy: not on the way to the first answer

            done += said(await asyncio.to_thread(forget_person, store, user.key, chats))
        done += [line for f in forgetters if (line := await f(user))]
        if not done:
            return text_reply("I hold nothing you sent me. Nothing to forget.")
        return Reply((paragraph("Done. I deleted:"), BulletList(tuple(inlines(line) for line in done))))

    return forget


def private_chats(store: Store, message: IncomingMessage) -> set[str]:
    """The keys of the sender's private chats with the bot: where a message to them goes (on
    Telegram the private chat's id is the user's), the one they wrote from, the one remembered."""
    user = message.sender
    chats = {ChatRef(user.platform, user.user_id, is_private=True).key}
    if message.chat.is_private and message.chat.platform == user.platform:
        chats.add(message.chat.key)
    chats.update(chat.key for chat in store.contacts.private_chats([user.key]).values())
    return chats


def said(forgotten: Forgotten) -> list[str]:
    lines = []
    if forgotten.subscriptions:
        lines.append(f"{plural(forgotten.subscriptions, 'subscription')} of our private chat to announcements")
    if forgotten.deliveries:
        lines.append(f"{plural(forgotten.deliveries, 'record')} of messages sent to you (the delivery ledger)")
    if forgotten.unnamed:
        count = plural(forgotten.unnamed, "record")
        lines.append(f"your name on {count} of group subscriptions and broadcasts (they stay, without it)")
    return lines
