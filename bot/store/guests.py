"""Guest names, check-ins at the door and word to those coming: the store's part for the host's evening.

Three tables in the store's metadata (created and dropped with it):

- `guest_names`: a person's full name for hosts that need names in advance, and whether the bot
  has asked for it (it asks once);
- `checkins`: a check-in code (an unguessable token) per person per meetup, and whether and when
  they came; a walk-in who never said going gets a row of their own, keyed by their name;
- `tellgoing`: the texts organisers sent to those coming (`/tellgoing`), recorded before the
  first send, so a restart in the middle finishes the fan-out (the delivery ledger keeps it once
  per person).

A check-in is a conditional update (`WHERE checked_in_at IS NULL`): of two organisers scanning
one code at once, exactly one checks the person in and the other is told it was done already.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, and_, delete, exc, func, select, update

if TYPE_CHECKING:
    from bot.store.store import Store

WALK_IN = "walk-in:"  # the user key prefix of a walk-in's row: they have no platform account here


def new_token() -> str:
    """128 random bits, URL-safe (fits a Telegram deep link's start parameter)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, slots=True)
class CheckIn:
    event_id: str
    user_key: str
    token: str
    name: str | None  # a walk-in's name as the organiser typed it
    checked_in_at: datetime | None
    checked_in_by: str | None

    @property
    def walk_in(self) -> bool:
        return self.user_key.startswith(WALK_IN)


@dataclass(frozen=True, slots=True)
class CheckInResult:
    row: CheckIn
    first: bool  # False: they had been checked in already (row says when and by whom)


@dataclass(frozen=True, slots=True)
class ToldGoing:
    """One `/tellgoing` text."""

    event_id: str
    number: int
    text: str
    author: str
    waitlist: bool
    created_at: datetime
    finished_at: datetime | None

    @property
    def key(self) -> str:
        """Its delivery-ledger key; the person's key is the ledger's "chat"."""
        return f"tellgoing:{self.event_id}:{self.number}"


class GuestStore:
    def __init__(self, store: Store) -> None:
        from bot.store.store import UTCDateTime  # the store module builds us: import late

        self.store = store
        md, prefix = store.metadata, store.prefix
        self.names = Table(
            f"{prefix}guest_names",
            md,
            Column("user_key", String(200), primary_key=True),
            Column("full_name", String(200)),
            Column("asked_at", UTCDateTime),
            Column("updated_at", UTCDateTime, nullable=False),
        )
        self.checkins = Table(
            f"{prefix}checkins",
            md,
            Column("event_id", String(200), primary_key=True),
            Column("user_key", String(200), primary_key=True),
            Column("token", String(64), nullable=False, unique=True),
            Column("name", String(200)),
            Column("checked_in_at", UTCDateTime),
            Column("checked_in_by", String(200)),
        )
        self.told = Table(
            f"{prefix}tellgoing",
            md,
            Column("event_id", String(200), primary_key=True),
            Column("number", Integer, primary_key=True),
            Column("text", Text, nullable=False),
            Column("author", String(200), nullable=False),
            Column("waitlist", Boolean, nullable=False, default=False),
            Column("created_at", UTCDateTime, nullable=False),
            Column("finished_at", UTCDateTime),
        )

    # ---- full names ------------------------------------------------------------------------------

    def full_names(self, user_keys: Iterable[str]) -> dict[str, str]:
        keys = list(dict.fromkeys(user_keys))
        if not keys:
            return {}
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(self.names.c.user_key, self.names.c.full_name).where(
                    self.names.c.user_key.in_(keys), self.names.c.full_name.is_not(None)
                )
            ).all()
        return {r.user_key: r.full_name for r in rows}

    def set_full_name(self, user_key: str, full_name: str, now: datetime) -> None:
        values = {"full_name": full_name, "updated_at": now}
        with self.store.engine.begin() as conn:
            conn.execute(
                self.store._insert(self.names)
                .values(user_key=user_key, asked_at=now, **values)
                .on_conflict_do_update(index_elements=["user_key"], set_=values)
            )

    def ask_once(self, user_key: str, now: datetime) -> bool:
        """True for the one caller that should ask this person for their full name: not asked
        before and no name given. Decided by the insert (the primary key), so two /going at once
        ask once."""
        with self.store.engine.begin() as conn:
            inserted = conn.execute(
                self.store._insert(self.names)
                .values(user_key=user_key, asked_at=now, updated_at=now)
                .on_conflict_do_nothing(index_elements=["user_key"])
                .returning(self.names.c.user_key)
            ).first()
        return inserted is not None

    def awaiting_name(self, user_key: str) -> bool:
        """Asked, and no name given yet: their next plain message in private is the name."""
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(self.names.c.full_name, self.names.c.asked_at).where(self.names.c.user_key == user_key)
            ).first()
        return row is not None and row.full_name is None and row.asked_at is not None

    # ---- check-in codes and check-ins --------------------------------------------------------------

    def code(self, event_id: str, user_key: str) -> str:
        """The person's check-in token for the meetup, made on first use and the same ever after."""
        with self.store.engine.begin() as conn:
            conn.execute(
                self.store._insert(self.checkins)
                .values(event_id=event_id, user_key=user_key, token=new_token())
                .on_conflict_do_nothing(index_elements=["event_id", "user_key"])
            )
            return str(conn.execute(select(self.checkins.c.token).where(self._pk(event_id, user_key))).scalar_one())

    def by_token(self, token: str) -> CheckIn | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(self.checkins).where(self.checkins.c.token == token)).first()
        return _checkin(row) if row is not None else None

    def check_in(self, event_id: str, user_key: str, by: str, now: datetime, name: str | None = None) -> CheckInResult:
        """Check the person in (a row is made for someone without a code yet, or a walk-in).
        Exactly one of concurrent callers gets `first`."""
        with self.store.engine.begin() as conn:
            conn.execute(
                self.store._insert(self.checkins)
                .values(event_id=event_id, user_key=user_key, token=new_token(), name=name)
                .on_conflict_do_nothing(index_elements=["event_id", "user_key"])
            )
            changed = conn.execute(
                update(self.checkins)
                .where(self._pk(event_id, user_key), self.checkins.c.checked_in_at.is_(None))
                .values(checked_in_at=now, checked_in_by=by)
            ).rowcount
            row = conn.execute(select(self.checkins).where(self._pk(event_id, user_key))).one()
        return CheckInResult(_checkin(row), first=changed == 1)

    def checkins_of(self, event_id: str) -> list[CheckIn]:
        """Every row of the meetup (codes issued, and who came), walk-ins included."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(self.checkins).where(self.checkins.c.event_id == event_id)).all()
        return [_checkin(r) for r in rows]

    def came(self, event_ids: Iterable[str]) -> dict[str, int]:
        """How many came to each meetup (walk-ins included)."""
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return {}
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(self.checkins.c.event_id, func.count())
                .where(self.checkins.c.event_id.in_(ids), self.checkins.c.checked_in_at.is_not(None))
                .group_by(self.checkins.c.event_id)
            ).all()
        return {event_id: int(count) for event_id, count in rows}

    # ---- word to those coming ------------------------------------------------------------------

    def add_told(self, event_id: str, text: str, author: str, waitlist: bool, now: datetime) -> ToldGoing:
        """Record a /tellgoing text before it is sent, under the meetup's next number."""
        for _ in range(5):  # two organisers at once may pick the same number: the key decides
            try:
                with self.store.engine.begin() as conn:
                    last = conn.execute(
                        select(func.max(self.told.c.number)).where(self.told.c.event_id == event_id)
                    ).scalar_one()
                    number = int(last or 0) + 1
                    values = {"text": text, "author": author, "waitlist": waitlist, "created_at": now}
                    conn.execute(self.told.insert().values(event_id=event_id, number=number, **values))
                return ToldGoing(event_id, number, text, author, waitlist, now, None)
            except exc.IntegrityError:
                continue
        raise RuntimeError(f"could not number a /tellgoing text for {event_id}")

    def find_told(self, event_id: str, number: int) -> ToldGoing | None:
        """One recorded text (for /resend); None when it is gone (its author's /forget)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(self.told).where(self.told.c.event_id == event_id, self.told.c.number == number)
            ).first()
        return _told(row) if row is not None else None

    def unfinished_told(self) -> list[ToldGoing]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(self.told).where(self.told.c.finished_at.is_(None)).order_by(self.told.c.created_at)
            ).all()
        return [_told(r) for r in rows]

    def finish_told(self, told: ToldGoing, now: datetime) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(self.told)
                .where(self.told.c.event_id == told.event_id, self.told.c.number == told.number)
                .values(finished_at=now)
            )

    # ---- /forget ---------------------------------------------------------------------------------

    def forget(self, user_key: str) -> tuple[int, int, int]:
        """Delete the person's full name, check-in codes and check-ins, and the /tellgoing texts
        they wrote; returns how many of each."""
        with self.store.engine.begin() as conn:
            names = conn.execute(
                delete(self.names).where(self.names.c.user_key == user_key, self.names.c.full_name.is_not(None))
            ).rowcount
            conn.execute(delete(self.names).where(self.names.c.user_key == user_key))  # the "asked" mark
            codes = conn.execute(delete(self.checkins).where(self.checkins.c.user_key == user_key)).rowcount
            texts = conn.execute(delete(self.told).where(self.told.c.author == user_key)).rowcount
        return int(names or 0), int(codes or 0), int(texts or 0)

    def _pk(self, event_id: str, user_key: str) -> Any:
        return and_(self.checkins.c.event_id == event_id, self.checkins.c.user_key == user_key)


def _checkin(row: Any) -> CheckIn:
    return CheckIn(row.event_id, row.user_key, row.token, row.name, row.checked_in_at, row.checked_in_by)


def _told(row: Any) -> ToldGoing:
    return ToldGoing(
        row.event_id, int(row.number), row.text, row.author, bool(row.waitlist), row.created_at, row.finished_at
    )
