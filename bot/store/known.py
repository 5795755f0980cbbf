"""Meetups the bot has seen confirmed in the calendar, and since when: what makes one "new".

The first time a store sees the calendar, every meetup then in it is recorded as the baseline:
known before the bot announced new meetups, so never announced as new (no flood on first start
or on upgrade). A marker row says the baseline was taken, even from an empty calendar.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, String, Table, select, text

if TYPE_CHECKING:
    from bot.store.store import Store

MARKER = "*"  # event ids are lower-case slugs, never "*"


class KnownEvents:
    """Part of a `Store`: its table lives in the store's metadata (created and dropped with it)."""

    def __init__(self, store: Store) -> None:
        from bot.store.store import UTCDateTime  # the store module builds us: import late

        self.store = store
        self.table = Table(
            f"{store.prefix}known_events",
            store.metadata,
            Column("event_id", String(200), primary_key=True),
            Column("first_seen", UTCDateTime, nullable=False),
            Column("baseline", Boolean, nullable=False, default=False),
        )

    def first_seen(self) -> dict[str, datetime] | None:
        """When each meetup seen after the baseline was first seen confirmed; None before the
        baseline was taken. Reads only."""
        return _after_baseline(self._rows())

    def known(self) -> set[str]:
        """Every meetup seen, the baseline included. Reads only."""
        return {r.event_id for r in self._rows() if r.event_id != MARKER}

    def observe(self, event_ids: Collection[str]) -> dict[str, datetime]:
        """Record the meetups not seen before as first seen now (the baseline, the very first
        time), and return `first_seen()`. Writes only when something is new."""
        rows = self._rows()
        if {MARKER, *event_ids} <= {r.event_id for r in rows}:
            return _after_baseline(rows) or {}
        now = self.store.clock()
        with self.store.engine.begin() as conn:
            if self.store.dialect == "postgresql":
                # Two processes taking the baseline or seeing one meetup: one decides, in order.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.store.lock_key("known-events")})
            have = {r.event_id for r in conn.execute(select(self.table.c.event_id))}
            baseline = MARKER not in have
            for event_id in sorted({*event_ids, MARKER} - have):
                conn.execute(
                    self.store._insert(self.table)
                    .values(event_id=event_id, first_seen=now, baseline=baseline)
                    .on_conflict_do_nothing(index_elements=["event_id"])
                )
        return self.first_seen() or {}

    def _rows(self) -> list[Any]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(self.table)).all())


def _after_baseline(rows: list[Any]) -> dict[str, datetime] | None:
    if not any(r.event_id == MARKER for r in rows):
        return None
    return {r.event_id: r.first_seen for r in rows if not r.baseline}
