"""Proposals: the decider's name and the accepting process get columns of their own.

Revision ID: 0003
Revises: 0002

Until now two things rode in existing columns of `<prefix>proposals`: `decided_by` held the
decider's key, a space and their display name (a key has no spaces), and while a submission was
`accepting`, `reason` named the process making its calendar edit (`host:pid:random`). The data
migration splits the rows the previous code wrote; the downgrade packs them back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

DECIDED_BY_MAX = 200  # the size of `decided_by`, which a packed value had to fit


def _proposals(p: str) -> sa.TableClause:
    return sa.table(
        f"{p}proposals",
        sa.column("number", sa.Integer),
        sa.column("status", sa.String),
        sa.column("decided_by", sa.String),
        sa.column("decided_name", sa.String),
        sa.column("reason", sa.Text),
        sa.column("accepting_owner", sa.String),
    )


def upgrade() -> None:
    p = context.config.attributes["prefix"]
    with op.batch_alter_table(f"{p}proposals") as batch:  # SQLite cannot ALTER most things
        batch.add_column(sa.Column("decided_name", sa.String(300)))
        batch.add_column(sa.Column("accepting_owner", sa.String(200)))
    t, conn = _proposals(p), op.get_bind()
    packed = conn.execute(sa.select(t.c.number, t.c.decided_by).where(t.c.decided_by.like("% %"))).all()
    for number, decided_by in packed:  # split in Python: the same on SQLite and PostgreSQL
        key, _, name = str(decided_by).partition(" ")
        conn.execute(t.update().where(t.c.number == number).values(decided_by=key, decided_name=name.strip() or None))
    accepting = t.c.status == "accepting"
    conn.execute(t.update().where(accepting).values(accepting_owner=t.c.reason, reason=None))


def downgrade() -> None:
    p = context.config.attributes["prefix"]
    t, conn = _proposals(p), op.get_bind()
    named = conn.execute(
        sa.select(t.c.number, t.c.decided_by, t.c.decided_name).where(
            t.c.decided_by.is_not(None), t.c.decided_name.is_not(None)
        )
    ).all()
    for number, key, name in named:
        packed = f"{key} {' '.join(str(name).split())}"[:DECIDED_BY_MAX]
        conn.execute(t.update().where(t.c.number == number).values(decided_by=packed))
    conn.execute(t.update().where(t.c.status == "accepting").values(reason=t.c.accepting_owner))
    with op.batch_alter_table(f"{p}proposals") as batch:
        batch.drop_column("accepting_owner")
        batch.drop_column("decided_name")
