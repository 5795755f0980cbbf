"""The store's plain types: ledger states, records and errors, importable without SQLAlchemy.

bot/store/store.py re-exports them; modules on the way to the first answer import them from
here, so that loading them does not load SQLAlchemy (bot/store/deferred.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.chat.messages import ChatRef

# The schema revision this release runs at: the newest in bot/store/migrations/versions/ (a new
# revision changes it here; tests/store/test_migrations.py checks it against Alembic's head).
SCHEMA_HEAD = "0004"


class LedgerState(enum.StrEnum):
    """A (announcement, chat) row's state in the delivery ledger.

    CLAIMED: a process is sending right now (or died while sending). SENT: posted. FAILED: will
    never be posted (chat gone, permanent error, retries exhausted). RETRY: released after a
    retryable error; whoever claims next sends. UNCERTAIN: the platform may have posted it (a
    timeout, or a claim whose owner died): under the at-most-once policy it is never resent
    automatically (an organiser may, with /resend). SUPERSEDED: never sent because something
    else said it (a change notice covers the reminder a moved meetup would otherwise get).
    """

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    UNCERTAIN = "uncertain"
    SUPERSEDED = "superseded"


CLAIMED, SENT, FAILED, RETRY = LedgerState.CLAIMED, LedgerState.SENT, LedgerState.FAILED, LedgerState.RETRY
UNCERTAIN, SUPERSEDED = LedgerState.UNCERTAIN, LedgerState.SUPERSEDED
# The chat got it, or may have: what a chat has been told (for change notices).
TOLD = (CLAIMED, SENT, UNCERTAIN)


@dataclass(frozen=True, slots=True)
class Subscription:
    chat: ChatRef
    subscribed: bool | None  # True: /subscribe; False: /unsubscribe; None: no choice made
    active: bool  # False: the platform said the bot cannot post there
    reason: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerRow:
    announcement: str
    chat_key: str
    state: LedgerState
    owner: str
    attempts: int
    claimed_at: datetime
    sent_at: datetime | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class Broadcast:
    key: str  # "broadcast:<uuid>"
    kind: str  # "cfp" | "announce"
    text: str
    author: str
    created_at: datetime


class StoreUnavailable(Exception):
    """The database cannot be reached (the message never holds a password)."""


class StoreUnusable(StoreUnavailable):
    """The database answers but cannot be used (a file that is not a database): retrying will not help."""


class StoreWriteFailed(StoreUnavailable):
    """The database refused a write (read-only, disk full, gone): the message says why."""
