"""CalendarSource: the calendar currently served, and hot reloading of its file.

A good edit of events.yaml replaces the calendar atomically; a bad edit is logged with every
error and the last good calendar keeps serving. Polling (not inotify) keeps this portable and
works on the network and container filesystems that hosts use.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from bot.calendar.calendar import Calendar
from bot.calendar.loader import CalendarError, load_calendar_data, read_calendar
from bot.wording import plural

log = logging.getLogger(__name__)

Listener = Callable[[Calendar, Calendar], None]


class CalendarSource:
    def __init__(self, calendar: Calendar, path: Path | None = None) -> None:
        self._current = calendar
        self.path = path
        self.last_errors: tuple[str, ...] = ()
        self._listeners: list[Listener] = []
        self._fingerprint = _fingerprint(path) if path else None
        self._write_cache: Callable[[], None] | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> CalendarSource:
        """Load the file or raise CalendarError: at start-up there is no good calendar to keep.
        A calendar parsed now is cached by `write_cache` (the watcher calls it once serving)."""
        path = Path(path)
        data, write = read_calendar(path)
        source = cls(Calendar(data), path)
        source._write_cache = write
        return source

    def write_cache(self) -> None:
        """Write the calendar cache entry that start-up left for later (a no-op otherwise)."""
        write, self._write_cache = self._write_cache, None
        if write is not None:
            write()

    @property
    def current(self) -> Calendar:
        return self._current

    def on_change(self, listener: Listener) -> None:
        """Call `listener(old, new)` after every successful reload (the scheduler rebuilds)."""
        self._listeners.append(listener)

    def replace(self, calendar: Calendar) -> None:
        old, self._current = self._current, calendar
        self.last_errors = ()
        for listener in self._listeners:
            try:
                listener(old, calendar)
            except Exception:
                log.exception("calendar change listener failed")

    def load(self) -> Calendar | None:
        """Read and validate the file; None (and every error logged) when it is broken."""
        if self.path is None:
            return None
        try:
            return Calendar(load_calendar_data(self.path))
        except CalendarError as exc:
            errors = tuple(str(e) for e in exc.errors)
            log.error(
                "%s has %s; still serving the last good calendar:\n%s",
                self.path,
                plural(len(errors), "error"),
                "\n".join(errors),
            )
            # Published after the log line: whoever sees the errors here finds them logged too.
            self.last_errors = errors
            return None

    def reload(self) -> bool:
        """Re-read the file. True if a new calendar is now served; False (and logged) if the
        file is broken, in which case the previous calendar stays."""
        return self._adopt(self.load())

    def _adopt(self, calendar: Calendar | None) -> bool:
        """Serve a freshly loaded calendar; None (a broken file, already logged) keeps the old."""
        if calendar is None:
            return False
        self.replace(calendar)
        log.info("reloaded %s: %d meetups", self.path, len(calendar))
        return True

    def changed(self) -> bool:
        """Whether the file changed since the last look (a stat call; cheap)."""
        if self.path is None:
            return False
        fingerprint = _fingerprint(self.path)
        if fingerprint == self._fingerprint:
            return False
        self._fingerprint = fingerprint
        if fingerprint is None:
            log.error("%s is missing; still serving the last good calendar", self.path)
            return False
        return True

    def poll(self) -> bool:
        """Reload now if the file changed. Returns whether a new calendar is served."""
        return self.changed() and self.reload()

    async def watch(self, interval: float = 0.5) -> None:
        """Poll the file until cancelled; an edit is live within about `interval` seconds.

        Parsing runs in a worker thread so a large file never stalls the chats; the swap and
        the change listeners (the scheduler's rebuild) run here, on the event loop.
        """
        while True:
            await asyncio.sleep(interval)
            try:
                if self._write_cache is not None:  # the bot is answering by now: cache the start-up parse
                    await asyncio.to_thread(self.write_cache)
                if not self.changed():
                    continue
                self._adopt(await asyncio.to_thread(self.load))
            except Exception:  # a watcher that dies silently is worse than a noisy one
                log.exception("watching %s failed; will retry", self.path)


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    """Nanosecond mtime, size and inode: editors that save by renaming change the inode."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino
