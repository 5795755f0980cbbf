"""The first revision: the schema of the last release before migrations (commit b97ac33).

Revision ID: 0001
Revises: (none)

Written out, never generated from the code's tables: a revision is history and does not change
when the tables in bot/store change. Table and index names carry the store's prefix, which the
runner passes in `context.config.attributes["prefix"]`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _announcements(p: str) -> None:
    op.create_table(
        f"{p}subscriptions",
        sa.Column("chat_key", sa.String(200), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(160), nullable=False),
        sa.Column("thread_id", sa.String(64)),
        sa.Column("title", sa.String(300)),
        sa.Column("subscribed", sa.Boolean),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(300)),
        sa.Column("updated_by", sa.String(200)),
        _when("updated_at"),
    )
    op.create_table(
        f"{p}deliveries",
        sa.Column("announcement", sa.String(300), primary_key=True),
        sa.Column("chat_key", sa.String(200), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _when("claimed_at"),
        _when("sent_at", nullable=True),
        sa.Column("detail", sa.String(500)),
        sa.Column("message_ids", sa.String(300)),
    )
    op.create_table(
        f"{p}broadcasts",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        _when("created_at"),
    )
    op.create_index(f"ix_{p}broadcasts_created_at", f"{p}broadcasts", ["created_at"])
    op.create_table(
        f"{p}announced_events",
        sa.Column("event_id", sa.String(200), primary_key=True),
        _when("start"),
        sa.Column("venue", sa.String(200)),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        f"{p}known_events",
        sa.Column("event_id", sa.String(200), primary_key=True),
        _when("first_seen"),
        sa.Column("baseline", sa.Boolean, nullable=False),
    )


def _people(p: str) -> None:
    op.create_table(
        f"{p}rsvp_meetups",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        f"{p}rsvps",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("user_key", sa.String(200), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(160), nullable=False),
        sa.Column("name", sa.String(300)),
        sa.Column("username", sa.String(200)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        _when("answered_at"),
    )
    op.create_index(f"{p}rsvps_by_state", f"{p}rsvps", ["event_id", "state", "seq"])
    op.create_index(f"{p}rsvps_by_user", f"{p}rsvps", ["user_key"])
    op.create_table(
        f"{p}seen_deliveries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        _when("seen_at"),
    )
    op.create_index(f"ix_{p}seen_deliveries_seen_at", f"{p}seen_deliveries", ["seen_at"])
    op.create_table(
        f"{p}private_contacts",
        sa.Column("user_key", sa.String(200), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(160), nullable=False),
        _when("updated_at"),
    )


def _proposals(p: str) -> None:
    op.create_table(
        f"{p}proposals",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("from_key", sa.String(200), nullable=False),
        sa.Column("from_name", sa.String(300)),
        sa.Column("abstract", sa.Text),
        sa.Column("speaker", sa.String(500)),
        sa.Column("language", sa.String(32)),
        sa.Column("address", sa.String(500)),
        sa.Column("capacity", sa.Integer),
        sa.Column("notes", sa.Text),
        _when("created_at"),
        sa.Column("decided_by", sa.String(200)),
        _when("decided_at", nullable=True),
        sa.Column("reason", sa.Text),
        sa.Column("event_id", sa.String(200)),
    )
    op.create_index(f"ix_{p}proposals_status", f"{p}proposals", ["status"])
    op.create_index(f"ix_{p}proposals_from_key", f"{p}proposals", ["from_key"])
    op.create_table(
        f"{p}proposal_conversations",
        sa.Column("user_key", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("confirming", sa.Boolean, nullable=False),
        sa.Column("chat_key", sa.String(200), nullable=False),
        _when("started_at"),
        _when("updated_at"),
    )


def upgrade() -> None:
    prefix = context.config.attributes["prefix"]
    _announcements(prefix)
    _people(prefix)
    _proposals(prefix)


TABLES = (
    "subscriptions",
    "deliveries",
    "broadcasts",
    "announced_events",
    "known_events",
    "rsvp_meetups",
    "rsvps",
    "seen_deliveries",
    "private_contacts",
    "proposals",
    "proposal_conversations",
)


def downgrade() -> None:
    prefix = context.config.attributes["prefix"]
    for name in reversed(TABLES):  # their indexes go with them
        op.drop_table(f"{prefix}{name}")
