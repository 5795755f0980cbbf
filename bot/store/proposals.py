"""Tables and queries for talk proposals, venue offers and the conversations that collect them.

Part of a `Store`: the tables join its metadata, so `Store.create()` creates them and
`Store.drop()` drops them. Blocking methods, one short transaction each. A decision is a
conditional update (`WHERE status = 'new'`): of two organisers pressing Accept and Decline at
once, exactly one wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, delete, func, select, update

from bot.proposals.model import Conversation, Kind, Proposal, Status

if TYPE_CHECKING:
    from bot.store.store import Store


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
            Column("decided_at", UTCDateTime),
            Column("reason", Text),
            Column("event_id", String(200)),
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
            query = select(func.count()).where(
                self.proposals.c.from_key == from_key, self.proposals.c.created_at >= since
            )
            return int(conn.execute(query).scalar() or 0)

    def decide(
        self,
        number: int,
        status: Status,
        *,
        by: str,
        at: datetime,
        reason: str | None = None,
        event_id: str | None = None,
    ) -> bool:
        """Settle a new submission; False when it was already settled (or withdrawn)."""
        with self.store.engine.begin() as conn:
            changed = conn.execute(
                update(self.proposals)
                .where(self.proposals.c.number == number, self.proposals.c.status == Status.NEW.value)
                .values(status=status.value, decided_by=by, decided_at=at, reason=reason, event_id=event_id)
            ).rowcount
        return changed == 1

    def withdraw(self, number: int, from_key: str, at: datetime) -> bool:
        with self.store.engine.begin() as conn:
            changed = conn.execute(
                update(self.proposals)
                .where(
                    self.proposals.c.number == number,
                    self.proposals.c.from_key == from_key,
                    self.proposals.c.status == Status.NEW.value,
                )
                .values(status=Status.WITHDRAWN.value, decided_by=from_key, decided_at=at)
            ).rowcount
        return changed == 1

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
        "decided_at": p.decided_at,
        "reason": p.reason,
        "event_id": p.event_id,
    }


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
        decided_at=r.decided_at,
        reason=r.reason,
        event_id=r.event_id,
    )
