"""The calendar's PostgreSQL advisory lock against a real server: a wait that ends with who holds
the lock, and a failed unlock that never leaves the lock held nor hides the edit's own outcome.

Failures are real where they can be (a second session holding the lock, a backend terminated by
the server); where PostgreSQL offers no way to fail one statement of a live session, a
SQLAlchemy event raises, so the session really keeps what it holds.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.edits.contract import Author, EditFailed
from bot.edits.db_lock import CalendarBusy, calendar_lock
from bot.edits.writer import CalendarWriter
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url, unique_prefix
from tests.conftest import SHIPPED_EVENTS
from tests.edits.helpers import AppendMeetup
from tests.fakes import PATIENCE
from tests.pg_faults import fail_once

pytestmark = pytest.mark.postgres

SHORT = 0.2  # seconds our lock waits where another session holds it: the test needs only "not for ever"


@pytest.fixture
def prefix() -> str:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    return unique_prefix()  # the lock's key: each test its own


@pytest.fixture
def store(prefix: str) -> Iterator[Store]:
    s = Store(pg_url(), prefix=prefix)  # no tables: the lock needs only the engine and the key
    yield s
    s.close()


@pytest.fixture
def admin(prefix: str) -> Iterator[Engine]:
    """Another session's view of the server (another machine's, or an operator's psql)."""
    engine = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def holders(admin: Engine, key: int) -> list[int]:
    """The backend pids that hold the advisory lock of `key`, as pg_locks shows them."""
    with admin.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 "
                "AND objid = CAST(:k AS bigint)::oid AND objsubid = 1"
            ),
            {"k": key},
        )
        return [row[0] for row in rows]


def terminate_holder(admin: Engine, key: int) -> None:
    """Terminate the session holding the lock, and wait until it is gone (PostgreSQL 14+)."""
    [pid] = holders(admin, key)
    with admin.connect() as conn:
        assert conn.execute(
            text("SELECT pg_terminate_backend(:p, :ms)"), {"p": pid, "ms": int(PATIENCE * 1000)}
        ).scalar()


def take_then_let_go(store: Store) -> list[int]:
    """Take the lock as another writer would, waiting as long as a busy machine needs; the pids
    that held it meanwhile (one: this writer's session)."""
    lock = calendar_lock(store, timeout=PATIENCE)
    assert lock is not None
    admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    try:
        with lock():
            return holders(admin, store.lock_key("calendar-edit"))
    finally:
        admin.dispose()


def another_machine_takes_it(prefix: str) -> list[int]:
    """take_then_let_go by a store of its own (another machine's engine and pool)."""
    other_machine = Store(pg_url(), prefix=prefix)
    try:
        return take_then_let_go(other_machine)
    finally:
        other_machine.close()


class Interrupt(BaseException):
    """Stands for KeyboardInterrupt or SystemExit (which pytest itself would act on)."""


def lock_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.edits.db_lock" and r.levelno >= logging.WARNING]


# ---- (a) a bounded wait, naming the holder -------------------------------------------------------


@pytest.mark.parametrize("timeout", [SHORT, 0.0], ids=["short", "zero"])  # zero is no wait, never "no limit"
def test_a_lock_held_by_another_session_fails_naming_it_instead_of_waiting_for_ever(
    store: Store, admin: Engine, timeout: float, caplog: pytest.LogCaptureFixture
) -> None:
    key = store.lock_key("calendar-edit")
    with admin.connect() as other:
        other.execute(text("SELECT set_config('application_name', 'organiser psql', false)"))
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        other_pid = other.execute(text("SELECT pg_backend_pid()")).scalar()
        lock = calendar_lock(store, timeout=timeout)
        assert lock is not None
        with pytest.raises(CalendarBusy) as raised, lock():
            pytest.fail("the lock was taken while another session held it")
        assert isinstance(raised.value, EditFailed)  # the writer's callers tell the organiser
        assert raised.value.holder == "organiser psql"
        # Read in chat: the holder's name, never its backend pid or address (those go to the log).
        assert str(raised.value).startswith("the calendar is being edited by another process (organiser psql), busy")
        assert str(other_pid) not in str(raised.value)
        assert str(raised.value).endswith("Try again in a minute.")
        assert f"organiser psql, PostgreSQL backend pid {other_pid}" in caplog.text
        assert holders(admin, key) == [other_pid]  # our failed wait took nothing
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})  # before its session is pooled
    assert take_then_let_go(store) != []  # and once the other lets go, it is ours


def test_the_writer_tells_the_organiser_which_bot_holds_the_calendar(store: Store, prefix: str, tmp_path: Path) -> None:
    events = tmp_path / "events.yaml"
    shutil.copyfile(SHIPPED_EVENTS, events)
    before = events.read_bytes()
    other_machine = Store(pg_url(), prefix=prefix)
    other_lock = calendar_lock(other_machine)
    assert other_lock is not None
    holding, done = threading.Event(), threading.Event()

    def other() -> None:
        with other_lock():
            holding.set()
            done.wait(PATIENCE)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert holding.wait(PATIENCE)
        writer = CalendarWriter(events, db_lock=calendar_lock(store, timeout=SHORT))
        with pytest.raises(
            EditFailed, match=r"^the calendar is being edited by another process \(meetup-bot calendar edit, "
        ):
            writer.edit_now(AppendMeetup("2034-busy"), Author("Dana", "telegram:42"))
        assert events.read_bytes() == before
    finally:
        done.set()
        thread.join()
        other_machine.close()
    writer.edit_now(AppendMeetup("2034-busy"), Author("Dana", "telegram:42"))  # free again: it waits no longer
    assert "id: 2034-busy\n" in events.read_text(encoding="utf-8")


def test_the_pooled_connection_keeps_neither_the_lock_timeout_nor_the_lock_s_name(store: Store, admin: Engine) -> None:
    show = "SELECT pg_backend_pid(), current_setting('lock_timeout'), current_setting('application_name')"
    with store.engine.connect() as conn:  # the pool's one connection, as it was
        before = conn.execute(text(show)).one()
    lock = calendar_lock(store, timeout=SHORT)
    assert lock is not None
    with lock():
        assert holders(admin, store.lock_key("calendar-edit")) == [before[0]]  # the same connection
    with store.engine.connect() as conn:
        assert conn.execute(text(show)).one() == before


# ---- (b) an unlock that fails leaves no lock held ------------------------------------------------


def test_an_unlock_that_fails_on_a_live_session_closes_it_so_the_lock_goes(
    store: Store, prefix: str, admin: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    key = store.lock_key("calendar-edit")
    lock = calendar_lock(store)
    assert lock is not None
    fail_once(store.engine, "pg_advisory_unlock")
    with lock():
        [ours] = holders(admin, key)
    assert [r.getMessage() for r in lock_records(caplog)] == [
        "releasing the calendar's PostgreSQL advisory lock failed (RuntimeError: injected failure of "
        "pg_advisory_unlock): its connection is closed, so the server drops the lock"
    ]
    # Waits (server-side) until our closed session's lock is dropped; a pooled one never would be.
    assert ours not in another_machine_takes_it(prefix)
    assert holders(admin, key) == []
    assert take_then_let_go(store) != []  # our own store takes it again, on a new connection


def test_an_interrupt_while_unlocking_still_interrupts_and_the_lock_goes(
    store: Store, prefix: str, admin: Engine
) -> None:
    lock = calendar_lock(store)
    assert lock is not None
    fail_once(store.engine, "pg_advisory_unlock", error=Interrupt)
    with pytest.raises(Interrupt), lock():
        pass
    assert another_machine_takes_it(prefix) != []
    assert holders(admin, store.lock_key("calendar-edit")) == []


def test_a_session_terminated_while_holding_the_lock_is_logged_once_and_the_lock_is_free(
    store: Store, admin: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    key = store.lock_key("calendar-edit")
    lock = calendar_lock(store)
    assert lock is not None
    with lock():  # the edit succeeds; only the release fails
        terminate_holder(admin, key)
    [record] = lock_records(caplog)
    assert record.getMessage().startswith(
        "releasing the calendar's PostgreSQL advisory lock failed (OperationalError: "
    )
    assert holders(admin, key) == []
    assert take_then_let_go(store) != []


def test_a_failure_after_the_lock_was_granted_does_not_pool_the_session_holding_it(
    store: Store, prefix: str, admin: Engine
) -> None:
    lock = calendar_lock(store)
    assert lock is not None
    fail_once(store.engine, "pg_advisory_lock", when="commit")
    with pytest.raises(RuntimeError, match="injected failure of the commit after pg_advisory_lock"), lock():
        pytest.fail("the body ran although taking the lock failed")
    assert another_machine_takes_it(prefix) != []
    assert holders(admin, store.lock_key("calendar-edit")) == []


# ---- (c) the edit's own exception is what propagates ---------------------------------------------


class TheEditsOwnError(Exception):
    pass


def test_the_edit_s_own_exception_propagates_when_the_unlock_fails(
    store: Store, admin: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    key = store.lock_key("calendar-edit")
    lock = calendar_lock(store)
    assert lock is not None
    with pytest.raises(TheEditsOwnError), lock():
        terminate_holder(admin, key)
        raise TheEditsOwnError("the push failed")
    assert len(lock_records(caplog)) == 1
    assert holders(admin, key) == []
    assert take_then_let_go(store) != []
