"""Tables and queries for talk proposals, venue offers and the conversations that collect them.

Part of a `Store`: the tables join its metadata, so `Store.create()` creates them and
`Store.drop()` drops them. Blocking methods, one short transaction each.

Every change of a submission's status is ONE conditional UPDATE (`WHERE number = ? AND status
= ?`, bot.proposals.model.TRANSITIONS), so of any number of accepts, declines and withdrawals at
once, in any number of processes sharing the database, exactly one changes the row and the rest
see they lost. Finishing a conversation is one transaction too: the conversation's row is deleted
(only the deleter goes on), the person's submissions of the last day counted and the new one
inserted, under a per-person lock, so ten quick `yes` store one submission and two processes
cannot both pass the daily limit.

The decider is two columns, `decided_by` (their `platform:id`) and `decided_name` (their
display name, for "already accepted by Dana"); while a submission is `accepting`,
`accepting_owner` names the process making the edit (`host:pid:random`), so a start can tell an
accept whose process died from one still running elsewhere. (Until revision 0003 both rode in
other columns: bot/store/migrations/versions/r0003_proposal_columns.py splits such rows.) An
accept that holds the meetup at a venue already in the file (`venue=<id>`) records that venue's
id in `venue_id` (revision 0004), so a start can tell whether the file has the edit.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, Connection, Integer, String, Table, Text, delete, func, select, text, update

from bot.proposals.model import TRANSITIONS, Conversation, Kind, Proposal, Status, notice_key

if TYPE_CHECKING:
    from bot.store.store import Store

DECIDED_NAME_MAX = 300  # the column's size


class Outcome(enum.StrEnum):
    STORED = "stored"
    OVER_LIMIT = "over limit"  # refused: the person sent the daily number already
    ALREADY_SENT = "already sent"  # another message finished this conversation first


@dataclass(frozen=True, slots=True)
class Submitted:
    """What finishing a conversation (or a form) did."""

    outcome: Outcome
    proposal: Proposal | None = None  # the stored submission (STORED)
    count: int = 0  # the person's submissions in the window (OVER_LIMIT)


@dataclass(frozen=True, slots=True)
class Accepting:
    """A submission in `accepting`, and the process making its edit."""

    proposal: Proposal
    owner: str | None


class ProposalStore:
    def __init__(self, store: Store) -> None:
        from bot.store.store import UTCDateTime  # the store module builds us: import late

        self.store = store
        md, prefix = store.metadata, store.prefix
        self.proposals = Table(
            f"{prefix}proposals",
            md,
            Column("number", Integer, primary_key=True, autoincrement=True),
            Column("kind", String(16), nullable=False),
            Column("status", String(16), nullable=False, index=True),
            Column("title", String(400), nullable=False),
            Column("from_key", String(200), nullable=False, index=True),
            Column("from_name", String(300)),
            Column("abstract", Text),
            Column("speaker", String(500)),
            Column("language", String(32)),
            Column("address", String(500)),
            Column("capacity", Integer),
            Column("notes", Text),
            Column("created_at", UTCDateTime, nullable=False),
            Column("decided_by", String(200)),
            Column("decided_name", String(DECIDED_NAME_MAX)),
            Column("decided_at", UTCDateTime),
            Column("reason", Text),
            Column("event_id", String(200)),
            Column("accepting_owner", String(200)),  # the process making the edit, while `accepting`
            # /accept V3 venue=<id>: the existing venue the meetup is held at. Text: the organiser
            # typed it, and only the edit checks that such a venue exists.
            Column("venue_id", Text),
        )
        self.conversations = Table(
            f"{prefix}proposal_conversations",
            md,
            Column("user_key", String(200), primary_key=True),
            Column("kind", String(16), nullable=False),
            Column("answers", Text, nullable=False),  # JSON list of the answers so far
            Column("confirming", Boolean, nullable=False, default=False),
            Column("chat_key", String(200), nullable=False),
            Column("started_at", UTCDateTime, nullable=False),
            Column("updated_at", UTCDateTime, nullable=False),
        )

    # -- submissions --

    def add(self, proposal: Proposal) -> Proposal:
        values = _values(proposal)
        with self.store.engine.begin() as conn:
            number = conn.execute(self.proposals.insert().values(**values).returning(self.proposals.c.number)).scalar()
        return self.get(int(number or 0)) or proposal

    def get(self, number: int) -> Proposal | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(self.proposals).where(self.proposals.c.number == number)).first()
        return _proposal(row) if row is not None else None

    def find(self, statuses: Iterable[Status] | None = None, from_key: str | None = None) -> list[Proposal]:
        query = select(self.proposals).order_by(self.proposals.c.number)
        if statuses is not None:
            query = query.where(self.proposals.c.status.in_([s.value for s in statuses]))
        if from_key is not None:
            query = query.where(self.proposals.c.from_key == from_key)
        with self.store.engine.connect() as conn:
            return [_proposal(r) for r in conn.execute(query)]

    def count_since(self, from_key: str, since: datetime) -> int:
        with self.store.engine.connect() as conn:
            return self._count_since(conn, from_key, since)

    def _count_since(self, conn: Connection, from_key: str, since: datetime) -> int:
        query = select(func.count()).where(self.proposals.c.from_key == from_key, self.proposals.c.created_at >= since)
        return int(conn.execute(query).scalar() or 0)

    def submit(
        self, proposal: Proposal, *, since: datetime, limit: int | None, conversation_started: datetime | None
    ) -> Submitted:
        """Store a new submission, in one transaction with its checks.

        `conversation_started`: the conversation being finished (its row is deleted; only the
        deleter stores, everyone else gets ALREADY_SENT), or None for a filled form. `limit`:
        refuse with OVER_LIMIT when the person has sent that many since `since` (None: no limit,
        for organisers). A refusal still ends the conversation, as the person is told."""
        key = proposal.from_key
        with self.store.engine.begin() as conn:
            self._lock_person(conn, key)
            if conversation_started is not None:
                gone = conn.execute(
                    delete(self.conversations).where(
                        self.conversations.c.user_key == key,
                        self.conversations.c.started_at == conversation_started,
                        self.conversations.c.confirming.is_(True),
                    )
                ).rowcount
                if gone != 1:
                    return Submitted(Outcome.ALREADY_SENT)
            if limit is not None:
                count = self._count_since(conn, key, since)
                if count >= limit:
                    return Submitted(Outcome.OVER_LIMIT, count=count)
            inserted = conn.execute(
                self.proposals.insert().values(**_values(proposal)).returning(self.proposals.c.number)
            ).scalar()
        stored = self.get(int(inserted or 0))
        return Submitted(Outcome.STORED, stored or proposal)

    def _lock_person(self, conn: Connection, from_key: str) -> None:
        """Serialise one person's submissions until the transaction ends. PostgreSQL: an advisory
        lock per person (READ COMMITTED would let two transactions both count four and insert).
        SQLite: a write that changes nothing takes the database's write lock now, before the count
        reads, so the count and the insert are one serialised step (a deferred transaction that
        read first would fail its first write with SQLITE_BUSY instead of waiting)."""
        if self.store.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.store.lock_key(f"submit:{from_key}")})
        else:
            conn.execute(update(self.proposals).where(self.proposals.c.number == -1).values(status=Status.NEW.value))

    # -- decisions: one conditional UPDATE each --

    def _move(
        self,
        number: int,
        old: Status,
        new: Status,
        *conditions: Any,
        tell: tuple[str, datetime] | None = None,
        **values: Any,
    ) -> bool:
        """One conditional UPDATE: True for the one caller that changed the row. With `tell`
        (owner, time), the same transaction claims the proposer's notice in the delivery ledger
        for that owner, so the decision and the duty to tell of it are recorded together: the
        notice goes once, and a crash between the two cannot lose or repeat it."""
        if (old, new) not in TRANSITIONS:
            raise ValueError(f"no such change of status: {old} -> {new}")
        with self.store.engine.begin() as conn:
            row = conn.execute(
                update(self.proposals)
                .where(self.proposals.c.number == number, self.proposals.c.status == old.value, *conditions)
                .values(status=new.value, **values)
                .returning(self.proposals.c.from_key)
            ).first()
            if row is not None and tell is not None:
                owner, at = tell
                ledger = self.store.ledger
                claim = {"state": "claimed", "owner": owner, "attempts": 1, "claimed_at": at}
                conn.execute(
                    self.store._insert(ledger)
                    .values(announcement=notice_key(number), chat_key=row.from_key, **claim)
                    .on_conflict_do_nothing(index_elements=["announcement", "chat_key"])
                )
        return row is not None

    def begin_accept(
        self,
        number: int,
        *,
        by: str,
        name: str | None,
        at: datetime,
        event_id: str,
        owner: str,
        venue_id: str | None = None,
    ) -> bool:
        """new -> accepting: True for exactly one caller; only that caller edits the calendar.
        `venue_id`: the existing venue a venue offer's accept holds the meetup at, if any."""
        return self._move(
            number,
            Status.NEW,
            Status.ACCEPTING,
            decided_by=by,
            decided_name=_name(by, name),
            decided_at=at,
            event_id=event_id,
            accepting_owner=owner,
            venue_id=venue_id,
        )

    def finish_accept(self, number: int, *, owner: str, at: datetime) -> bool:
        """accepting -> accepted: the edit is in the calendar; `owner` is to tell the proposer."""
        return self._move(number, Status.ACCEPTING, Status.ACCEPTED, tell=(owner, at), accepting_owner=None)

    def abandon_accept(self, number: int, owner: str | None = None) -> bool:
        """accepting -> new: the edit was not made. With `owner`, only that process's accept."""
        conditions = [] if owner is None else [self.proposals.c.accepting_owner == owner]
        cleared = {
            "decided_by": None,
            "decided_name": None,
            "decided_at": None,
            "event_id": None,
            "accepting_owner": None,
            "venue_id": None,
        }
        return self._move(number, Status.ACCEPTING, Status.NEW, *conditions, **cleared)

    def decline(self, number: int, *, by: str, name: str | None, at: datetime, reason: str | None, owner: str) -> bool:
        """new -> declined; `owner` is to tell the proposer."""
        return self._move(
            number,
            Status.NEW,
            Status.DECLINED,
            tell=(owner, at),
            decided_by=by,
            decided_name=_name(by, name),
            decided_at=at,
            reason=reason,
            event_id=None,
        )

    def withdraw(self, number: int, from_key: str, at: datetime) -> bool:
        """new -> withdrawn, by its proposer only (who needs no notice of it)."""
        return self._move(
            number,
            Status.NEW,
            Status.WITHDRAWN,
            self.proposals.c.from_key == from_key,
            decided_by=from_key,
            decided_name=None,
            decided_at=at,
        )

    def accepting(self) -> list[Accepting]:
        """Submissions in `accepting`, with the process making each edit."""
        query = select(self.proposals).where(self.proposals.c.status == Status.ACCEPTING.value)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(self.proposals.c.number)).all()
        return [Accepting(_proposal(r), r.accepting_owner) for r in rows]

    def forget(self, from_key: str) -> int:
        """Delete everything a person submitted, and their conversation; returns the submissions."""
        with self.store.engine.begin() as conn:
            gone = conn.execute(delete(self.proposals).where(self.proposals.c.from_key == from_key)).rowcount
            conn.execute(delete(self.conversations).where(self.conversations.c.user_key == from_key))
        return int(gone or 0)

    # -- conversations --

    def conversation(self, user_key: str) -> Conversation | None:
        with self.store.engine.connect() as conn:
            r = conn.execute(select(self.conversations).where(self.conversations.c.user_key == user_key)).first()
        if r is None:
            return None
        answers = tuple(str(a) for a in json.loads(r.answers))
        return Conversation(
            r.user_key, Kind(r.kind), answers, r.chat_key, r.started_at, r.updated_at, bool(r.confirming)
        )

    def save_conversation(self, conversation: Conversation) -> None:
        values = {
            "kind": conversation.kind.value,
            "answers": json.dumps(list(conversation.answers), ensure_ascii=False),
            "confirming": conversation.confirming,
            "chat_key": conversation.chat_key,
            "started_at": conversation.started_at,
            "updated_at": conversation.updated_at,
        }
        stmt = self.store._insert(self.conversations).values(user_key=conversation.user_key, **values)
        with self.store.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["user_key"], set_=values))

    def end_conversation(self, user_key: str) -> bool:
        with self.store.engine.begin() as conn:
            gone = conn.execute(delete(self.conversations).where(self.conversations.c.user_key == user_key)).rowcount
        return bool(gone)


def _values(p: Proposal) -> dict[str, Any]:
    return {
        "kind": p.kind.value,
        "status": p.status.value,
        "title": p.title,
        "from_key": p.from_key,
        "from_name": p.from_name,
        "abstract": p.abstract,
        "speaker": p.speaker,
        "language": p.language,
        "address": p.address,
        "capacity": p.capacity,
        "notes": p.notes,
        "created_at": p.created_at,
        "decided_by": p.decided_by,
        "decided_name": _name(p.decided_by, p.decided_name) if p.decided_by else None,
        "decided_at": p.decided_at,
        "reason": p.reason,
        "event_id": p.event_id,
        "venue_id": p.venue_id,
    }


def _name(key: str, name: str | None) -> str | None:
    """The decider's display name as stored: on one line; None when there is none or it is the key."""
    name = " ".join((name or "").split())
    return name[:DECIDED_NAME_MAX] if name and name != key else None


def _proposal(r: Any) -> Proposal:
    return Proposal(
        number=int(r.number),
        kind=Kind(r.kind),
        status=Status(r.status),
        title=r.title,
        from_key=r.from_key,
        created_at=r.created_at,
        from_name=r.from_name,
        abstract=r.abstract,
        speaker=r.speaker,
        language=r.language,
        address=r.address,
        capacity=r.capacity,
        notes=r.notes,
        decided_by=r.decided_by,
        decided_name=r.decided_name,
        decided_at=r.decided_at,
        reason=r.reason,
        event_id=r.event_id,
        venue_id=r.venue_id,
    )
