"""The Announcer and the scheduler: catch-up after downtime, change notices, broadcasts, jobs
with deterministic ids rebuilt on calendar change, a real APScheduler firing, leadership."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.announce.delivery import Delivery
from bot.announce.scheduler import AnnouncementScheduler, Announcer, Timing
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.source import CalendarSource
from bot.store.store import SENT, Leadership, Store
from tests.announcements.conftest import PG_URL, pg_url, unique_prefix
from tests.announcements.senders import RecordingSender
from tests.conftest import COMMUNITY_YAML
from tests.fakes.clock import FixedClock
from tests.pg_faults import fail_once

CHATS = ("telegram:-1001", "telegram:-1002", "slack:C1")


def calendar(start: str = "2027-01-19 19:00", venue: str = "", status: str = "confirmed") -> Calendar:
    body = f"""\
venues:
  a: {{name: Place A}}
  b: {{name: Place B}}
events:
  - id: m
    title: Fast Packets
    start: {start}
    status: {status}
    needs: [speakers]
{"    venue: " + venue if venue else ""}
"""
    return Calendar(parse_calendar(COMMUNITY_YAML + body, "t.yaml"))


def make(
    store: Store,
    clock: FixedClock,
    source: CalendarSource | None = None,
) -> tuple[Announcer, CalendarSource, dict[str, RecordingSender]]:
    source = source or CalendarSource(calendar(venue="a"))
    senders = {"telegram": RecordingSender("telegram"), "slack": RecordingSender("slack")}
    delivery = Delivery(store, senders, owner="test", pace={})
    announcer = Announcer(source, store, delivery, configured_chats=lambda: CHATS, clock=clock)
    return announcer, source, senders


def posts(senders: dict[str, RecordingSender]) -> list[tuple[str, str]]:
    return [(chat, text.splitlines()[0]) for s in senders.values() for chat, text in s.posted]


async def test_catch_up_sends_what_was_due_within_grace_once(store: Store, clock: FixedClock) -> None:
    announcer, _, senders = make(store, clock)
    # The day-before reminder was due 18 Jan 08:00 UTC; the process was down until 13:00.
    clock.now = datetime(2027, 1, 18, 13, 0, tzinfo=UTC)
    await announcer.catch_up()
    await announcer.catch_up()  # and again, as every minute
    first_lines = posts(senders)
    assert sorted(first_lines) == sorted((c, "⏰ Reminder: Fast Packets") for c in CHATS)


async def test_nothing_is_sent_beyond_the_grace_window(store: Store, clock: FixedClock) -> None:
    announcer, _, senders = make(store, clock)
    clock.now = datetime(2027, 1, 18, 14, 1, tzinfo=UTC)  # 6 h 1 min late
    await announcer.catch_up()
    assert posts(senders) == []


async def test_weekly_call_goes_out_once_per_week(store: Store, clock: FixedClock) -> None:
    announcer, _, senders = make(store, clock)
    clock.now = datetime(2027, 1, 17, 8, 30, tzinfo=UTC)  # Sunday 10:30 local
    await announcer.catch_up()
    clock.advance(timedelta(minutes=1))
    await announcer.catch_up()
    lines = posts(senders)
    assert len(lines) == 3 and {line for _, line in lines} == {"📣 Call for speakers and venues — TKM"}


async def test_a_moved_meetup_gets_one_change_notice_and_new_reminders(store: Store, clock: FixedClock) -> None:
    announcer, source, senders = make(store, clock)
    clock.now = datetime(2027, 1, 18, 8, 1, tzinfo=UTC)
    await announcer.catch_up()  # the reminder: now the community was told "19 Jan at A"
    source.replace(calendar(start="2027-01-26 19:00", venue="b"))
    clock.advance(timedelta(hours=1))
    await announcer.catch_up()
    await announcer.catch_up()
    clock.now = datetime(2027, 1, 25, 8, 1, tzinfo=UTC)
    await announcer.catch_up()
    per_chat = {c: [line for chat, line in posts(senders) if chat == c] for c in CHATS}
    for lines in per_chat.values():
        assert lines == ["⏰ Reminder: Fast Packets", "📅 Changed: Fast Packets", "⏰ Reminder: Fast Packets"]


async def test_cancelling_an_announced_meetup_sends_a_notice_and_no_more_reminders(
    store: Store, clock: FixedClock
) -> None:
    announcer, source, senders = make(store, clock)
    clock.now = datetime(2027, 1, 18, 8, 1, tzinfo=UTC)
    await announcer.catch_up()
    source.replace(calendar(venue="a", status="cancelled"))
    clock.advance(timedelta(minutes=5))
    await announcer.catch_up()
    assert [line for chat, line in posts(senders) if chat == CHATS[0]] == [
        "⏰ Reminder: Fast Packets",
        "❌ Cancelled: Fast Packets",
    ]


async def test_planned_meetups_changing_send_no_notice(store: Store, clock: FixedClock) -> None:
    source = CalendarSource(calendar(status="planned"))
    announcer, _, senders = make(store, clock, source)
    clock.now = datetime(2027, 1, 18, 8, 1, tzinfo=UTC)
    await announcer.catch_up()
    source.replace(calendar(start="2027-01-19 20:00", status="planned"))
    await announcer.catch_up()
    # No notice; a planned meetup that moves is simply reminded again, with its new time.
    lines = [line for chat, line in posts(senders) if chat == CHATS[0]]
    assert lines == ["⏰ Reminder: Fast Packets"] * 2
    assert "20:00" in senders["telegram"].posted[-1][1]


async def test_a_notice_covers_the_reminder_that_moving_makes_due_at_once(store: Store, clock: FixedClock) -> None:
    announcer, source, senders = make(store, clock)
    clock.now = datetime(2027, 1, 18, 8, 1, tzinfo=UTC)
    await announcer.catch_up()
    source.replace(calendar(start="2027-01-19 20:00", venue="a"))  # an hour later, same day
    clock.advance(timedelta(minutes=2))
    await announcer.catch_up()
    await announcer.catch_up()
    assert [line for chat, line in posts(senders) if chat == CHATS[2]] == [
        "⏰ Reminder: Fast Packets",
        "📅 Changed: Fast Packets",
    ]


async def test_broadcast_reaches_every_chat_once_even_after_a_restart(store: Store, clock: FixedClock) -> None:
    announcer, _, senders = make(store, clock)
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # nothing else due
    announcement, outcome = await announcer.broadcast("Talk proposals due Friday!", "cfp", "telegram:42")
    assert announcement.key.startswith("broadcast:") and outcome.sent == 3
    restarted, _, again = make(store, clock)
    await restarted.catch_up()
    assert posts(again) == []
    assert {r.state for r in store.ledger_rows(announcement.key)} == {SENT}
    assert "Talk proposals due Friday!" in senders["slack"].posted[0][1]


async def test_jobs_have_deterministic_ids_and_follow_the_calendar(store: Store, clock: FixedClock) -> None:
    announcer, source, _ = make(store, clock)
    scheduler = AnnouncementScheduler(announcer, store, source)
    await scheduler.start()
    try:
        await scheduler.tick()
        assert scheduler.leading
        assert scheduler.job_plan() == [
            ("reminder:m:r1:2027-01-19T17:00Z", datetime(2027, 1, 18, 8, 0, tzinfo=UTC)),
        ]
        source.replace(calendar(start="2027-01-26 19:00"))  # the watcher thread's view of it
        await asyncio.sleep(0)  # one turn of the loop: the rebuild was queued with call_soon_threadsafe
        assert [job for job, _ in scheduler.job_plan()] == [
            "call:2027-W03",
            "reminder:m:r1:2027-01-26T17:00Z",
        ]
        job = scheduler.scheduler.get_job("call:2027-W03")
        assert job.misfire_grace_time == 6 * 3600 and job.coalesce
    finally:
        await scheduler.stop()


async def test_a_real_apscheduler_job_fires_and_delivers(store: Store) -> None:
    # Real time here: a `before: 10m` reminder due about a second from now, fired by
    # APScheduler (the first catch-up pass runs before it is due; the next is an hour off).
    start = (datetime.now(UTC) + timedelta(minutes=10, seconds=1.5)).replace(microsecond=0)
    body = f"""\
events:
  - id: soon
    title: Soon
    start: "{start.isoformat()}"
    reminders: [{{before: 10m}}]
"""
    source = CalendarSource(Calendar(parse_calendar(COMMUNITY_YAML + body, "t.yaml")))
    senders = {"telegram": RecordingSender("telegram"), "slack": RecordingSender("slack")}
    announcer = Announcer(
        source,
        store,
        Delivery(store, senders, owner="x", pace={}),
        configured_chats=lambda: CHATS,
        timing=Timing(tick=3600),
    )
    store.clock = announcer.clock
    scheduler = AnnouncementScheduler(announcer, store, source)
    await scheduler.start()
    try:
        for _ in range(60):
            if len(posts(senders)) == 3:
                break
            await asyncio.sleep(0.1)
    finally:
        await scheduler.stop()
    assert sorted(posts(senders)) == sorted((c, "⏰ Reminder: Soon") for c in CHATS)
    assert datetime.now(UTC) >= start - timedelta(minutes=10)  # not early


@pytest.fixture
def two_leaders() -> Iterator[tuple[Leadership, Leadership]]:
    """Two processes' Leadership on one PostgreSQL database (their own stores and pools)."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    prefix = unique_prefix()
    a, b = Store(pg_url(), prefix=prefix), Store(pg_url(), prefix=prefix)
    la, lb = Leadership(a), Leadership(b)
    try:
        yield la, lb
    finally:
        la.release()
        lb.release()
        a.close()
        b.close()


@pytest.mark.postgres
def test_only_one_process_leads_with_postgres(two_leaders: tuple[Leadership, Leadership]) -> None:
    la, lb = two_leaders
    assert la.check() and not lb.check()
    assert la.check() and not lb.check()  # still leading, still following
    la.release()
    assert lb.check() and not la.check()


@pytest.mark.postgres
def test_a_leader_whose_unlock_fails_leaves_no_lock_behind_in_the_pool(
    two_leaders: tuple[Leadership, Leadership], caplog: pytest.LogCaptureFixture
) -> None:
    la, lb = two_leaders
    assert la.check() and not lb.check()
    fail_once(la.store.engine, "pg_advisory_unlock")  # a statement timeout or a cancel, the session alive
    la.release()
    assert "releasing the leader lock failed" in caplog.text
    assert lb.check()  # a pooled session still holding the lock would keep every process a follower


def test_sqlite_always_leads(sqlite_store: Store) -> None:
    assert Leadership(sqlite_store).check()
