"""A store that loads SQLAlchemy on its first real use, not on the way to the first answer.

`meetup-bot run` builds its store with `deferred_store`: the hot reads (bot/store/hot_reads.py:
a card's RSVP count, the conversation checks) are there at once, through the standard library
on SQLite; anything else (a write, the scheduler, a PostgreSQL read) builds the real `Store` on
first touch, importing SQLAlchemy then (0.12 s of CPU, which the first /next does not wait for).
The stand-in forwards every other attribute to the real store and keeps what it forwarded, so
after the first touch an attribute costs what it costs on the store itself.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot.clock import Clock, system_clock
from bot.store.hot_reads import HotReads

if TYPE_CHECKING:
    from bot.store.store import Store

_OWN = frozenset({"url", "prefix", "clock", "hot", "_real", "_lock"})


class DeferredStore:
    """Stands in for `Store(url, prefix=prefix, clock=clock)` until something needs it."""

    def __init__(self, url: str, *, prefix: str = "mb_", clock: Clock = system_clock) -> None:
        self.url, self.prefix, self.clock = url, prefix, clock
        self._real: Store | None = None
        self._lock = threading.Lock()  # a first touch may come from a worker thread too
        self.hot = HotReads(url, prefix, self.real)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`, from the URL until the store is built (as SQLAlchemy names it)."""
        if self._real is not None:
            return self._real.dialect
        return self.url.partition(":")[0].partition("+")[0]

    @property
    def built(self) -> bool:
        """Whether the real store (and SQLAlchemy) was loaded."""
        return self._real is not None

    def real(self) -> Store:
        """The store, built on the first call."""
        real = self._real
        if real is None:
            with self._lock:
                if self._real is None:
                    from bot.store.store import Store  # SQLAlchemy: here, on first real use

                    self._real = Store(self.url, prefix=self.prefix, clock=self.clock)
                real = self._real
        return real

    def ready(self, head: str) -> bool:
        """Whether a SQLite database is at schema revision `head` with no accept of a proposal
        left half done (bot/proposals/commands.py `reconcile`): then nothing needs doing before
        the first answer, and the store can open after it. Read with the standard library, so
        recognising it loads neither SQLAlchemy nor Alembic. False when work is needed, or it
        cannot be told cheaply (PostgreSQL, no file yet, not a database)."""
        path = self.hot.path
        if path is None or not Path(path).is_file():
            return False
        try:
            conn = sqlite3.connect(Path(path).absolute().as_uri() + "?mode=ro", uri=True, timeout=30)
        except sqlite3.Error:
            return False
        try:
            [version] = conn.execute(f"SELECT version_num FROM {self.prefix}alembic_version").fetchone() or [None]
            accepting = conn.execute(f"SELECT 1 FROM {self.prefix}proposals WHERE status = 'accepting' LIMIT 1")
            return version == head and accepting.fetchone() is None
        except sqlite3.Error:  # no version table (empty, or older than migrations), not a database
            return False
        finally:
            conn.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _OWN:  # copy/pickle probes, and before __init__ ran
            raise AttributeError(name)
        real = self.real()
        value = getattr(real, name)
        if not isinstance(getattr(type(real), name, None), property):  # a property is read each time
            self.__dict__[name] = value  # kept: found directly from now on
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN:
            object.__setattr__(self, name, value)
            return
        setattr(self.real(), name, value)
        self.__dict__.pop(name, None)


def deferred_store(url: str, *, prefix: str = "mb_", clock: Clock = system_clock) -> Store:
    """A store for `url` that loads SQLAlchemy on first real use (see the module docstring)."""
    return cast("Store", DeferredStore(url, prefix=prefix, clock=clock))


def as_deferred(store: Store) -> DeferredStore | None:
    """The stand-in behind `store`, if it is one (None: a store built directly)."""
    candidate: object = store
    return candidate if isinstance(candidate, DeferredStore) else None
