"""Guest names, check-ins at the door and /tellgoing texts (bot/store/guests.py).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    p = context.config.attributes["prefix"]
    op.create_table(
        f"{p}guest_names",
        sa.Column("user_key", sa.String(200), primary_key=True),
        sa.Column("full_name", sa.String(200)),
        sa.Column("asked_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        f"{p}checkins",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("user_key", sa.String(200), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200)),
        sa.Column("checked_in_at", sa.DateTime(timezone=True)),
        sa.Column("checked_in_by", sa.String(200)),
    )
    op.create_table(
        f"{p}tellgoing",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("waitlist", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    p = context.config.attributes["prefix"]
    for name in ("tellgoing", "checkins", "guest_names"):
        op.drop_table(f"{p}{name}")
