"""Schema migrations: the store's tables by Alembic revision, upgraded on start, one process at a time.

`upgrade` runs when a store opens (`Store.create`, so `meetup-bot run`) and for `meetup-bot db
upgrade`. It first reads the version table with plain SQLAlchemy: a database at HEAD costs one
small query, and Alembic (about 135 ms of imports) is loaded only when there is work to do.
Work is done under a lock, re-checked once the lock is held: PostgreSQL's advisory lock, held by
the transaction that migrates (its DDL commits or rolls back as one); SQLite's write lock
(`BEGIN IMMEDIATE`), so a second process waits, then finds the database at HEAD.

A database made before migrations (tables, no version table) is adopted: bot/store/migrations/
legacy.py adds what that release would have added, and it is stamped at revision 0001.
docs/migrations.md says how to add a revision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, column, inspect, select, table, text

from bot.store.kinds import SCHEMA_HEAD

log = logging.getLogger(__name__)

# The newest revision in versions/ (tests/store/test_migrations.py checks it against Alembic's
# head): the start-up check compares the database with it without importing Alembic. Set in one
# place, bot/store/kinds.py, which `run` reads without importing SQLAlchemy (bot/store/deferred.py).
HEAD = SCHEMA_HEAD
FIRST = "0001"


class SchemaTooNew(Exception):
    """The database is at a revision this release does not know (a newer release upgraded it)."""


@dataclass(frozen=True, slots=True)
class Upgraded:
    before: str | None  # None: an empty or unversioned database
    after: str
    adopted: bool  # an unversioned database of the previous release was stamped


def version_table(prefix: str) -> str:
    return f"{prefix}alembic_version"


def current(conn: Connection, prefix: str) -> str | None:
    """The database's revision; None when it has no version table (empty, or made before migrations)."""
    name = version_table(prefix)
    if not inspect(conn).has_table(name):
        return None
    return conn.execute(select(column("version_num")).select_from(table(name))).scalar()


def revision(engine: Engine, prefix: str) -> str | None:
    with engine.connect() as conn:
        return current(conn, prefix)


def upgrade(engine: Engine, prefix: str, lock_key: int) -> Upgraded | None:
    """Bring the database to HEAD; None when it already was. Raises SchemaTooNew, and SQLAlchemy's
    errors when the database cannot be reached or used."""
    if revision(engine, prefix) == HEAD:
        return None
    with engine.connect() as conn:
        _lock(conn, lock_key)
        before = current(conn, prefix)
        if before == HEAD:  # another process migrated while this one waited for the lock
            conn.rollback()
            return None
        quiet_alembic()
        from bot.store.migrations.alembic_run import migrate  # Alembic: only when there is work

        adopted = migrate(conn, prefix, before)
        conn.commit()
    log.info("store: schema upgraded from %s to %s", before or ("unversioned" if adopted else "empty"), HEAD)
    return Upgraded(before, HEAD, adopted)


def quiet_alembic() -> None:
    """Alembic logs its plugins and "non-transactional DDL" (untrue here: the runner's transaction
    holds the DDL) at INFO; the runner logs the one line an operator needs."""
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _lock(conn: Connection, key: int) -> None:
    """Take the migration lock for the rest of the connection's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    else:  # SQLite: the database's write lock, waited for up to the busy timeout (30 s)
        conn.exec_driver_sql("BEGIN IMMEDIATE")
