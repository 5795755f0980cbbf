"""The calendar writers' lock across machines: a PostgreSQL advisory lock.

Two bot processes on two machines share no filesystem, only the database; the folder lock of
bot/edits/atomic.py cannot order them, this lock does. SQLite is one machine's file: no lock
is needed beyond the folder lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.store import Store


def calendar_lock(store: Store) -> Callable[[], AbstractContextManager[object]] | None:
    """A factory of the lock for the writer, or None when the store is not PostgreSQL. Nothing
    connects until an edit takes it (assembly stays free of I/O)."""
    if store.dialect != "postgresql":
        return None
    key = store.lock_key("calendar-edit")

    from sqlalchemy import text  # PostgreSQL only, where the store loaded SQLAlchemy already

    @contextlib.contextmanager
    def locked() -> Iterator[object]:
        # A session lock on a connection of its own: held across the edit's transactions, and
        # released by the server if this process dies (its session ends).
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield None
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()

    return locked
