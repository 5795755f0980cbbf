"""Who runs the scheduler when several processes share one PostgreSQL database."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from bot.store.store import Store

log = logging.getLogger(__name__)


class Leadership:
    """Who runs the scheduler. PostgreSQL: a session-level advisory lock held on a dedicated
    connection; it is released when that connection closes, so a crashed leader's lock goes
    with its TCP session. SQLite: one process per file, so always the leader."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # check() runs in worker threads; one at a time
        self._held = store.dialect != "postgresql"

    @property
    def key(self) -> int:
        """The advisory lock's key (read when used: building this loads no SQLAlchemy)."""
        return self.store.lock_key("leader")

    @property
    def held(self) -> bool:
        return self._held

    def check(self) -> bool:
        """Try to become (or stay) the leader. Cheap enough to call every tick."""
        if self.store.dialect != "postgresql":
            return True
        with self._lock:
            return self._check()

    def _check(self) -> bool:
        from sqlalchemy import text  # PostgreSQL only: the store has loaded SQLAlchemy by now

        try:
            if self._conn is None:
                self._conn = self.store.engine.connect()
                got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
                self._conn.commit()
                self._held = bool(got)
                if not self._held:
                    self._conn.close()
                    self._conn = None
            else:
                self._conn.execute(text("SELECT 1")).scalar()  # the session (and lock) is alive
                self._conn.commit()
        except Exception:
            log.exception("leader lock connection failed; stepping down")
            self._drop()
        return self._held

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                log.debug("closing the leader connection failed", exc_info=True)
            self._conn = None

    def release(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        if self._conn is not None:
            from sqlalchemy import text  # a connection exists: SQLAlchemy is loaded

            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
                self._conn.close()
                self._conn = None
            except Exception as error:
                # Never back into the pool still holding the lock (no other process could lead):
                # closing the session makes the server drop it.
                log.warning("releasing the leader lock failed (%s); closing its connection", type(error).__name__)
                self._drop()
        self._held = self.store.dialect != "postgresql"
