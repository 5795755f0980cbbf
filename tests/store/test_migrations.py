"""Schema migrations (issue 20, item 7): the revisions, the start-up upgrade, adopting a database
of the release before migrations, and one migrator at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Select, inspect, select, text

from bot.store import migrations
from bot.store.migrations import alembic_run, legacy
from bot.store.store import Store, StoreUnusable
from tests.conftest import ROOT

DATA = Path(__file__).resolve().parent / "data"
PREFIX = "mb_"
T0 = datetime(2026, 11, 3, 17, 30, 5, 250000, tzinfo=UTC)


def load_previous_release(engine: Engine, prefix: str = PREFIX) -> None:
    """The tables and rows a store of commit b97ac33 held (tests/store/data, captured by
    capture_previous_release.py with that release's code)."""
    sql = (DATA / f"previous_release.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.driver_connection.executescript(sql.replace("PREFIX_", prefix))  # type: ignore[union-attr]
        else:
            raw.cursor().execute(sql.replace("PREFIX_", prefix))
            raw.commit()
    finally:
        raw.close()


def every_row(
    engine: Engine, names: list[str], columns_of: MetaData | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables; with `columns_of`, only the columns its tables have (a later
    revision may have added some)."""
    md = MetaData()
    md.reflect(engine, only=names)

    def query(n: str) -> Select[tuple[object, ...]]:
        table = md.tables[n]
        if columns_of is None:
            return select(table)
        return select(*(table.c[c.name] for c in columns_of.tables[n].columns))

    with engine.connect() as conn:
        return {n: sorted(tuple(r) for r in conn.execute(query(n))) for n in names}


def differences(engine: Engine, metadata: MetaData) -> list[object]:
    """What Alembic's autogenerate would change to make the database match `metadata`."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(ctx, metadata) if not _foreign(d)]


def _foreign(diff: object) -> bool:
    """A table of another prefix, or the version table: not ours to compare."""
    if not (isinstance(diff, tuple) and diff[0] == "remove_table"):
        return False
    name = str(diff[1].name)
    return name == migrations.version_table(PREFIX) or not name.startswith(PREFIX)


# ---- the revisions ----------------------------------------------------------------------------


def test_head_is_alembics_head() -> None:
    """The start-up check compares with HEAD without importing Alembic: it must be the newest revision."""
    assert alembic_run.scripts().get_heads() == [migrations.HEAD]
    assert alembic_run.history()[0].revision == migrations.FIRST


def test_the_revisions_make_exactly_the_tables_the_code_defines(db_url: str) -> None:
    """A table or column added to bot/store without a revision fails here (docs/migrations.md)."""
    store = Store(db_url)
    try:
        store.create()
        assert differences(store.engine, store.metadata) == []
    finally:
        store.close()


def test_the_first_revision_is_the_previous_release_schema(db_url: str) -> None:
    """Revision 0001 and the frozen schema adoption repairs to are the same tables and indexes."""
    store = Store(db_url)
    try:
        with store.engine.begin() as conn:
            from alembic import command

            command.upgrade(alembic_run.config(PREFIX, conn), migrations.FIRST)
        assert differences(store.engine, legacy.schema(PREFIX)) == []
    finally:
        store.close()


def test_downgrade_to_base_removes_every_table(db_url: str) -> None:
    store = Store(db_url)
    store.create()
    from alembic import command

    with store.engine.begin() as conn:
        command.downgrade(alembic_run.config(PREFIX, conn), "base")
    names = inspect(store.engine).get_table_names()
    store.close()
    assert names == [migrations.version_table(PREFIX)]


# ---- the previous release's database ------------------------------------------------------------


def test_a_database_of_the_previous_release_is_adopted_and_keeps_every_row(db_url: str) -> None:
    store = Store(db_url)
    try:
        load_previous_release(store.engine)
        names = sorted(legacy.schema(PREFIX).tables)
        before = every_row(store.engine, names)
        assert sum(map(len, before.values())) == 17  # every table has rows
        done = store.create()
        assert done is not None and done.adopted and done.before is None
        assert store.revision() == migrations.HEAD
        assert every_row(store.engine, names, legacy.schema(PREFIX)) == before
        assert differences(store.engine, store.metadata) == []
        # Through the store, as the bot reads them:
        [chat, slack] = sorted(store.subscriptions(), key=lambda s: s.chat.platform, reverse=True)
        assert (chat.chat.key, chat.chat.thread_id, chat.subscribed, chat.updated_at) == (
            "telegram:-1001",
            "42",
            True,
            T0,
        )
        assert (slack.subscribed, slack.active, slack.reason) == (False, False, "unsubscribed")
        assert [r.state.value for r in store.ledger_rows()] == ["uncertain", "sent"]
        assert store.broadcast("broadcast:5f1c").text == "Call for speakers!\nÜnïcödé and 'quotes'"  # type: ignore[union-attr]
        assert store.announced_events()["2026-10-01"].cancelled is True
        assert store.rsvp.counts(["2026-12-01"])["2026-12-01"].going == 1
        assert store.contacts.private_chats(["telegram:7"])["telegram:7"].chat_id == "7"
        assert store.known.known() == {"2026-12-01", "2027-01-05"}
        assert store.proposals.get(1).title == "eBPF in anger"  # type: ignore[union-attr]
        assert store.proposals.conversation("telegram:8") is not None
        # New rows go on where the old ones stopped (PostgreSQL's sequence came along).
        venue = store.proposals.get(2)
        assert venue is not None and (venue.address, venue.capacity) == ("1 Rothschild Blvd", 80)
        assert store.proposals.add(replace(venue, title="Another office")).number == 3
    finally:
        store.close()


def test_an_older_database_lacking_a_column_and_a_table_is_repaired_then_adopted(db_url: str) -> None:
    """A database last opened by a release older still: no forum topics (thread_id came later,
    by ALTER TABLE ADD) and no proposals yet. Adopting it adds both, as that release would have."""
    store = Store(db_url)
    try:
        load_previous_release(store.engine)
        with store.engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {PREFIX}subscriptions DROP COLUMN thread_id"))
            conn.execute(text(f"DROP TABLE {PREFIX}proposal_conversations"))
        before = every_row(store.engine, [f"{PREFIX}subscriptions", f"{PREFIX}deliveries"])
        store.create()
        assert store.revision() == migrations.HEAD
        assert differences(store.engine, store.metadata) == []
        after = every_row(store.engine, [f"{PREFIX}subscriptions", f"{PREFIX}deliveries"])
        assert after[f"{PREFIX}deliveries"] == before[f"{PREFIX}deliveries"]
        # Every subscription kept, with no topic (the column, added last, is new to it).
        assert [row[:-1] for row in after[f"{PREFIX}subscriptions"]] == before[f"{PREFIX}subscriptions"]
        assert {s.chat.thread_id for s in store.subscriptions()} == {None}
        assert store.proposals.conversation("telegram:8") is None
    finally:
        store.close()


def test_a_database_upgraded_by_a_newer_release_is_refused_in_one_line(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.create()
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE {migrations.version_table(PREFIX)} SET version_num = '9999'"))
        with pytest.raises(StoreUnusable) as caught:
            store.create()
        assert "at schema revision 9999, which this release does not know" in str(caught.value)
        assert "\n" not in str(caught.value)
        assert store.revision() == "9999"  # nothing was touched
    finally:
        store.close()


# ---- one migrator at a time --------------------------------------------------------------------


def race(stores: list[Store]) -> list[object]:
    """Each store's create() in a thread of its own, released at one instant: what each returned or raised."""
    start = threading.Barrier(len(stores))
    results: list[object] = []

    def open_store(store: Store) -> None:
        start.wait()
        try:
            results.append(store.create())
        except Exception as error:  # every outcome is asserted by the caller
            results.append(error)

    threads = [threading.Thread(target=open_store, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("previous", [False, True], ids=["empty", "previous-release"])
def test_processes_starting_at_once_migrate_once(db_url: str, previous: bool) -> None:
    """Eight stores (eight engines, as eight processes have) open one database at the same
    instant: exactly one migrates, the others wait for its lock and then find it at the head."""
    rounds, racers = 3, 8
    for n in range(rounds):
        prefix = f"r{n}_"
        first = Store(db_url, prefix=prefix)
        if previous:
            load_previous_release(first.engine, prefix)
        stores = [first] + [Store(db_url, prefix=prefix) for _ in range(racers - 1)]
        results = race(stores)
        with first.engine.connect() as conn:
            versions = conn.execute(text(f"SELECT version_num FROM {migrations.version_table(prefix)}")).all()
        for s in stores:
            s.close()
        errors = [r for r in results if isinstance(r, Exception)]
        assert errors == [], errors
        assert sum(r is not None for r in results) == 1, results
        assert versions == [(migrations.HEAD,)]


# ---- start-up cost -----------------------------------------------------------------------------


def test_a_database_at_the_head_is_opened_without_importing_alembic(tmp_path: Path) -> None:
    """Alembic costs about 135 ms of imports: a start that has nothing to migrate skips it."""
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    probe = (
        "import sys; from bot.store.store import Store; s = Store(sys.argv[1]); done = s.create(); "
        "print(done is None, any(m.split('.')[0] == 'alembic' for m in sys.modules))"
    )
    run = [sys.executable, "-c", probe, url]
    first = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    assert first.stdout.split() == ["False", "True"]  # an empty database: migrated, with Alembic
    again = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    assert again.stdout.split() == ["True", "False"]
