"""Failures injected into a real PostgreSQL session through SQLAlchemy's own event hooks: the
server has no way to make one statement fail on a live session, and a lock's release must be
tested against exactly that."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event


def fail_once(
    engine: Engine, identifier: str, when: str = "before_cursor_execute", error: type[BaseException] = RuntimeError
) -> None:
    """The next statement containing `identifier` (or, for "commit", the next commit after it ran)
    raises, as a statement timeout, a cancel or an interrupt would, with the session alive."""
    seen = {"statement": False, "failed": False}

    def before(conn: Connection, cursor: Any, statement: str, *rest: Any) -> None:
        if identifier in statement:
            seen["statement"] = True
            if when == "before_cursor_execute" and not seen["failed"]:
                seen["failed"] = True
                raise error(f"injected failure of {identifier}")

    def commit(conn: Connection) -> None:
        if seen["statement"] and not seen["failed"]:
            seen["failed"] = True
            raise error(f"injected failure of the commit after {identifier}")

    event.listen(engine, "before_cursor_execute", before)
    if when == "commit":
        event.listen(engine, "commit", commit)
