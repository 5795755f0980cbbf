"""The calendar writers' lock across machines: a PostgreSQL advisory lock.

Two bot processes on two machines share no filesystem, only the database; the folder lock of
bot/edits/atomic.py cannot order them, this lock does. SQLite is one machine's file: no lock
is needed beyond the folder lock.

The wait is bounded (`CalendarBusy`, an EditFailed naming the holder when the server says who it
is), and a connection that may still hold the lock after a failure is closed, never returned to
the pool: a pooled session holding it would block every later writer for ever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from bot.edits.contract import EditFailed

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from bot.store.store import Store

log = logging.getLogger(__name__)

# An edit holds the lock for seconds (a few push rounds at most); a minute's wait means the holder
# is stuck or a human holds it, and the organiser is better told than left waiting.
LOCK_TIMEOUT = 60.0  # seconds
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ends a wait

# Who holds the advisory lock of a key (pg_advisory_lock(bigint) puts the key's high half in
# classid, its low half in objid, and objsubid 1), with what pg_stat_activity says of the session.
_HOLDER = """
SELECT l.pid, a.application_name, host(a.client_addr)
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = (CAST(:k AS bigint) >> 32)::oid AND l.objid = (CAST(:k AS bigint) & 4294967295)::oid
LIMIT 1
"""


class CalendarBusy(EditFailed):
    """Another session held the calendar lock for the whole wait; nothing was changed.
    `holder` names it (its application name), None when not known. The message is read in chat:
    the backend pid and client address only go to the log."""

    def __init__(self, holder: str | None, timeout: float) -> None:
        self.holder = holder
        who = f" ({holder})" if holder else ""
        # Callers put "Nothing changed: " or "I did not accept T3: " before it.
        super().__init__(
            f"the calendar is being edited by another process{who}, busy for {timeout:g} s. Try again in a minute."
        )


def calendar_lock(store: Store, timeout: float = LOCK_TIMEOUT) -> Callable[[], AbstractContextManager[object]] | None:
    """A factory of the lock for the writer, or None when the store is not PostgreSQL. Nothing
    connects until an edit takes it (assembly stays free of I/O). Taking it waits at most
    `timeout` seconds, then raises CalendarBusy."""
    if store.dialect != "postgresql":
        return None
    key = store.lock_key("calendar-edit")
    wait = f"{max(1, round(timeout * 1000))}ms"  # lock_timeout 0 would mean no limit at all
    # What a waiting writer's CalendarBusy names (the server truncates it to 63 characters).
    label = f"meetup-bot calendar edit, {socket.gethostname()} pid {os.getpid()}"

    @contextlib.contextmanager
    def locked() -> Iterator[object]:
        # A session lock on a connection of its own: held across the edit's transactions, and
        # released by the server if this process dies (its session ends).
        with store.engine.connect() as conn:
            _acquire(conn, key, wait, label, timeout)
            try:
                yield None
            finally:
                _release(conn, key)  # never raises an Exception: the edit's own outcome stands

    return locked


def _acquire(conn: Connection, key: int, wait: str, label: str, timeout: float) -> None:
    from sqlalchemy import exc, text  # PostgreSQL only, where the store loaded SQLAlchemy already

    # lock_timeout rather than a loop of pg_try_advisory_lock: the server wakes the waiter the
    # moment the lock is free, in the order writers asked (a poll with backoff can be overtaken
    # for ever by a busier machine), in one round trip. Set for this transaction only (is_local),
    # so the pooled connection's other queries keep their own setting.
    try:
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": wait})
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        # For the session's life, so a writer that waits in vain can name this one.
        conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": label})
        conn.commit()
    except BaseException as error:
        if not (isinstance(error, exc.OperationalError) and _sqlstate(error.orig) == LOCK_NOT_AVAILABLE):
            _discard(conn)  # the lock may have been granted before the failure
            raise
        holder = _holder(conn, key)  # the wait timed out: this session holds nothing
        log.warning(
            "the calendar lock is still held after %g s, by %s", timeout, holder[1] if holder else "an unknown session"
        )
        raise CalendarBusy(holder[0] if holder else None, timeout) from None


def _release(conn: Connection, key: int) -> None:
    """Unlock; when that fails, close the connection (the server then drops the session and its
    lock) and log one line; an Exception is not raised, so it never hides the edit's outcome."""
    from sqlalchemy import text  # a connection exists: SQLAlchemy is loaded

    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.execute(text("RESET application_name"))  # back to the connection's own, for the pool
        conn.commit()
    except BaseException as error:
        _discard(conn)
        log.warning(
            "releasing the calendar's PostgreSQL advisory lock failed (%s): its connection is closed, so the server "
            "drops the lock",
            _one_line(error),
        )
        if not isinstance(error, Exception):  # an interrupt still interrupts
            raise


def _discard(conn: Connection) -> None:
    """Close the DBAPI connection instead of pooling it: it may hold the lock."""
    try:
        conn.invalidate()  # logs a failure of the close itself, and discards the connection anyway
    except Exception as error:  # closed already: nothing is left to hold the lock
        log.debug("invalidating the calendar lock's connection: %s", error)


def _holder(conn: Connection, key: int) -> tuple[str | None, str] | None:
    """Who holds the lock as far as the server says: its application name, and that with its
    backend pid and client address (for the log); None when it is not known."""
    from sqlalchemy import text

    try:
        conn.rollback()  # the timed-out statement aborted the transaction
        row = conn.execute(text(_HOLDER), {"k": key}).one_or_none()
        conn.rollback()
    except Exception as error:  # only a better message was at stake
        log.debug("finding the calendar lock's holder failed: %s", error)
        return None
    if row is None:  # released since the wait ended
        return None
    pid, application, client = row
    parts = [application] if application else []
    parts.append(f"PostgreSQL backend pid {pid}")
    if client:
        parts.append(f"from {client}")
    return application or None, ", ".join(parts)


def _sqlstate(error: object) -> str | None:
    return getattr(error, "sqlstate", None)  # psycopg's errors carry it


def _one_line(error: BaseException) -> str:
    first = str(error).strip().splitlines()
    return f"{type(error).__name__}: {first[0]}" if first else type(error).__name__
