"""Timing announcements: the Announcer runs them, APScheduler says when.

APScheduler (AsyncIOScheduler, in-memory jobs) only times things: one date job per reminder or
call ahead, its id the announcement key, rebuilt whenever events.yaml changes. What makes
delivery exactly once is the ledger: a catch-up pass at start and every minute sends whatever is
due within the grace window and not yet settled, so a job lost to a restart or a crash mid
fan-out costs at most a minute's delay.

With PostgreSQL several processes may run; only the holder of an advisory lock schedules (the
others poll for the lock every tick), and the ledger still prevents doubles if two lead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.announce import rules as ann
from bot.announce.delivery import Delivery, Outcome, targets
from bot.announce.rules import Announcement, Kind
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef
from bot.clock import Clock, system_clock
from bot.store.store import Broadcast, Leadership, Store

log = logging.getLogger(__name__)

CATCH_UP_JOB = "catch-up"
REBUILD_JOB = "rebuild"


@dataclass(frozen=True, slots=True)
class Timing:
    grace: timedelta = timedelta(hours=6)  # how late an announcement may still go out
    tick: float = 60.0  # seconds between catch-up passes
    lookahead: timedelta = timedelta(days=14)  # how far ahead date jobs are kept
    lease: timedelta = timedelta(minutes=10)  # a claim older than this lost its sender


def process_owner() -> str:
    """Names this process in the ledger: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Announcer:
    """Runs announcements: who gets them, how they look, delivery, the bookkeeping after."""

    def __init__(
        self,
        source: CalendarSource,
        store: Store,
        delivery: Delivery,
        *,
        configured_chats: Callable[[], Sequence[str]],
        clock: Clock = system_clock,
        timing: Timing = Timing(),
    ) -> None:
        self.source = source
        self.store = store
        self.delivery = delivery
        self.configured_chats = configured_chats
        self.clock = clock
        self.timing = timing
        self._running: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runs: set[asyncio.Task[Any]] = set()  # tasks inside run(), for a graceful stop

    async def targets(self) -> list[ChatRef]:
        subs = await asyncio.to_thread(self.store.subscriptions)
        return targets(self.configured_chats(), subs)

    async def run(self, announcement: Announcement, chats: Sequence[ChatRef] | None = None) -> Outcome:
        """Deliver one announcement to every target chat that has not had it."""
        if announcement.key in self._running:
            return Outcome()  # the run in progress covers every chat
        self._running.add(announcement.key)
        task = asyncio.current_task()
        if task is not None:
            self._runs.add(task)
        try:
            chats = await self.targets() if chats is None else chats
            reply = ann.render(announcement, self.source.current, self.clock())
            outcome = await self.delivery.deliver(announcement.key, reply, chats)
            await asyncio.to_thread(self._after, announcement, outcome)
            return outcome
        finally:
            self._running.discard(announcement.key)
            if task is not None:
                self._runs.discard(task)

    def _after(self, announcement: Announcement, outcome: Outcome) -> None:
        """Remember what the community was told about a confirmed meetup, for change notices."""
        event = announcement.event
        if event is None:
            return
        if announcement.kind is Kind.NOTICE:
            self.store.record_announced(ann.snapshot(event))
            self._supersede_reminders(announcement)
        elif (
            announcement.kind is Kind.REMINDER
            and ann.needs_snapshot(event)
            and (outcome.sent or outcome.skipped)
            and event.id not in self.store.announced_events()
        ):
            self.store.record_announced(ann.snapshot(event))

    def _supersede_reminders(self, notice: Announcement) -> None:
        """The notice already gave the new date: a reminder for it that is due right now would
        say the same thing again a moment later, so it is settled without sending."""
        assert notice.event is not None
        now = self.clock()
        chats = [c.key for c in targets(self.configured_chats(), self.store.subscriptions())]
        for reminder in ann.reminders_between(self.source.current, now - self.timing.grace, now):
            if reminder.event is not None and reminder.event.id == notice.event.id:
                self.store.supersede(reminder.key, chats, self.delivery.owner, f"covered by {notice.key}")

    def pending(self, now: datetime) -> list[Announcement]:
        """Everything that should have gone out by `now` and may still go out: change notices,
        reminders and calls due within the grace window, and recent broadcasts."""
        calendar = self.source.current
        since = now - self.timing.grace
        notices = ann.change_notices(calendar, self.store.announced_events(), now)
        due = ann.due_between(calendar, since, now)
        broadcasts = [ann.broadcast(b.key, b.text, b.kind, b.created_at) for b in self.store.broadcasts_since(since)]
        return [*notices, *due, *broadcasts]

    async def catch_up(self) -> list[Outcome]:
        """Send whatever is due and not settled in the ledger. Idempotent; cheap when idle."""
        now = self.clock()
        stale = await asyncio.to_thread(self.store.expire_claims, now - self.timing.lease)
        for row in stale:
            log.warning(
                "%s to %s was in flight when its sender stopped; at most once: not resending",
                row.announcement,
                row.chat_key,
            )
        pending = await asyncio.to_thread(self.pending, now)
        if not pending:
            return []
        chats = await self.targets()
        settled = await asyncio.to_thread(self.store.settled, ann.keys(pending))
        outcomes = []
        for announcement in pending:
            todo = [c for c in chats if c.key not in settled[announcement.key]]
            if todo:
                outcomes.append(await self.run(announcement, todo))
        return outcomes

    async def fire(self, key: str) -> Outcome | None:
        """A date job's moment: re-derive the announcement from the current calendar (it may
        have changed since the job was made) and run it."""
        now = self.clock()
        for announcement in ann.due_between(self.source.current, now - self.timing.grace, now + timedelta(minutes=1)):
            if announcement.key == key:
                return await self.run(announcement)
        log.info("job %s no longer matches the calendar; skipped", key)
        return None

    async def broadcast(self, text: str, style: str, author: str) -> tuple[Announcement, Outcome]:
        """An organiser's broadcast: recorded first, so a crash mid fan-out is finished by the
        next catch-up pass."""
        now = self.clock()
        record = Broadcast(f"broadcast:{uuid.uuid4()}", style, text, author, now)
        await asyncio.to_thread(self.store.add_broadcast, record)
        announcement = ann.broadcast(record.key, text, style, now)
        return announcement, await self.run(announcement)

    def spawn_broadcast(self, text: str, style: str, author: str) -> asyncio.Task[Any]:
        """Start a broadcast in the background (a command answers at once); `settle` awaits it."""
        task = asyncio.get_running_loop().create_task(self.broadcast(text, style, author), name="broadcast")
        self._tasks.add(task)
        task.add_done_callback(self._broadcast_done)
        return task

    def _broadcast_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("broadcast failed; the next catch-up pass retries it", exc_info=task.exception())

    async def drain(self, within: float = 10.0) -> None:
        """Stop taking new claims and let the sends in flight finish and be marked (bounded).
        What was not started is left unclaimed: the next catch-up pass, here or in another
        process, sends it."""
        self.delivery.closing = True
        await self.settle(within)

    async def settle(self, within: float = 10.0) -> None:
        """Wait (bounded) for broadcasts and runs in progress; cancel what is still going."""
        busy = {t for t in self._tasks | self._runs if t is not asyncio.current_task()}
        if busy:
            _done, pending = await asyncio.wait(busy, timeout=within)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def plan(self, start: datetime, end: datetime) -> list[Announcement]:
        """Reminders and calls due in (start, end]: the dry run shows these."""
        return ann.due_between(self.source.current, start, end)


class AnnouncementScheduler:
    """APScheduler wiring, leadership and the catch-up loop around an Announcer."""

    def __init__(self, announcer: Announcer, store: Store, source: CalendarSource) -> None:
        self.announcer = announcer
        self.leadership = Leadership(store)
        self.source = source
        self.timing = announcer.timing
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                # APScheduler's default grace is 1 s: a reminder due during a restart would be dropped.
                "misfire_grace_time": int(self.timing.grace.total_seconds()),
                "coalesce": True,
                "max_instances": 1,
            },
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leading = False
        self._tasks: set[asyncio.Task[Any]] = set()
        source.on_change(self._calendar_changed)

    @property
    def leading(self) -> bool:
        return self.leadership.held

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.scheduler.start()
        # APScheduler runs on the real clock, so the first catch-up is due at the real "now".
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.timing.tick),
            id=CATCH_UP_JOB,
            replace_existing=True,
            next_run_time=system_clock(),
        )
        self.scheduler.add_job(self.rebuild, IntervalTrigger(hours=6), id=REBUILD_JOB, replace_existing=True)

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.to_thread(self.leadership.release)

    async def tick(self) -> None:
        """Every minute: keep or take the lead, then catch up."""
        # Shutdown cancels a running job. Nothing is lost: the delivery drain already let
        # claimed sends finish, and the next start catches up from the ledger. Returning (not
        # re-raising) keeps APScheduler from logging a shutdown as a failed job.
        with contextlib.suppress(asyncio.CancelledError):
            await self._tick()

    async def _tick(self) -> None:
        if not await asyncio.to_thread(self.leadership.check):
            if self._leading:
                log.warning("lost the scheduler lead")
                self._clear_date_jobs()
            self._leading = False
            return
        if not self._leading:
            self._leading = True
            log.info("leading the announcement scheduler")
            self.rebuild()
        try:
            await self.announcer.catch_up()
        except Exception:
            log.exception("announcement catch-up failed; will retry next tick")

    def rebuild(self) -> None:
        """Make one date job per reminder and call ahead; drop jobs the calendar no longer has."""
        if not self.leadership.held:
            return
        now = self.announcer.clock()
        ahead = self.announcer.plan(now, now + self.timing.lookahead)
        wanted = {a.key for a in ahead}
        for job in self.scheduler.get_jobs():
            if job.id not in (CATCH_UP_JOB, REBUILD_JOB) and job.id not in wanted:
                job.remove()
        for announcement in ahead:
            self.scheduler.add_job(
                self.fire,
                DateTrigger(run_date=announcement.due),
                args=[announcement.key],
                id=announcement.key,
                name=announcement.key,
                replace_existing=True,
            )
        log.info("scheduled %d announcement(s) in the next %s", len(ahead), self.timing.lookahead)

    async def fire(self, key: str) -> None:
        if self.leadership.held:
            with contextlib.suppress(asyncio.CancelledError):  # shutdown: see tick()
                await self.announcer.fire(key)

    def job_plan(self) -> list[tuple[str, datetime]]:
        """(id, next run) of every date job, for tests and the log."""
        return sorted(
            (job.id, job.next_run_time)
            for job in self.scheduler.get_jobs()
            if job.id not in (CATCH_UP_JOB, REBUILD_JOB)
        )

    def _clear_date_jobs(self) -> None:
        for job in self.scheduler.get_jobs():
            if job.id not in (CATCH_UP_JOB, REBUILD_JOB):
                job.remove()

    def _calendar_changed(self, _old: object, _new: object) -> None:
        # The watcher may call from a worker thread: hop onto the loop before touching anything.
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._rebuild_and_catch_up)

    def _rebuild_and_catch_up(self) -> None:
        if not self.leadership.held or not self.scheduler.running:
            return
        self.rebuild()
        task = asyncio.get_running_loop().create_task(self.announcer.catch_up(), name="catch-up-after-reload")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
