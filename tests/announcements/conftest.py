"""Stores for the announcement tests: a SQLite file per test, and PostgreSQL when configured.

PostgreSQL tests get a unique table prefix, so parallel and earlier runs never collide, and
drop their tables afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store.store import Store
from tests.fakes.clock import FixedClock

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def pg_url() -> str:
    from bot.config import database_url

    return database_url({"DATABASE_URL": PG_URL}, Path("unused"))


@contextmanager
def two_stores(url: str, prefix: str = "mb_") -> Iterator[tuple[Store, Store]]:
    """Two stores (separate engines) on one database, as two bot processes have; the tables are
    dropped afterwards."""
    first, second = Store(url, prefix=prefix), Store(url, prefix=prefix)
    first.create()
    second.create()
    try:
        yield first, second
    finally:
        first.drop()
        first.close()
        second.close()


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}_"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2027, 1, 17, 8, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}", clock=clock)
    else:
        if not PG_URL:
            pytest.skip("TEST_DATABASE_URL is not set")
        s = Store(pg_url(), prefix=unique_prefix(), clock=clock)
    s.create()
    try:
        yield s
    finally:
        if s.dialect == "postgresql":
            s.drop()
        s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}", clock=clock)
    s.create()
    yield s
    s.close()
