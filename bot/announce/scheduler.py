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
import functools
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.announce import rules as ann
from bot.announce.delivery import Delivery, Outcome, targets
from bot.announce.rules import Announcement, Kind
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply
from bot.clock import Clock, system_clock
from bot.rsvp.model import Counts
from bot.store.kinds import TOLD, Broadcast
from bot.store.leadership import Leadership
from bot.wording import plural

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.store.store import Store

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
        # Tells the organisers (the Notifier's to_organisers); set by whoever assembles the core.
        self.notify: Callable[[Reply], Awaitable[object]] | None = None

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
            chats = await asyncio.to_thread(self._before, announcement, chats)
            reply = ann.render(announcement, self.source.current, self.clock(), await self._rsvp_counts(announcement))
            about_event = announcement.kind in (Kind.REMINDER, Kind.NEW)
            current = (lambda: self._still_current(announcement)) if about_event else None
            outcome = await self.delivery.deliver(announcement.key, reply, chats, current)
            if announcement.kind is Kind.NOTICE:
                await asyncio.to_thread(self._after_notice, announcement, chats)
            if outcome.uncertain_chats:
                await self.report_in_doubt(announcement.key, outcome.uncertain_chats)
            return outcome
        finally:
            self._running.discard(announcement.key)
            if task is not None:
                self._runs.discard(task)

    async def _rsvp_counts(self, announcement: Announcement) -> Counts | None:
        """How many are going, for a reminder's or new meetup's card (bot/rsvp); None for anything else."""
        event = announcement.event
        if announcement.kind not in (Kind.REMINDER, Kind.NEW) or event is None:
            return None
        return (await self.store.read(self.store.rsvp.counts, [event.id]))[event.id]

    def _before(self, announcement: Announcement, chats: Sequence[ChatRef]) -> list[ChatRef]:
        """Which of `chats` this announcement is for, and what to remember before it goes out."""
        event = announcement.event
        out = list(chats)
        if announcement.aliases:  # settled under a key written before the keys were positional
            done = set().union(*self.store.settled(announcement.aliases).values())
            out = [c for c in out if c.key not in done]
        if event is None:
            return out
        if announcement.kind is Kind.REMINDER:
            # A chat reminded of this meetup (same start) at or after this reminder's time has
            # heard it already: a rule added before one that went out shifts the places, and
            # two reminders due in one catch-up would arrive a moment apart.
            start = ann.iso_utc(event.start)
            heard = self.store.told_since(f"reminder:{event.id}:", f":{start}", announcement.due, announcement.key)
            out = [c for c in out if c.key not in heard]
        if announcement.kind is Kind.NOTICE:
            # A notice corrects what a chat was told: a chat told nothing about the meetup (not
            # yet reminded when it moved) gets its reminder with the new details instead.
            told = self.store.told([f"reminder:{event.id}:", f"notice:{event.id}:"])
            told |= {r.chat_key for r in self.store.ledger_rows(ann.new_key(event)) if r.state in TOLD}
            return [c for c in out if c.key in told]
        if announcement.kind is Kind.NEW:
            # A chat reminded of the meetup while it was still planned has heard of it.
            reminded = self.store.told([f"reminder:{event.id}:"])
            out = [c for c in out if c.key not in reminded]
        if (
            announcement.kind in (Kind.REMINDER, Kind.NEW)
            and ann.needs_snapshot(event)
            and event.id not in self.store.announced_events()
        ):
            # Remembered before the fan-out, so a move during it earns the reminded chats a notice.
            self.store.record_announced(ann.snapshot(event))
        return out

    def _still_current(self, told: Announcement) -> bool:
        """The reminder or new-meetup post still says what the calendar says (its meetup did not
        move or go)."""
        assert told.event is not None
        event = self.source.current.get(told.event.id)
        return event is not None and not event.is_cancelled and event.start == told.event.start

    def _after_notice(self, notice: Announcement, chats: Sequence[ChatRef]) -> None:
        """Remember the new details, and settle the reminders the notice makes redundant: a chat
        reminded for the old time gets no reminder of the same place in the sequence for the new
        time while the old time is still ahead of that reminder (it would say again what the
        notice just said); a later one (the meetup moved a week out) still goes out."""
        event, told = notice.event, notice.told
        assert event is not None
        self.store.record_announced(ann.snapshot(event))
        if told is None or told.cancelled or event.is_cancelled:
            return
        notified = {c.key for c in chats}
        for position, reminder in enumerate(ann.reminders_of(event, self.source.current.community), start=1):
            if reminder.due >= told.start:
                continue
            old_key = ann.reminder_key(event, position, told.start)
            reminded = {r.chat_key for r in self.store.ledger_rows(old_key) if r.state in TOLD}
            covered = sorted(reminded & notified)
            if covered:
                self.store.supersede(reminder.key, covered, self.delivery.owner, f"covered by {notice.key}")

    def pending(self, now: datetime) -> list[Announcement]:
        """Everything that should have gone out by `now` and may still go out: change notices,
        reminders, calls and new-meetup posts due within the grace window, and recent broadcasts.
        Looks at the calendar first: a confirmed meetup not seen before is recorded as new."""
        calendar = self.source.current
        since = now - self.timing.grace
        notices = ann.change_notices(calendar, self.store.announced_events(), now)
        due = ann.due_between(calendar, since, now)
        confirmed = [e.id for e in calendar.upcoming(now) if ann.needs_snapshot(e)]
        first_seen = self.store.known.observe(confirmed)
        # A reminder in the same pass (the bot was down) tells the same: not both at once.
        reminded = {a.event.id for a in due if a.kind is Kind.REMINDER and a.event is not None}
        new = [
            a
            for a in ann.new_meetups(calendar, first_seen, since, now, self.timing.grace)
            if a.event is not None and a.event.id not in reminded
        ]
        broadcasts = [ann.broadcast(b.key, b.text, b.kind, b.created_at) for b in self.store.broadcasts_since(since)]
        return [*notices, *due, *new, *broadcasts]

    async def catch_up(self) -> list[Outcome]:
        """Send whatever is due and not settled in the ledger. Idempotent; cheap when idle."""
        now = self.clock()
        stale = await asyncio.to_thread(self.store.expire_claims, now - self.timing.lease)
        in_doubt: dict[str, list[str]] = {}
        for row in stale:
            log.warning(
                "%s to %s was in flight when its sender stopped; at most once: not resending",
                row.announcement,
                row.chat_key,
            )
            in_doubt.setdefault(row.announcement, []).append(row.chat_key)
        for key, chat_keys in in_doubt.items():
            await self.report_in_doubt(key, chat_keys)
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

    async def record_broadcast(self, text: str, style: str, author: str) -> Announcement:
        """Store an organiser's broadcast before any send, so a crash mid fan-out is finished by
        the next catch-up pass. Raises StoreUnavailable (StoreWriteFailed) when it cannot be
        stored: then nothing will be sent, and the caller must say so."""
        now = self.clock()
        record = Broadcast(f"broadcast:{uuid.uuid4()}", style, text, author, now)
        await asyncio.to_thread(self.store.add_broadcast, record)
        return ann.broadcast(record.key, text, style, now)

    async def broadcast(self, text: str, style: str, author: str) -> tuple[Announcement, Outcome]:
        announcement = await self.record_broadcast(text, style, author)
        return announcement, await self.run(announcement)

    def spawn_run(self, announcement: Announcement, chats: Sequence[ChatRef] | None = None) -> asyncio.Task[Any]:
        """Run an announcement in the background (a command answers at once); `settle` awaits it.
        `chats`: the targets as they were when it was announced (default: as they are when it runs)."""
        task = asyncio.get_running_loop().create_task(self.run(announcement, chats), name=announcement.key)
        self._tasks.add(task)
        task.add_done_callback(self._broadcast_done)
        return task

    def find(self, key: str) -> Announcement | None:
        """The announcement a ledger key names, rebuilt from the store or the calendar (for
        /resend); None when the calendar no longer has it (a reminder of a moved meetup)."""
        if key.startswith("broadcast:"):
            record = self.store.broadcast(key)
            return None if record is None else ann.broadcast(record.key, record.text, record.kind, record.created_at)
        return ann.rebuild(self.source.current, key, self.clock())

    async def report_in_doubt(self, key: str, chat_keys: Sequence[str]) -> None:
        """Tell the organisers which chats may have missed an announcement, and how to resend."""
        log.warning("%s may not have reached %s", key, ", ".join(chat_keys))
        if self.notify is None:
            return
        try:
            await self.notify(ann.in_doubt_reply(key, chat_keys))
        except Exception:  # telling must never stop the sending
            log.exception("could not tell the organisers about %s in doubt", key)

    def _broadcast_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed; the next catch-up pass retries it", task.get_name(), exc_info=task.exception())

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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leading = False
        self._tasks: set[asyncio.Task[Any]] = set()
        source.on_change(self._calendar_changed)

    @functools.cached_property
    def scheduler(self) -> AsyncIOScheduler:
        """APScheduler's, made (and the package imported) on first use: at start, after the
        adapters, so that its import is not on the way to the first answer."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        return AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                # APScheduler's default grace is 1 s: a reminder due during a restart would be dropped.
                "misfire_grace_time": int(self.timing.grace.total_seconds()),
                "coalesce": True,
                "max_instances": 1,
            },
        )

    @property
    def leading(self) -> bool:
        return self.leadership.held

    async def start(self) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

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
        if "scheduler" in self.__dict__ and self.scheduler.running:  # made only if it ever started
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
        from apscheduler.triggers.date import DateTrigger

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
        log.info("scheduled %s in the next %s", plural(len(ahead), "announcement"), self.timing.lookahead)

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
