"""Alembic's side of the migrations, imported only when there is work (or by `meetup-bot db`).

The revisions live in versions/ and run through env.py on the connection the runner holds
(with its lock and transaction); the table prefix travels in the config's attributes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from bot.store.migrations import FIRST, SchemaTooNew, legacy

FOLDER = Path(__file__).resolve().parent
# Alembic keeps the running migration in module globals (`alembic.context`, `alembic.op`): two
# threads of one process migrating two databases at once would mix them up. Across processes
# the database's own lock serialises (bot/store/migrations/__init__.py).
_ONE_AT_A_TIME = threading.Lock()


def config(prefix: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER).replace("%", "%%"))  # configparser syntax
    cfg.attributes["prefix"] = prefix
    cfg.attributes["connection"] = connection
    return cfg


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config(""))


def migrate(conn: Connection, prefix: str, before: str | None) -> bool:
    """Upgrade to the head on `conn` (locked, in its transaction); True if an unversioned
    database of the previous release was adopted first."""
    with _ONE_AT_A_TIME:
        return _migrate(conn, prefix, before)


def _migrate(conn: Connection, prefix: str, before: str | None) -> bool:
    cfg = config(prefix, conn)
    adopted = before is None and legacy.present(conn, prefix)
    if adopted:
        legacy.repair(conn, prefix)
        command.stamp(cfg, FIRST)
    elif before is not None:
        try:
            scripts().get_revision(before)
        except CommandError:
            raise SchemaTooNew(
                f"the database is at schema revision {before}, which this release does not know "
                "(a newer release upgraded it): run that release, or a newer one"
            ) from None
    command.upgrade(cfg, "head")
    return adopted


@dataclass(frozen=True, slots=True)
class Revision:
    revision: str
    down: str | None
    title: str  # the first line of its docstring
    head: bool


def history() -> list[Revision]:
    """Every revision, oldest first."""
    heads = set(scripts().get_heads())
    out = []
    for script in scripts().walk_revisions():
        down = script.down_revision
        title = (script.module.__doc__ or "").strip().splitlines()[0] if script.module.__doc__ else ""
        out.append(Revision(script.revision, down if isinstance(down, str) else None, title, script.revision in heads))
    return out[::-1]
