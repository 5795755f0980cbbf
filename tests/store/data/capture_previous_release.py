"""Writes previous_release.sqlite.sql and previous_release.postgresql.sql: the tables and rows a
store made by the release before migrations (commit b97ac33) holds.

Run with that release's code first on the path, never this tree's (its store now migrates):

    tmp=$(mktemp -d) && git archive b97ac33 bot | tar -x -C "$tmp"
    PYTHONPATH="$tmp" .venv/bin/python tests/store/data/capture_previous_release.py \
        postgresql://postgres@127.0.0.1:5432/test

Table names carry the prefix `PREFIX_`; the test swaps in its own. The rows are inserted
through that release's own tables (so its types wrote them), then dumped as SQL.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.store.store import Store  # the previous release's (see above)

HERE = Path(__file__).resolve().parent
PREFIX = "PREFIX_"
T0 = datetime(2026, 11, 3, 17, 30, 5, 250000, tzinfo=UTC)


def rows(store: Store) -> dict[Any, list[dict[str, Any]]]:
    """One or more rows in every table, with every nullable column both set and empty (proposals
    take their numbers from the database, so PostgreSQL's sequence moves as it did in use)."""
    p = store.proposals
    return {
        store.subs: [
            dict(
                chat_key="telegram:-1001",
                platform="telegram",
                chat_id="-1001",
                thread_id="42",
                title="Kernel TLV",
                subscribed=True,
                active=True,
                reason=None,
                updated_by="telegram:7",
                updated_at=T0,
            ),
            dict(
                chat_key="slack:C9",
                platform="slack",
                chat_id="C9",
                thread_id=None,
                title=None,
                subscribed=False,
                active=False,
                reason="unsubscribed",
                updated_by=None,
                updated_at=T0,
            ),
        ],
        store.ledger: [
            dict(
                announcement="reminder:2026-12-01:week",
                chat_key="telegram:-1001",
                state="sent",
                owner="host:1",
                attempts=1,
                claimed_at=T0,
                sent_at=T0,
                detail=None,
                message_ids="101,102",
            ),
            dict(
                announcement="reminder:2026-12-01:week",
                chat_key="slack:C9",
                state="uncertain",
                owner="host:2",
                attempts=3,
                claimed_at=T0,
                sent_at=None,
                detail="timed out: ‘maybe’ posted",
                message_ids=None,
            ),
        ],
        store.broadcasts: [
            dict(
                key="broadcast:5f1c",
                kind="cfp",
                text="Call for speakers!\nÜnïcödé and 'quotes'",
                author="slack:U1",
                created_at=T0,
            ),
        ],
        store.announced: [
            dict(
                event_id="2026-12-01",
                start=datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
                venue="Hall A",
                cancelled=False,
                updated_at=T0,
            ),
            dict(
                event_id="2026-10-01",
                start=datetime(2026, 10, 1, 16, 0, tzinfo=UTC),
                venue=None,
                cancelled=True,
                updated_at=T0,
            ),
        ],
        store.rsvp.meetups: [dict(event_id="2026-12-01", version=3, updated_at=T0)],
        store.rsvp.rsvps: [
            dict(
                event_id="2026-12-01",
                user_key="telegram:7",
                platform="telegram",
                user_id="7",
                name="Dana",
                username="dana",
                state="going",
                seq=1,
                answered_at=T0,
            ),
            dict(
                event_id="2026-12-01",
                user_key="slack:U1",
                platform="slack",
                user_id="U1",
                name=None,
                username=None,
                state="waitlist",
                seq=2,
                answered_at=T0,
            ),
        ],
        store.seen.table: [dict(delivery_id="Ev01ABC", seen_at=T0)],
        store.contacts.table: [dict(user_key="telegram:7", platform="telegram", chat_id="7", updated_at=T0)],
        store.known.table: [
            dict(event_id="2026-12-01", first_seen=T0, baseline=True),
            dict(event_id="2027-01-05", first_seen=T0, baseline=False),
        ],
        p.proposals: [
            dict(
                kind="talk",
                status="accepted",
                title="eBPF in anger",
                from_key="telegram:7",
                from_name="Dana",
                abstract="Long\nabstract",
                speaker="Dana, Kernel Co",
                language="Hebrew",
                address=None,
                capacity=None,
                notes=None,
                created_at=T0,
                decided_by="slack:U1",
                decided_at=T0,
                reason=None,
                event_id="2026-12-01",
            ),
            dict(
                kind="venue",
                status="new",
                title="Our office",
                from_key="slack:U1",
                from_name=None,
                abstract=None,
                speaker=None,
                language=None,
                address="1 Rothschild Blvd",
                capacity=80,
                notes="parking",
                created_at=T0,
                decided_by=None,
                decided_at=None,
                reason=None,
                event_id=None,
            ),
        ],
        p.conversations: [
            dict(
                user_key="telegram:8",
                kind="talk",
                answers='["A title", "An abstract"]',
                confirming=False,
                chat_key="telegram:8",
                started_at=T0,
                updated_at=T0,
            ),
        ],
    }


def fill(store: Store) -> None:
    store.create()
    with store.engine.begin() as conn:
        for table, values in rows(store).items():
            conn.execute(table.insert(), values)


def sqlite_dump(folder: Path) -> str:
    path = folder / "prev.sqlite3"
    fill(Store(f"sqlite:///{path}", prefix=PREFIX))
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump()) + "\n"


def postgresql_dump(url: str) -> str:
    store = Store(url, prefix=PREFIX.lower())
    store.drop()
    fill(store)
    try:
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "--inserts", "--table", f"{PREFIX.lower()}*", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        store.drop()
    keep = [
        line
        for line in dump.splitlines()
        if line and not line.startswith(("--", "\\", "SET ", "SELECT pg_catalog.set_config('search_path'"))
    ]
    return "\n".join(keep).replace("public.", "").replace(PREFIX.lower(), PREFIX) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        (HERE / "previous_release.sqlite.sql").write_text(sqlite_dump(Path(folder)), encoding="utf-8")
    (HERE / "previous_release.postgresql.sql").write_text(postgresql_dump(sys.argv[1]), encoding="utf-8")


if __name__ == "__main__":
    main()
