"""CALENDAR_REPO: the running bot fetches the calendar's repository every CALENDAR_PULL_SECONDS.

A pushed edit is adopted as a local edit is: the working folder is reset to the remote branch
(under the writer's lock, so never in the middle of an edit) and the calendar is read again. A
push that breaks the calendar keeps the last good one serving, and the organisers are told once
per broken commit, with every error as `FILE:LINE: what`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.calendar.source import CalendarSource
from bot.edits.contract import EditFailed
from bot.edits.git_repo import CalendarRepo, GitError
from bot.edits.writer import CalendarWriter
from bot.wording import plural

log = logging.getLogger(__name__)

Tell = Callable[[str], Awaitable[object]]


class CalendarPull:
    def __init__(self, writer: CalendarWriter, repo: CalendarRepo, source: CalendarSource, tell: Tell,
                 interval: float) -> None:  # fmt: skip
        self.writer = writer
        self.repo = repo
        self.source = source
        self.tell = tell
        self.interval = interval
        self.told: str | None = None  # the broken commit the organisers were told about
        self.failing = False  # the last fetch failed (logged once until it works again)

    async def run(self) -> None:
        """Pull every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.once()
            except EditFailed as busy:  # a lock held past its wait: an edit is going on, try next time
                log.warning("pulling the calendar repository waited in vain (%s); will retry", busy)
            except Exception:  # a puller that dies silently would freeze the calendar
                log.exception("pulling the calendar repository failed; will retry")

    async def once(self) -> bool:
        """Fetch now. True when a new calendar is served."""
        try:
            tip = await self.writer.pull()
        except GitError as error:
            if not self.failing:
                log.error("cannot fetch the calendar repository (%s); still serving the last calendar", error)
            self.failing = True
            return False
        if self.failing:
            log.info("the calendar repository can be fetched again")
            self.failing = False
        if tip is None:
            return False
        calendar = await asyncio.to_thread(self.source.load)
        self.source.changed()  # the file watcher need not read it again
        if calendar is not None:
            self.source.replace(calendar)
            log.info("adopted %s from %s: %d meetups", tip[:12], self.repo.branch, len(calendar))
            return True
        if tip != self.told:
            self.told = tip
            await self.tell(await asyncio.to_thread(self._broken, tip))
        return False

    def _broken(self, tip: str) -> str:
        try:
            which = self.repo.describe(tip)
        except GitError:
            which = tip[:12]
        local = f"{self.repo.path}:"
        errors = [e.replace(local, f"{self.repo.file}:", 1) for e in self.source.last_errors]
        return (
            f"The calendar's latest commit on {self.repo.branch}, {which}, has {plural(len(errors), 'error')}; "
            f"I am still serving the last good calendar. Fix it and push again:\n" + "\n".join(errors)
        )
