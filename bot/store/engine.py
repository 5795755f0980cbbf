"""The SQLAlchemy engine for a database URL: SQLite (WAL, pooled) or PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

from bot.config import is_in_memory_sqlite

PG_CONNECT_TIMEOUT = 10  # seconds
BUSY_TIMEOUT = 30  # seconds a SQLite connection waits for another's lock


def _wal(cur: Any) -> None:
    """Put the database in WAL mode (it stays so: later connections find it done). Switching a
    new file answers "database is locked" at once, without the busy timeout, when another
    connection holds a lock at that instant (processes starting together: tests/store/
    test_migrations.py races eight): it is tried again, for as long as the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def make_engine(url: str) -> Engine:
    """An engine for the URL: SQLite in WAL mode with a busy timeout, so a reader never blocks
    the sender and two writers wait rather than fail; PostgreSQL with pre-ping."""
    if url.startswith("sqlite"):
        # A small pool: opening a SQLite connection and setting its pragmas costs about a
        # millisecond, more than the queries themselves (a /next card reads its RSVP counts).
        # A pooled connection is checked out by one thread at a time, so worker threads
        # (asyncio.to_thread) never share one; an in-memory database keeps NullPool, since
        # every connection to it would be a different, empty database anyway.
        pool: dict[str, Any] = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10}
        if is_in_memory_sqlite(url):  # `run` refuses one (bot.config); a Store built directly may not
            pool = {"poolclass": NullPool}
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False}, **pool)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            _wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # libpq waits for ever on a server that never answers (a firewall that drops packets, a wrong
    # port): give up instead, so the bot says it cannot reach the database. The URL may set its own.
    connect = {} if "connect_timeout=" in url else {"connect_timeout": PG_CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=connect)
