"""Delivery ids a platform may send more than once (Slack retries an event it thinks was not
acknowledged), remembered in the store so every process behind one database answers it once.

The primary key decides: of two processes inserting one id, exactly one gets the row back.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Column, String, Table, delete

if TYPE_CHECKING:
    from bot.store.store import Store


class SeenDeliveries:
    """The seen-ids part of a `Store`: its table joins the store's metadata, so `create()` and
    `drop()` cover it. `first_time` is async (it runs the query in a worker thread)."""

    def __init__(self, store: Store, ttl: timedelta = timedelta(hours=1)) -> None:
        from bot.store.store import UTCDateTime  # the store module builds us: import late

        self.store = store
        self.ttl = ttl
        self.table = Table(
            f"{store.prefix}seen_deliveries",
            store.metadata,
            Column("delivery_id", String(200), primary_key=True),
            Column("seen_at", UTCDateTime, nullable=False, index=True),
        )
        self._inserts = 0

    async def first_time(self, delivery_id: str) -> bool:
        """Record the id; True for exactly one caller across processes sharing the database."""
        return await asyncio.to_thread(self.record, delivery_id)

    def record(self, delivery_id: str) -> bool:
        now = self.store.clock()
        with self.store.engine.begin() as conn:
            self._inserts += 1
            if self._inserts % 500 == 1:  # now and then, forget what Slack no longer retries
                conn.execute(delete(self.table).where(self.table.c.seen_at < now - self.ttl))
            inserted = conn.execute(
                self.store._insert(self.table)
                .values(delivery_id=delivery_id[:200], seen_at=now)
                .on_conflict_do_nothing(index_elements=["delivery_id"])
                .returning(self.table.c.delivery_id)
            ).first()
        return inserted is not None
