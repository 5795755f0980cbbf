"""The schema of the last release before migrations (commit b97ac33), frozen: how an unversioned
database is recognised and brought to the first revision before it is stamped.

That release created its tables with `create_all` and added a column a newer version defined with
`ALTER TABLE ADD`; a database it made may miss tables or columns of its final schema (it was
last opened by an older release). Adopting one repairs exactly that, then stamps revision 0001.
Never edit this module: a change of the schema is a new revision in versions/.
"""

from __future__ import annotations

import logging

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

log = logging.getLogger(__name__)


def _when(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _announcements(md: MetaData, p: str) -> None:
    Table(
        f"{p}subscriptions",
        md,
        Column("chat_key", String(200), primary_key=True),
        Column("platform", String(32), nullable=False),
        Column("chat_id", String(160), nullable=False),
        Column("thread_id", String(64)),
        Column("title", String(300)),
        Column("subscribed", Boolean),
        Column("active", Boolean, nullable=False),
        Column("reason", String(300)),
        Column("updated_by", String(200)),
        _when("updated_at"),
    )
    Table(
        f"{p}deliveries",
        md,
        Column("announcement", String(300), primary_key=True),
        Column("chat_key", String(200), primary_key=True),
        Column("state", String(16), nullable=False),
        Column("owner", String(100), nullable=False),
        Column("attempts", Integer, nullable=False),
        _when("claimed_at"),
        _when("sent_at", nullable=True),
        Column("detail", String(500)),
        Column("message_ids", String(300)),
    )
    broadcasts = Table(
        f"{p}broadcasts",
        md,
        Column("key", String(300), primary_key=True),
        Column("kind", String(32), nullable=False),
        Column("text", Text, nullable=False),
        Column("author", String(200), nullable=False),
        _when("created_at"),
    )
    Index(f"ix_{p}broadcasts_created_at", broadcasts.c.created_at)
    Table(
        f"{p}announced_events",
        md,
        Column("event_id", String(200), primary_key=True),
        _when("start"),
        Column("venue", String(200)),
        Column("cancelled", Boolean, nullable=False),
        _when("updated_at"),
    )
    Table(
        f"{p}known_events",
        md,
        Column("event_id", String(200), primary_key=True),
        _when("first_seen"),
        Column("baseline", Boolean, nullable=False),
    )


def _people(md: MetaData, p: str) -> None:
    Table(f"{p}rsvp_meetups", md, Column("event_id", String(200), primary_key=True),
          Column("version", Integer, nullable=False), _when("updated_at"))  # fmt: skip
    rsvps = Table(
        f"{p}rsvps",
        md,
        Column("event_id", String(200), primary_key=True),
        Column("user_key", String(200), primary_key=True),
        Column("platform", String(32), nullable=False),
        Column("user_id", String(160), nullable=False),
        Column("name", String(300)),
        Column("username", String(200)),
        Column("state", String(16), nullable=False),
        Column("seq", Integer, nullable=False),
        _when("answered_at"),
    )
    Index(f"{p}rsvps_by_state", rsvps.c.event_id, rsvps.c.state, rsvps.c.seq)
    Index(f"{p}rsvps_by_user", rsvps.c.user_key)
    seen = Table(f"{p}seen_deliveries", md, Column("delivery_id", String(200), primary_key=True), _when("seen_at"))
    Index(f"ix_{p}seen_deliveries_seen_at", seen.c.seen_at)
    Table(
        f"{p}private_contacts",
        md,
        Column("user_key", String(200), primary_key=True),
        Column("platform", String(32), nullable=False),
        Column("chat_id", String(160), nullable=False),
        _when("updated_at"),
    )


def _proposals(md: MetaData, p: str) -> None:
    proposals = Table(
        f"{p}proposals",
        md,
        Column("number", Integer, primary_key=True, autoincrement=True),
        Column("kind", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("title", String(400), nullable=False),
        Column("from_key", String(200), nullable=False),
        Column("from_name", String(300)),
        Column("abstract", Text),
        Column("speaker", String(500)),
        Column("language", String(32)),
        Column("address", String(500)),
        Column("capacity", Integer),
        Column("notes", Text),
        _when("created_at"),
        Column("decided_by", String(200)),
        _when("decided_at", nullable=True),
        Column("reason", Text),
        Column("event_id", String(200)),
    )
    Index(f"ix_{p}proposals_status", proposals.c.status)
    Index(f"ix_{p}proposals_from_key", proposals.c.from_key)
    Table(
        f"{p}proposal_conversations",
        md,
        Column("user_key", String(200), primary_key=True),
        Column("kind", String(16), nullable=False),
        Column("answers", Text, nullable=False),
        Column("confirming", Boolean, nullable=False),
        Column("chat_key", String(200), nullable=False),
        _when("started_at"),
        _when("updated_at"),
    )


def schema(prefix: str) -> MetaData:
    """The previous release's tables and indexes, names prefixed."""
    md = MetaData()
    _announcements(md, prefix)
    _people(md, prefix)
    _proposals(md, prefix)
    return md


def present(conn: Connection, prefix: str) -> bool:
    """Whether the database holds any table of the previous release under this prefix."""
    have = set(inspect(conn).get_table_names())
    return any(name in have for name in schema(prefix).tables)


def repair(conn: Connection, prefix: str) -> list[str]:
    """Create the previous release's missing tables and add its missing columns, as that release
    did on start; returns what was added. A missing column is added nullable (as that release
    added it): rows older than the column have no value for it."""
    md = schema(prefix)
    inspector = inspect(conn)
    have = set(inspector.get_table_names())
    added = [name for name in md.tables if name not in have]
    md.create_all(conn, checkfirst=True)
    for table in md.sorted_tables:
        if table.name not in have:
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in columns and not column.primary_key:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                added.append(f"{table.name}.{column.name}")
    for what in added:
        log.info("store: adopting an unversioned database: added %s", what)
    return added
