"""The store: subscriptions, the delivery ledger and broadcasts, in SQLite or PostgreSQL.

SQLAlchemy 2 Core; the tables are created or upgraded on start by Alembic revisions
(bot/store/migrations). Every method here is blocking and short (one small transaction); async
callers run writes with `asyncio.to_thread` and short reads with `Store.read` (inline on SQLite,
in a worker thread on PostgreSQL).

The ledger is what makes announcements exactly once: a row per (announcement key, chat key),
inserted before the send (the primary key decides who wins) and marked sent after.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    exc,
    or_,
    select,
    update,
)

from bot.announce.rules import AnnouncedEvent
from bot.chat.messages import ChatRef
from bot.clock import Clock, system_clock
from bot.store import migrations
from bot.store.contacts import Contacts
from bot.store.engine import make_engine
from bot.store.guests import GuestStore
from bot.store.hot_reads import HotReads
from bot.store.kinds import CLAIMED as CLAIMED  # the plain types, importable without SQLAlchemy
from bot.store.kinds import FAILED as FAILED
from bot.store.kinds import RETRY as RETRY
from bot.store.kinds import SENT as SENT
from bot.store.kinds import SUPERSEDED as SUPERSEDED
from bot.store.kinds import TOLD as TOLD
from bot.store.kinds import UNCERTAIN as UNCERTAIN
from bot.store.kinds import Broadcast as Broadcast
from bot.store.kinds import LedgerRow as LedgerRow
from bot.store.kinds import LedgerState as LedgerState
from bot.store.kinds import StoreUnavailable as StoreUnavailable
from bot.store.kinds import StoreUnusable as StoreUnusable
from bot.store.kinds import StoreWriteFailed as StoreWriteFailed
from bot.store.kinds import Subscription as Subscription
from bot.store.known import KnownEvents
from bot.store.leadership import Leadership as Leadership
from bot.store.proposals import ProposalStore
from bot.store.rsvp import RsvpStore
from bot.store.seen import SeenDeliveries

log = logging.getLogger(__name__)
T = TypeVar("T")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tables(prefix: str) -> tuple[MetaData, Table, Table, Table, Table]:
    md = MetaData()
    subs = Table(
        f"{prefix}subscriptions",
        md,
        Column("chat_key", String(200), primary_key=True),
        Column("platform", String(32), nullable=False),
        Column("chat_id", String(160), nullable=False),
        # A Telegram forum topic (or Slack thread) the chat was subscribed from: posts go there.
        Column("thread_id", String(64)),
        Column("title", String(300)),
        Column("subscribed", Boolean),
        Column("active", Boolean, nullable=False, default=True),
        Column("reason", String(300)),
        Column("updated_by", String(200)),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    ledger = Table(
        f"{prefix}deliveries",
        md,
        Column("announcement", String(300), primary_key=True),
        Column("chat_key", String(200), primary_key=True),
        Column("state", String(16), nullable=False),
        Column("owner", String(100), nullable=False),
        Column("attempts", Integer, nullable=False, default=1),
        Column("claimed_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime),
        Column("detail", String(500)),
        Column("message_ids", String(300)),
    )
    broadcasts = Table(
        f"{prefix}broadcasts",
        md,
        Column("key", String(300), primary_key=True),
        Column("kind", String(32), nullable=False),
        Column("text", Text, nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", UTCDateTime, nullable=False, index=True),
    )
    announced = Table(
        f"{prefix}announced_events",
        md,
        Column("event_id", String(200), primary_key=True),
        Column("start", UTCDateTime, nullable=False),
        Column("venue", String(200)),
        Column("cancelled", Boolean, nullable=False, default=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    return md, subs, ledger, broadcasts, announced


def _one_line(error: exc.SQLAlchemyError) -> str:
    """The driver's message on one line (psycopg adds a tab-indented hint on a second one)."""
    return " ".join(str(getattr(error, "orig", None) or error).split())[:300]


def write_failure(error: exc.SQLAlchemyError) -> StoreWriteFailed:
    """The driver's own words (`attempt to write a readonly database`, `No space left on device`),
    first line only: no SQL, no parameters, no password."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    return StoreWriteFailed(reason[0][:200] if reason else type(error).__name__)


def _insert_for(dialect: str) -> Any:
    """The dialect's INSERT (with ON CONFLICT). Imported for the dialect in use only: PostgreSQL's
    package loads its drivers' modules, a sixth of SQLAlchemy's import time, which a SQLite bot
    need not pay at start."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


class Store:
    def __init__(self, url: str, *, prefix: str = "mb_", clock: Clock = system_clock) -> None:
        self.url = url
        self.prefix = prefix
        self.clock = clock
        self.engine = make_engine(url)
        self.metadata, self.subs, self.ledger, self.broadcasts, self.announced = _tables(prefix)
        self._insert = _insert_for(self.engine.dialect.name)
        self.rsvp = RsvpStore(self)  # its tables join this metadata: create() and drop() cover them
        self.seen = SeenDeliveries(self)  # platform delivery ids (Slack retries), shared by processes
        self.contacts = Contacts(self)  # who has a private chat with the bot (bot/chat/notify.py)
        self.proposals = ProposalStore(self)  # talk proposals, venue offers, their conversations
        self.known = KnownEvents(self)  # meetups seen confirmed, and since when (new-meetup posts)
        self.guests = GuestStore(self)  # full names for hosts, check-ins at the door, /tellgoing texts
        self.hot = HotReads(url, prefix, lambda: self)  # a card's count, the conversation checks

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """Run a short read for async code (a card's RSVP count, a conversation's state).

        On SQLite it runs right here: in WAL mode a reader never waits for a writer, the read is
        a local file access of about 40 µs, and a hop to a worker thread costs far more than that
        (0.8-1.7 ms of CPU per hop under load, in GIL hand-offs: bench/telegram.py). On
        PostgreSQL it runs in a worker thread: a network round trip must not hold the event loop.
        Writes always go to a worker thread (a SQLite writer may wait for the write lock)."""
        if self.dialect == "sqlite":
            return query(*args)
        return await asyncio.to_thread(query, *args)

    # -- schema --

    def create(self) -> migrations.Upgraded | None:
        """Create the tables or upgrade them to this release's revision (bot/store/migrations: one
        process at a time; at the newest revision it costs one query); None if nothing changed.
        StoreUnavailable: the database cannot be reached; StoreUnusable: cannot be used."""
        return self._schema(lambda: migrations.upgrade(self.engine, self.prefix, self.lock_key("schema")))

    def revision(self) -> str | None:
        """The database's schema revision (None: empty, or made before migrations). Reads only."""
        return self._schema(lambda: migrations.revision(self.engine, self.prefix))

    def _schema(self, work: Callable[[], T]) -> T:
        where = self.engine.url.render_as_string(hide_password=True)
        try:
            return work()
        except migrations.SchemaTooNew as error:
            raise StoreUnusable(f"cannot use the database {where}: {error}") from None
        except exc.OperationalError as error:  # refused, timed out, still starting: worth a retry
            raise StoreUnavailable(f"cannot reach the database {where}: {_one_line(error)}") from None
        except exc.DatabaseError as error:  # it answers, but is no database of ours ("file is not a database")
            raise StoreUnusable(f"cannot use the database {where}: {_one_line(error)}") from None

    def lock_key(self, purpose: str) -> int:
        """A stable advisory-lock key per database, table prefix and purpose, so deployments
        sharing a server never block each other (tests give each run its own search_path)."""
        where = self.engine.url.render_as_string(hide_password=True)
        return zlib.crc32(f"meetup-bot:{purpose}:{where}:{self.prefix}".encode()) & 0x7FFFFFFF

    def drop(self) -> None:
        """Drop this store's tables and its schema version (tests use it to clean up)."""
        with self.engine.begin() as conn:
            self.metadata.drop_all(conn, checkfirst=True)
            Table(migrations.version_table(self.prefix), MetaData()).drop(conn, checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- subscriptions --

    def _upsert_sub(self, conn: Connection, chat: ChatRef, by: str | None, **values: Any) -> None:
        now = self.clock()
        row = {
            "chat_key": chat.key,
            "platform": chat.platform,
            "chat_id": chat.chat_id,
            "title": chat.title,
            "updated_by": by,
            "updated_at": now,
            "active": True,
            **values,
        }
        stmt = self._insert(self.subs).values(**row)
        changes = {k: row[k] for k in (*values, "updated_at", "updated_by")}
        if chat.title:
            changes["title"] = chat.title
        conn.execute(stmt.on_conflict_do_update(index_elements=["chat_key"], set_=changes))

    def subscribe(self, chat: ChatRef, by: str | None = None) -> None:
        """Subscribe the chat; in a forum topic, announcements then go to that topic."""
        with self.engine.begin() as conn:
            self._upsert_sub(conn, chat, by, subscribed=True, active=True, reason=None, thread_id=chat.thread_id)

    def unsubscribe(self, chat: ChatRef, by: str | None = None) -> None:
        with self.engine.begin() as conn:
            self._upsert_sub(conn, chat, by, subscribed=False, reason="unsubscribed")

    def mark_inactive(self, chat: ChatRef, reason: str) -> None:
        with self.engine.begin() as conn:
            self._upsert_sub(conn, chat, "platform", active=False, reason=reason[:300])

    def mark_joined(self, chat: ChatRef) -> None:
        """The bot is (back) in the chat: it is reachable again. A choice made with
        /unsubscribe stays."""
        with self.engine.begin() as conn:
            self._upsert_sub(conn, chat, "platform", active=True, reason=None)

    def move(self, old: ChatRef, new: ChatRef) -> None:
        """A Telegram group became a supergroup: the new id inherits the old one's place. The
        old id was probably listed in config, so the new id is subscribed explicitly; and the
        new id inherits the old one's ledger rows, so nothing the group already got is sent again."""
        with self.engine.begin() as conn:
            prior = conn.execute(select(self.subs.c.subscribed).where(self.subs.c.chat_key == old.key)).first()
            keep = prior[0] if prior is not None and prior[0] is False else True
            self._upsert_sub(conn, new, "platform", subscribed=keep, active=True, reason=f"moved from {old.key}")
            self._upsert_sub(conn, old, "platform", active=False, reason=f"moved to {new.key}")
            rows = conn.execute(select(self.ledger).where(self.ledger.c.chat_key == old.key)).mappings().all()
            for row in rows:
                conn.execute(
                    self._insert(self.ledger)
                    .values({**row, "chat_key": new.key})
                    .on_conflict_do_nothing(index_elements=["announcement", "chat_key"])
                )

    def subscriptions(self) -> list[Subscription]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.subs).order_by(self.subs.c.chat_key)).all()
        return [
            Subscription(
                ChatRef(r.platform, r.chat_id, thread_id=r.thread_id, title=r.title),
                r.subscribed,
                bool(r.active),
                r.reason,
                r.updated_at,
            )
            for r in rows
        ]

    # -- the delivery ledger --

    def claim(self, announcement: str, chat_key: str, owner: str) -> bool:
        """Take the right to send `announcement` to the chat. True for exactly one caller,
        across threads, processes and machines sharing the database; later callers get False
        unless the row was released for a retry."""
        now = self.clock()
        with self.engine.begin() as conn:
            # RETURNING, not rowcount: psycopg 3 reports -1 for an INSERT ... ON CONFLICT.
            inserted = conn.execute(
                self._insert(self.ledger)
                .values(
                    announcement=announcement, chat_key=chat_key, state=CLAIMED, owner=owner, attempts=1, claimed_at=now
                )
                .on_conflict_do_nothing(index_elements=["announcement", "chat_key"])
                .returning(self.ledger.c.state)
            ).first()
            if inserted is not None:
                return True
            # A released row goes to whoever flips its state first: the UPDATE is atomic.
            taken = conn.execute(
                update(self.ledger)
                .where(self._row(announcement, chat_key), self.ledger.c.state == RETRY)
                .values(state=CLAIMED, owner=owner, claimed_at=now, attempts=self.ledger.c.attempts + 1)
            ).rowcount
            return taken == 1

    def _row(self, announcement: str, chat_key: str) -> Any:
        return and_(self.ledger.c.announcement == announcement, self.ledger.c.chat_key == chat_key)

    def _settle(self, announcement: str, chat_key: str, owner: str, **values: Any) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(self.ledger)
                    .where(
                        self._row(announcement, chat_key), self.ledger.c.owner == owner, self.ledger.c.state == CLAIMED
                    )
                    .values(**values)
                ).rowcount
                == 1
            )

    def mark_sent(self, announcement: str, chat_key: str, owner: str, message_ids: Iterable[str] = ()) -> bool:
        return self._settle(
            announcement,
            chat_key,
            owner,
            state=SENT,
            sent_at=self.clock(),
            message_ids=",".join(message_ids)[:300] or None,
        )

    def mark_failed(self, announcement: str, chat_key: str, owner: str, detail: str) -> bool:
        return self._settle(announcement, chat_key, owner, state=FAILED, detail=detail[:500])

    def mark_uncertain(self, announcement: str, chat_key: str, owner: str, detail: str) -> bool:
        return self._settle(announcement, chat_key, owner, state=UNCERTAIN, detail=detail[:500])

    def release(self, announcement: str, chat_key: str, owner: str, detail: str, max_attempts: int) -> bool:
        """Give a claim back after a retryable error. True if it may be retried; False once
        `max_attempts` sends were tried (the row is then FAILED)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(self.ledger.c.attempts).where(
                    self._row(announcement, chat_key), self.ledger.c.owner == owner, self.ledger.c.state == CLAIMED
                )
            ).first()
            if row is None:
                return False
            retry = bool(row.attempts < max_attempts)
            conn.execute(
                update(self.ledger)
                .where(self._row(announcement, chat_key), self.ledger.c.owner == owner)
                .values(state=RETRY if retry else FAILED, detail=detail[:500])
            )
            return retry

    def supersede(self, announcement: str, chat_keys: Iterable[str], owner: str, detail: str) -> None:
        """Settle `announcement` for chats that have not had it, without sending."""
        now = self.clock()
        with self.engine.begin() as conn:
            for chat_key in chat_keys:
                conn.execute(
                    self._insert(self.ledger)
                    .values(
                        announcement=announcement,
                        chat_key=chat_key,
                        state=SUPERSEDED,
                        owner=owner,
                        attempts=0,
                        claimed_at=now,
                        detail=detail[:500],
                    )
                    .on_conflict_do_nothing(index_elements=["announcement", "chat_key"])
                )

    def settled(self, announcements: Iterable[str]) -> dict[str, set[str]]:
        """For each announcement key, the chats that need nothing more (every state but RETRY)."""
        keys = list(announcements)
        out: dict[str, set[str]] = {k: set() for k in keys}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                rows = conn.execute(
                    select(self.ledger.c.announcement, self.ledger.c.chat_key).where(
                        self.ledger.c.announcement.in_(keys[start : start + 500]), self.ledger.c.state != RETRY
                    )
                )
                for announcement, chat_key in rows:
                    out[announcement].add(chat_key)
        return out

    def expire_claims(self, older_than: datetime) -> list[LedgerRow]:
        """Claims whose owner stopped before marking them: the send may or may not have been
        posted. At-most-once: they become UNCERTAIN and are never resent. Returns them."""
        with self.engine.begin() as conn:
            stale = conn.execute(
                select(self.ledger).where(self.ledger.c.state == CLAIMED, self.ledger.c.claimed_at < older_than)
            ).all()
            if stale:
                conn.execute(
                    update(self.ledger)
                    .where(self.ledger.c.state == CLAIMED, self.ledger.c.claimed_at < older_than)
                    .values(state=UNCERTAIN, detail="claim expired: the sender stopped mid-send")
                )
        return [self._ledger_row(r) for r in stale]

    def ledger_rows(self, announcement: str | None = None) -> list[LedgerRow]:
        query = select(self.ledger).order_by(self.ledger.c.announcement, self.ledger.c.chat_key)
        if announcement is not None:
            query = query.where(self.ledger.c.announcement == announcement)
        with self.engine.connect() as conn:
            return [self._ledger_row(r) for r in conn.execute(query)]

    @staticmethod
    def _ledger_row(r: Any) -> LedgerRow:
        return LedgerRow(
            r.announcement, r.chat_key, LedgerState(r.state), r.owner, r.attempts, r.claimed_at, r.sent_at, r.detail
        )

    def told(self, prefixes: Iterable[str]) -> set[str]:
        """Chats that got (or may have got) any announcement whose key starts with a prefix."""
        column = self.ledger.c.announcement
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(self.ledger.c.chat_key)
                .where(or_(*(column.startswith(p, autoescape=True) for p in prefixes)), self.ledger.c.state.in_(TOLD))
                .distinct()
            )
            return {r.chat_key for r in rows}

    def told_since(self, prefix: str, suffix: str, since: datetime, besides: str) -> set[str]:
        """Chats that got (or may have got) an announcement other than `besides`, keyed
        `prefix...suffix`, claimed at or after `since`."""
        column = self.ledger.c.announcement
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(self.ledger.c.chat_key)
                .where(
                    column.startswith(prefix, autoescape=True),
                    column.endswith(suffix, autoescape=True),
                    column != besides,
                    self.ledger.c.state.in_(TOLD),
                    self.ledger.c.claimed_at >= since,
                )
                .distinct()
            )
            return {r.chat_key for r in rows}

    def reopen(self, announcement: str, chat_keys: Iterable[str]) -> list[str]:
        """An organiser checked: the UNCERTAIN sends of `announcement` to these chats did not
        arrive. They become RETRY (fresh attempts), so the next send claims them; returns the
        chats reopened (one already settled otherwise is left alone)."""
        keys = list(chat_keys)
        with self.engine.begin() as conn:
            rows = conn.execute(
                update(self.ledger)
                .where(
                    self.ledger.c.announcement == announcement,
                    self.ledger.c.chat_key.in_(keys),
                    self.ledger.c.state == UNCERTAIN,
                )
                .values(state=RETRY, attempts=0, detail="resent by an organiser")
                .returning(self.ledger.c.chat_key)
            )
            return sorted(r.chat_key for r in rows)

    # -- broadcasts --

    def add_broadcast(self, broadcast: Broadcast) -> None:
        """Record a broadcast before it is sent; StoreWriteFailed when the database refuses."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    self.broadcasts.insert().values(
                        key=broadcast.key,
                        kind=broadcast.kind,
                        text=broadcast.text,
                        author=broadcast.author,
                        created_at=broadcast.created_at,
                    )
                )
        except exc.SQLAlchemyError as error:
            raise write_failure(error) from None

    def broadcast(self, key: str) -> Broadcast | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(self.broadcasts).where(self.broadcasts.c.key == key)).first()
        return None if r is None else Broadcast(r.key, r.kind, r.text, r.author, r.created_at)

    def broadcasts_since(self, since: datetime) -> list[Broadcast]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(self.broadcasts)
                .where(self.broadcasts.c.created_at >= since)
                .order_by(self.broadcasts.c.created_at)
            ).all()
        return [Broadcast(r.key, r.kind, r.text, r.author, r.created_at) for r in rows]

    # -- what was announced (for change notices) --

    def announced_events(self) -> dict[str, AnnouncedEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.announced)).all()
        return {r.event_id: AnnouncedEvent(r.event_id, r.start, r.venue, bool(r.cancelled)) for r in rows}

    def record_announced(self, state: AnnouncedEvent) -> None:
        values = {"start": state.start, "venue": state.venue, "cancelled": state.cancelled, "updated_at": self.clock()}
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(self.announced)
                .values(event_id=state.event_id, **values)
                .on_conflict_do_update(index_elements=["event_id"], set_=values)
            )
