"""Revision 0003: the decider's name and the accepting process move out of the columns they rode
in (`decided_by` = "key name", `reason` = the process while `accepting`) into their own."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, text

from bot.proposals.model import Kind, Proposal, Status
from bot.store import migrations
from bot.store.migrations import alembic_run
from bot.store.store import Store

PREFIX = "mb_"
T0 = datetime(2026, 11, 3, 17, 30, 5, tzinfo=UTC)
OWNER = "bot-host:4242:abcdef12"

# Rows as the code before revision 0003 wrote them: (number, status, decided_by, reason).
PACKED = [
    (1, "accepted", "telegram:43 Dana Organiser", None),
    (2, "accepting", "slack:U9 Ann", OWNER),
    (3, "declined", "console:local Olga", "No room this season"),
    (4, "withdrawn", "telegram:7", None),  # a withdrawal: the proposer's key, no name
    (5, "new", None, None),
]


def at_revision_0002_with_packed_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_run.config(PREFIX, conn), "0002")
        for number, status, decided_by, reason in PACKED:
            conn.execute(
                text(
                    f"INSERT INTO {PREFIX}proposals (number, kind, status, title, from_key, created_at, "
                    "decided_by, decided_at, reason) VALUES (:n, 'talk', :s, :t, 'telegram:7', :c, :d, :a, :r)"
                ),
                {"n": number, "s": status, "t": f"Talk {number}", "c": T0, "d": decided_by, "a": T0, "r": reason},
            )


def raw(engine: Engine) -> list[tuple[object, ...]]:
    query = f"SELECT number, decided_by, decided_name, reason, accepting_owner FROM {PREFIX}proposals ORDER BY number"
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


def test_packed_rows_are_split_into_their_own_columns(db_url: str) -> None:
    store = Store(db_url, prefix=PREFIX)
    try:
        at_revision_0002_with_packed_rows(store.engine)
        done = store.create()
        assert done is not None and done.before == "0002" and store.revision() == migrations.HEAD
        assert raw(store.engine) == [
            (1, "telegram:43", "Dana Organiser", None, None),
            (2, "slack:U9", "Ann", None, OWNER),
            (3, "console:local", "Olga", "No room this season", None),
            (4, "telegram:7", None, None, None),
            (5, None, None, None, None),
        ]
        # Through the store, as the bot reads them.
        accepted, accepting, declined = (store.proposals.get(n) for n in (1, 2, 3))
        assert accepted is not None and (accepted.decided_by, accepted.decided_name) == (
            "telegram:43",
            "Dana Organiser",
        )
        assert declined is not None and (declined.decider, declined.reason) == ("Olga", "No room this season")
        assert accepting is not None and accepting.reason is None
        [row] = store.proposals.accepting()
        assert (row.proposal.number, row.owner) == (2, OWNER)
        # The process named is the one that may finish or abandon it.
        assert not store.proposals.abandon_accept(2, "someone-else:1:00000000")
        assert store.proposals.finish_accept(2, owner="me", at=T0)
        assert raw(store.engine)[1] == (2, "slack:U9", "Ann", None, None)
    finally:
        store.close()


def test_a_downgrade_packs_them_back(db_url: str) -> None:
    store = Store(db_url, prefix=PREFIX)
    try:
        at_revision_0002_with_packed_rows(store.engine)
        store.create()
        with store.engine.begin() as conn:
            command.downgrade(alembic_run.config(PREFIX, conn), "0002")
        with store.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT number, status, decided_by, reason FROM {PREFIX}proposals ORDER BY 1"))
            assert [tuple(r) for r in rows] == PACKED
    finally:
        store.close()


def test_new_decisions_fill_the_columns(db_url: str) -> None:
    store = Store(db_url, prefix=PREFIX)
    try:
        store.create()
        added = store.proposals.add(Proposal(0, Kind.TALK, Status.NEW, "XDP", "telegram:7", T0))
        name = "Dana  de\nla Cruz"  # a display name on one line, spaces kept as one
        assert store.proposals.begin_accept(added.number, by="telegram:43", name=name, at=T0, event_id="m", owner=OWNER)
        assert raw(store.engine) == [(added.number, "telegram:43", "Dana de la Cruz", None, OWNER)]
        assert store.proposals.abandon_accept(added.number, OWNER)
        assert raw(store.engine) == [(added.number, None, None, None, None)]
        assert store.proposals.decline(
            added.number, by="telegram:43", name="telegram:43", at=T0, reason="no", owner="me"
        )
        assert raw(store.engine) == [(added.number, "telegram:43", None, "no", None)]  # a name that is the key: none
    finally:
        store.close()
