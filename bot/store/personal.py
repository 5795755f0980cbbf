"""What /forget removes from the store's own tables (subscriptions, the delivery ledger,
broadcasts); each capability's tables (RSVP, proposals, contacts, guests) forget in their module.

A person is named by their user key (`telegram:42`) and by the keys of their private chats with
the bot (on Telegram the same key; on Slack a `D…` channel). Rows about them go: their private
chat's subscription (or they keep getting announcements), and the ledger rows keyed by them or
by such a chat (what they were sent, or were to be sent, which also says they had answered).
Rows that are someone else's too stay, without their name: a group they subscribed keeps its
subscription, a broadcast they wrote stays in the record of what the group was told.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, update

if TYPE_CHECKING:
    from bot.store.store import Store

FORGOTTEN_AUTHOR = "(forgotten)"  # broadcasts.author may not be empty


@dataclass(frozen=True, slots=True)
class Forgotten:
    subscriptions: int  # their private chats' subscriptions, deleted
    deliveries: int  # ledger rows keyed by them or their private chats, deleted
    unnamed: int  # group subscriptions and broadcasts kept, with their name taken off


def forget_person(store: Store, user_key: str, private_chat_keys: Collection[str]) -> Forgotten:
    """Delete and unname, in one transaction, what the store's own tables hold about a person."""
    chats = sorted({*private_chat_keys})
    keys = sorted({user_key, *chats})
    subs, ledger, broadcasts = store.subs, store.ledger, store.broadcasts
    with store.engine.begin() as conn:
        gone_subs = conn.execute(delete(subs).where(subs.c.chat_key.in_(chats))).rowcount if chats else 0
        gone_rows = conn.execute(delete(ledger).where(ledger.c.chat_key.in_(keys))).rowcount
        unnamed = conn.execute(update(subs).where(subs.c.updated_by == user_key).values(updated_by=None)).rowcount
        unnamed += conn.execute(
            update(broadcasts).where(broadcasts.c.author == user_key).values(author=FORGOTTEN_AUTHOR)
        ).rowcount
    return Forgotten(int(gone_subs or 0), int(gone_rows or 0), int(unnamed or 0))
