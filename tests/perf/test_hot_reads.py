"""The hot reads (bot/store/hot_reads.py) and the deferred store (bot/store/deferred.py), on
SQLite and PostgreSQL: a card's count is checked against the database every time, so what
another store or another process just wrote shows at once; on SQLite an answer is kept only
while the database says nothing changed (PRAGMA data_version)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.proposals.model import Kind
from bot.rsvp.model import Counts, Person
from bot.store.deferred import DeferredStore
from bot.store.kinds import SCHEMA_HEAD
from bot.store.proposals import Conversation
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url, two_stores, unique_prefix
from tests.conftest import ROOT

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(url, table prefix): a SQLite file, then PostgreSQL (TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}", "mb_"
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    return pg_url(), unique_prefix()


@pytest.fixture
def stores(database: tuple[str, str]) -> Iterator[tuple[Store, Store]]:
    url, prefix = database
    with two_stores(url, prefix) as pair:
        yield pair


def going(store: Store, event_id: str, user: str, yes: bool = True, seats: int | None = 2) -> None:
    store.rsvp.answer(event_id, Person("telegram", user), yes, seats, NOW)


def test_the_hot_count_is_the_stores_count_and_sees_the_other_store_at_once(stores: tuple[Store, Store]) -> None:
    first, second = stores
    hot = second.hot
    assert hot.direct is (second.dialect == "sqlite")  # the standard library on SQLite only
    assert asyncio.run(hot.counts(["m"])) == {"m": Counts()}  # read once: a connection is open now
    for step, (user, yes) in enumerate([("a", True), ("b", True), ("c", True), ("a", False)], 1):
        going(first, "m", user, yes)  # the other store (another process's engine) writes
        seen = asyncio.run(hot.counts(["m"]))["m"]
        assert seen == first.rsvp.counts(["m"])["m"], f"stale after write {step}"
    assert seen == Counts(going=2, waitlist=0, not_going=1)  # c moved up when a gave up the seat
    several = asyncio.run(hot.counts(["x", "m", "x"]))
    assert several == {"x": Counts(), "m": Counts(2, 0, 1)}
    assert list(several) == ["x", "m"]


def test_the_conversation_and_name_checks_follow_the_database(stores: tuple[Store, Store]) -> None:
    first, second = stores
    hot = second.hot
    assert not asyncio.run(hot.in_conversation("telegram:1"))
    convo = Conversation("telegram:1", Kind.TALK, (), "telegram:1", NOW, NOW, False)
    first.proposals.save_conversation(convo)
    assert asyncio.run(hot.in_conversation("telegram:1"))
    assert not asyncio.run(hot.in_conversation("telegram:2"))
    first.proposals.end_conversation("telegram:1")
    assert not asyncio.run(hot.in_conversation("telegram:1"))
    assert not asyncio.run(hot.awaiting_name("telegram:1"))
    assert first.guests.ask_once("telegram:1", NOW)
    assert asyncio.run(hot.awaiting_name("telegram:1")) is second.guests.awaiting_name("telegram:1") is True
    first.guests.set_full_name("telegram:1", "Dana Levi", NOW)
    assert asyncio.run(hot.awaiting_name("telegram:1")) is False


def test_an_unchanged_database_is_not_counted_again_and_a_change_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with two_stores(url, "mb_") as (writer, reader):
        going(writer, "m", "a")
        assert asyncio.run(reader.hot.counts(["m"]))["m"] == Counts(going=1)
        assert not asyncio.run(reader.hot.in_conversation("telegram:1"))
        statements: list[str] = []
        reader.hot._conn().set_trace_callback(statements.append)
        for _ in range(3):  # nothing changed: the database is asked whether it did, nothing more
            assert asyncio.run(reader.hot.counts(["m"]))["m"] == Counts(going=1)
            assert not asyncio.run(reader.hot.in_conversation("telegram:1"))
        assert set(statements) == {"PRAGMA data_version"}
        going(writer, "m", "b")  # another connection commits: the next read counts again
        assert asyncio.run(reader.hot.counts(["m"]))["m"] == Counts(going=2)
        assert len([s for s in statements if "count(" in s]) == 1


WRITER = """
import sys
from datetime import UTC, datetime
from bot.rsvp.model import Person
from bot.store.store import Store
store = Store(sys.argv[1], prefix=sys.argv[2])
for line in sys.stdin:  # one answer per line, acknowledged once committed
    user, yes = line.split()
    store.rsvp.answer("m", Person("telegram", user), yes == "1", None, datetime(2027, 1, 10, tzinfo=UTC))
    print("done", flush=True)
"""


def test_another_process_s_answer_shows_in_the_next_count(database: tuple[str, str]) -> None:
    """A second bot process (its own interpreter) answers; each count read here right after its
    commit shows it: no count is kept past a change."""
    url, prefix = database
    with two_stores(url, prefix) as (mine, _):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, prefix],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert writer.stdin is not None and writer.stdout is not None
        try:
            assert asyncio.run(mine.hot.counts(["m"]))["m"] == Counts()
            expected = Counts()
            for user, yes in [("a", 1), ("b", 1), ("a", 0), ("c", 1), ("b", 0)]:
                writer.stdin.write(f"{user} {yes}\n")
                writer.stdin.flush()
                assert writer.stdout.readline().strip() == "done"
                expected = mine.rsvp.counts(["m"])["m"]  # the store's own read, through SQLAlchemy
                assert asyncio.run(mine.hot.counts(["m"]))["m"] == expected
            assert expected == Counts(going=1, not_going=2)
        finally:
            writer.stdin.close()
            writer.wait(timeout=60)


def test_the_deferred_store_reads_counts_before_it_builds_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    deferred = DeferredStore(url)
    assert deferred.dialect == "sqlite" and not deferred.built
    assert not deferred.ready(SCHEMA_HEAD)  # no file yet: the store must be made first
    with two_stores(url) as (writer, _):
        assert deferred.ready(SCHEMA_HEAD)
        assert not deferred.ready("0001")  # an older release's revision: upgrade first
        going(writer, "m", "a")
        assert asyncio.run(deferred.hot.counts(["m"]))["m"] == Counts(going=1)
        assert not deferred.built  # the count needed no SQLAlchemy store
        assert deferred.rsvp.counts(["m"])["m"] == Counts(going=1)  # anything else builds it
        assert deferred.built and deferred.dialect == "sqlite"
        going(deferred.real(), "m", "b")  # its writes are the other store's reads at once
        assert writer.rsvp.counts(["m"])["m"] == Counts(going=2)
        assert asyncio.run(deferred.hot.counts(["m"]))["m"] == Counts(going=2)
        deferred.close()


def test_a_half_done_accept_is_work_before_the_first_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with two_stores(url) as (store, _):
        with store.engine.begin() as conn:  # an accept whose process died mid-edit
            conn.execute(
                store.proposals.proposals.insert().values(
                    kind="talk", status="accepting", title="T", from_key="telegram:1", created_at=NOW
                )
            )
        assert not DeferredStore(url).ready(SCHEMA_HEAD)


def test_postgresql_is_never_read_with_the_standard_library() -> None:
    deferred = DeferredStore("postgresql+psycopg://u@127.0.0.1:1/db")
    assert deferred.dialect == "postgresql" and not deferred.hot.direct
    assert not deferred.ready(SCHEMA_HEAD)  # PostgreSQL opens first, as it always did
    assert not deferred.built
