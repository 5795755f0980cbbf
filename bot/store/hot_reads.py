"""The hot reads: what answering a message reads from the store on (nearly) every message.

A /next card's RSVP count, and in a private chat whether the person is in a /propose or /host
conversation or was asked for their full name. On SQLite they go through the standard library's
`sqlite3`, inline on the event loop: no SQLAlchemy (its import is 0.12 s of a start, its
execution path 60-90 µs a read against 9-15 µs here), and no hop to a worker thread. Connections
are one per thread, autocommit (each SELECT is its own read transaction) and `query_only`.

Every call asks the database whether anything changed since the last read (`PRAGMA
data_version`: it differs as soon as any other connection, of this process or another, has
committed; in WAL mode a reader sees every transaction committed before it started and never
waits for a writer). Only when something did are the answers kept so far dropped and the query
run again, so nothing here can show a stale count, while a run of /next between two answers asks
SQLite one tiny question each instead of counting the meetup's RSVPs again (a count reads every
row of the meetup: 38 µs at 100 people, against 4.5 µs for the question, and several times more
than either with the caches cold, as between two messages; `bench/telegram.py`). The version is
read before the query: an answer that lands between the two is kept under the older version and
read again next time, never the other way round.

On PostgreSQL they go through the store (SQLAlchemy) in a worker thread, as every read there
does: a network round trip must not hold the event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.rsvp.model import Counts

if TYPE_CHECKING:
    from bot.store.store import Store

_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def sqlite_path(url: str) -> str | None:
    """The file of a plain SQLite URL (`sqlite:///bot.sqlite3`, `sqlite:////abs/path`); None for
    anything else (PostgreSQL, in-memory, URL options), which the store reads instead."""
    for prefix in _SQLITE_PREFIXES:
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if path and path != ":memory:" and "?" not in path:
                return path
    return None


def absent_sqlite(url: str) -> str | None:
    """The file of a plain SQLite URL when no such file exists yet (the bot has not run with it):
    a command that only reads must say so rather than create an empty store there."""
    path = sqlite_path(url)
    return path if path is not None and not Path(path).exists() else None


def no_store_here(path: str) -> str:
    """What a reading command says when absent_sqlite found nothing."""
    return (
        f"there is no store at {path} (the bot keeps one there once it runs in this folder; "
        "set SQLITE_PATH or DATABASE_URL to the bot's)"
    )


class HotReads:
    """The hot reads of a store at `url` with table `prefix`; `store` gives the SQLAlchemy store
    for the databases read through it (PostgreSQL), built on first use."""

    def __init__(self, url: str, prefix: str, store: Callable[[], Store]) -> None:
        self.path = sqlite_path(url)
        self._store = store
        self._local = threading.local()
        # Table names come from the prefix, which is ours (never user input): safe to format in.
        self._count_sql = f"SELECT state, count(*) FROM {prefix}rsvps WHERE event_id = ? GROUP BY state"
        self._counts_sql = f"SELECT event_id, state, count(*) FROM {prefix}rsvps WHERE event_id IN (%s) GROUP BY 1, 2"
        self._convo_sql = f"SELECT 1 FROM {prefix}proposal_conversations WHERE user_key = ?"
        self._name_sql = (
            f"SELECT full_name IS NULL AND asked_at IS NOT NULL FROM {prefix}guest_names WHERE user_key = ?"
        )

    @property
    def direct(self) -> bool:
        """True: read with `sqlite3` right here; False: through the store, in a worker thread."""
        return self.path is not None

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            assert self.path is not None
            # Autocommit: no transaction is left open between reads (it would pin an old snapshot).
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA query_only = 1")
            self._local.conn = conn
            self._local.kept = _Kept()
        return conn

    def _read(self, sql: str, args: tuple[str, ...]) -> list[Any]:
        """The rows of `sql`: kept from the last read unless the database changed since."""
        conn = self._conn()
        kept: _Kept = self._local.kept
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != kept.version or len(kept.rows) >= KEPT_MAX:
            kept.version, kept.rows = version, {}
        key = (sql, args)
        rows = kept.rows.get(key)
        if rows is None:
            rows = kept.rows[key] = conn.execute(sql, args).fetchall()
        return rows

    # ---- the reads -----------------------------------------------------------------------------

    async def counts(self, event_ids: Iterable[str]) -> dict[str, Counts]:
        """Each meetup's RSVP counts (zeros for one nobody answered)."""
        ids = list(dict.fromkeys(event_ids))
        if not self.direct:
            store = self._store()
            return await asyncio.to_thread(store.rsvp.counts, ids)
        return self.counts_now(ids)

    def counts_now(self, ids: list[str]) -> dict[str, Counts]:
        if len(ids) == 1:  # a card: one meetup
            tally = dict(self._read(self._count_sql, (ids[0],)))
            return {ids[0]: _counts(tally)}
        out = {event_id: Counts() for event_id in ids}
        tallies: dict[str, dict[str, int]] = {}
        for start in range(0, len(ids), 500):  # SQLite's limit on parameters is far above 500
            chunk = ids[start : start + 500]
            sql = self._counts_sql % ",".join("?" * len(chunk))
            for event_id, state, count in self._conn().execute(sql, chunk):
                tallies.setdefault(event_id, {})[state] = count
        for event_id, tally in tallies.items():
            out[event_id] = _counts(tally)
        return out

    async def in_conversation(self, user_key: str) -> bool:
        """Whether the person has a /propose or /host conversation going (its content is read
        from the store only then)."""
        if not self.direct:
            store = self._store()
            return await asyncio.to_thread(lambda: store.proposals.conversation(user_key) is not None)
        return bool(self._read(self._convo_sql, (user_key,)))

    async def awaiting_name(self, user_key: str) -> bool:
        """Asked for their full name and none given yet (bot/rsvp/names.py)."""
        if not self.direct:
            store = self._store()
            return await asyncio.to_thread(store.guests.awaiting_name, user_key)
        rows = self._read(self._name_sql, (user_key,))
        return bool(rows and rows[0][0])

    def close(self) -> None:
        """Close this thread's connection (others close with their threads)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = self._local.kept = None


KEPT_MAX = 4096  # answers kept per thread: then they are dropped and read again (memory stays small)


class _Kept:
    """A thread's answers, valid while the database's data_version is `version`."""

    __slots__ = ("rows", "version")

    def __init__(self) -> None:
        self.version: int | None = None
        self.rows: dict[tuple[str, tuple[str, ...]], list[Any]] = {}


def _counts(tally: dict[str, int]) -> Counts:
    return Counts(tally.get("going", 0), tally.get("waitlist", 0), tally.get("not_going", 0))
