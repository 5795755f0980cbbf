"""`meetup-bot db upgrade|current|history`: the store's schema revision, for operators.

Reads DATABASE_URL as `meetup-bot run` does (or the SQLite file it uses). `upgrade` does what the
bot does on start (one process at a time); `current` only reads; `history` lists the revisions
this release knows and needs no database. Errors are one line; the URL is shown without its
password. The store and Alembic are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.store import Store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="the database schema: upgrade it, show its revision, list the revisions")
    actions = p.add_subparsers(dest="action", required=True, metavar="{upgrade,current,history}")
    actions.add_parser("upgrade", help="upgrade the database to this release's schema (as `run` does on start)")
    actions.add_parser("current", help="show the database's schema revision (reads only)")
    actions.add_parser("history", help="list the schema revisions this release knows")
    p.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    if args.action == "history":
        return _history()
    from bot.config import Settings
    from bot.store.hot_reads import absent_sqlite, no_store_here
    from bot.store.store import Store, StoreUnavailable

    url = Settings.from_env().database_url
    if args.action == "current" and (missing := absent_sqlite(url)) is not None:
        print(f"meetup-bot db current: {no_store_here(missing)}", file=sys.stderr)  # reads only: makes none
        return 1
    store = Store(url)
    try:
        return _upgrade(store) if args.action == "upgrade" else _current(store)
    except StoreUnavailable as error:  # its message names the database without the password
        print(f"meetup-bot db {args.action}: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _where(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=True)


def _upgrade(store: Store) -> int:
    from bot.store.migrations import HEAD

    done = store.create()
    if done is None:
        print(f"{_where(store)}: already at revision {HEAD} (head)")
    else:
        was = done.before or ("unversioned (made before migrations), adopted" if done.adopted else "empty")
        print(f"{_where(store)}: upgraded from {was} to revision {HEAD} (head)")
    return 0


def _current(store: Store) -> int:
    from bot.store.migrations import HEAD

    revision = store.revision()
    if revision is None:
        print(f"{_where(store)}: no revision (empty, or made before migrations): `meetup-bot db upgrade` adopts it")
    elif revision == HEAD:
        print(f"{_where(store)}: revision {revision} (head)")
    else:
        print(f"{_where(store)}: revision {revision}, this release's head is {HEAD}: `meetup-bot db upgrade`")
    return 0


def _history() -> int:
    from bot.store.migrations import quiet_alembic

    quiet_alembic()
    from bot.store.migrations.alembic_run import history

    for r in history():
        print(f"{r.down or 'base'} -> {r.revision}{' (head)' if r.head else ''}: {r.title}")
    return 0
