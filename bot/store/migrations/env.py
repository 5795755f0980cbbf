"""Alembic's environment: runs the revisions on the connection and table prefix the runner gives.

bot/store/migrations/__init__.py (`upgrade`) and `meetup-bot db` pass both in the config's
attributes: the connection already holds the migration lock and its transaction, so the
revisions run inside it and commit (or roll back) with it. The version table is per prefix
(`<prefix>alembic_version`), so several stores can share one database.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations with `meetup-bot db upgrade` (or on start): it passes the connection")

context.configure(
    connection=connection,
    version_table=f"{config.attributes['prefix']}alembic_version",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
