"""Proposals: the existing venue an accept holds the meetup at gets a column of its own.

Revision ID: 0004
Revises: 0003

`/accept V3 venue=<id>` holds the meetup at a venue already in events.yaml, whose name may not be
the offer's. A start that settles an accept cut off by a crash needs to know which venue the edit
set (bot/proposals/commands.py `_in_calendar`): until now nothing recorded it. Rows written
before this revision have none, and are settled as before, by the offer's name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    p = context.config.attributes["prefix"]
    with op.batch_alter_table(f"{p}proposals") as batch:  # SQLite cannot ALTER most things
        batch.add_column(sa.Column("venue_id", sa.Text))


def downgrade() -> None:
    p = context.config.attributes["prefix"]
    with op.batch_alter_table(f"{p}proposals") as batch:
        batch.drop_column("venue_id")
