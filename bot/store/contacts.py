"""Who has talked to the bot in a private chat, and where that chat is: the Notifier's way to
reach an organiser when no organisers' chat is set (a bot may not start a Telegram chat itself)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Column, String, Table, delete, select

from bot.chat.messages import ChatRef

if TYPE_CHECKING:
    from bot.store.store import Store


class Contacts:
    """Part of a `Store`: its table lives in the store's metadata (created and dropped with it)."""

    def __init__(self, store: Store) -> None:
        from bot.store.store import UTCDateTime  # the store module builds us: import late

        self.store = store
        self.table = Table(
            f"{store.prefix}private_contacts",
            store.metadata,
            Column("user_key", String(200), primary_key=True),
            Column("platform", String(32), nullable=False),
            Column("chat_id", String(160), nullable=False),
            Column("updated_at", UTCDateTime, nullable=False),
        )

    def remember(self, user_key: str, chat: ChatRef) -> None:
        values = {"platform": chat.platform, "chat_id": chat.chat_id, "updated_at": self.store.clock()}
        stmt = self.store._insert(self.table).values(user_key=user_key, **values)
        with self.store.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["user_key"], set_=values))

    def private_chats(self, user_keys: Iterable[str]) -> dict[str, ChatRef]:
        """The private chat of each of these users who has one with the bot."""
        keys = list(user_keys)
        if not keys:
            return {}
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(self.table).where(self.table.c.user_key.in_(keys))).all()
        return {r.user_key: ChatRef(r.platform, r.chat_id, is_private=True) for r in rows}

    def forget(self, user_key: str) -> int:
        with self.store.engine.begin() as conn:
            return int(conn.execute(delete(self.table).where(self.table.c.user_key == user_key)).rowcount or 0)
