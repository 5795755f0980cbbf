"""Issue 10, "sent twice, or lost": each case as it was found, through the parts production runs.

- a group migrated to a supergroup ends with one copy (the real Telegram adapter on the fake API);
- one writer per fact: a 403 or a migration is one status write, however many parts saw it;
- editing reminder rules re-sends nothing that went out (keys are places in time order);
- moving a meetup during its reminder fan-out: one reminder per chat, at most one notice;
- a broadcast the database cannot store is reported as not sent;
- sends in doubt after a crash are told to the organisers, and /resend sends them again.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy import text as sql

from adapters.platforms import service_accounts
from adapters.telegram.adapter import TelegramAdapter
from bot.announce.delivery import Delivery
from bot.announce.scheduler import Announcer
from bot.assembly import Core, assemble
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.config import Settings
from bot.store.store import SENT, SUPERSEDED, UNCERTAIN, Store
from tests.announcements.conftest import PG_URL, pg_url, unique_prefix
from tests.announcements.senders import RecordingSender
from tests.conftest import COMMUNITY_YAML
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import Failure, FakeBotApi
from tests.telegram.conftest import FAST, TOKEN

OLD_GROUP, NEW_GROUP = -555, -1001234567890
ORGANISER = UserRef("telegram", "42", "Org")


def calendar(start: str = "2027-01-19 19:00", reminders: str = "", extra: str = "") -> Calendar:
    """One confirmed meetup; `reminders` replaces the community's default day-before rule."""
    rules = f"\n    reminders: {reminders}" if reminders else ""
    body = f"""\
  organisers: ["telegram:42"]{extra}
events:
  - id: m
    title: Fast Packets
    start: {start}
    status: confirmed{rules}
"""
    return Calendar(parse_calendar(COMMUNITY_YAML + body, "t.yaml"))


def core_on(source: CalendarSource, clock: FixedClock, **settings: Any) -> Core:
    """The core as `meetup-bot run` assembles it (tests.conftest.assemble_core, on a database)."""
    settings.setdefault("service_accounts", service_accounts())
    return assemble(Settings(scheduler_enabled=False, **settings), source, clock)


def subscription_writes(store: Store) -> list[str]:
    """Every INSERT or UPDATE of the subscriptions table, as the database sees them."""
    seen: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if f"{store.prefix}subscriptions" in statement and re.match(r"\s*(INSERT|UPDATE)", statement):
            seen.append(statement)

    return seen


@dataclass
class Running:
    core: Core
    api: FakeBotApi
    adapter: TelegramAdapter
    clock: FixedClock

    @property
    def store(self) -> Store:
        return self.core.announcements.store

    def sent_to(self, chat_id: int) -> int:
        return sum(1 for s in self.api.sent if s.chat_id == chat_id)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """The core as `meetup-bot run` assembles it, sending through the real Telegram adapter."""
    clock = FixedClock(datetime(2027, 1, 18, 8, 1, tzinfo=UTC))  # the day-before reminder is due
    core = core_on(
        CalendarSource(calendar()),
        clock,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        announce_chats=(f"telegram:{OLD_GROUP}",),
    )
    async with FakeBotApi(TOKEN) as api:
        # The adapter reports to the same status component the app hands it.
        adapter = TelegramAdapter(
            TOKEN, core.registry, api_url=api.url, status=core.announcements.chat_status, options=FAST
        )
        await adapter.start(core.bot.handle)
        await core.announcements.start([adapter])
        try:
            yield Running(core, api, adapter, clock)
        finally:
            await core.announcements.stop()
            await adapter.stop()


# ---- 1. a migrated group, and one writer per fact ----------------------------------------------


async def test_a_migrated_group_ends_with_exactly_one_copy(running: Running) -> None:
    running.api.fail(Failure.migrate(NEW_GROUP), chat_id=OLD_GROUP, times=-1)  # the old id answers so for good
    writes = subscription_writes(running.store)
    announcer = running.core.announcements.announcer
    await announcer.catch_up()
    running.clock.advance(timedelta(minutes=1))
    await announcer.catch_up()  # the next pass: the new id inherited the old one's ledger row
    running.clock.advance(timedelta(hours=1))
    await announcer.catch_up()
    assert running.sent_to(NEW_GROUP) == 1
    subs = {s.chat.key: s for s in running.store.subscriptions()}
    assert subs[f"telegram:{NEW_GROUP}"].active and not subs[f"telegram:{OLD_GROUP}"].active
    # One move, written once: the new id subscribed and the old one retired (two rows).
    assert len(writes) == 2


async def test_a_group_that_migrates_by_update_keeps_what_it_already_got(running: Running) -> None:
    announcer = running.core.announcements.announcer
    running.api.fail(Failure.migrate(NEW_GROUP), chat_id=OLD_GROUP, times=-1)
    await announcer.catch_up()
    # Telegram also says so in the group itself: the same fact again changes nothing.
    await running.core.announcements.chat_status.chat_moved(
        ChatRef("telegram", str(OLD_GROUP)), ChatRef("telegram", str(NEW_GROUP))
    )
    running.clock.advance(timedelta(minutes=1))
    await announcer.catch_up()
    assert running.sent_to(NEW_GROUP) == 1


async def test_a_kicked_bot_is_one_status_write(running: Running) -> None:
    running.api.fail(Failure.forbidden(), chat_id=OLD_GROUP, times=-1)
    writes = subscription_writes(running.store)
    await running.core.announcements.announcer.catch_up()
    [sub] = running.store.subscriptions()
    assert not sub.active and "kicked" in (sub.reason or "")
    assert len(writes) == 1  # the adapter raised ChatGone; only the ChatStatus wrote


# ---- 2. editing reminder rules -----------------------------------------------------------------

CHATS = ("telegram:-1001", "slack:C1")


def harness(store: Store, clock: FixedClock, cal: Calendar) -> tuple[Announcer, CalendarSource, RecordingSender]:
    source = CalendarSource(cal)
    sender = RecordingSender("telegram")
    senders = {"telegram": sender, "slack": RecordingSender("slack")}
    announcer = Announcer(
        source, store, Delivery(store, senders, owner="t", pace={}), configured_chats=lambda: CHATS, clock=clock
    )
    return announcer, source, sender


def reminders(sender: RecordingSender) -> list[str]:
    return [text for _, text in sender.posted if text.startswith("⏰ Reminder")]


@pytest.mark.parametrize(
    ("rules", "sent_at", "edited", "later"),
    [
        # 19:00 Jerusalem is 17:00 UTC: 5 h before is 12:00 UTC.
        ("[{before: 5h}]", datetime(2027, 1, 19, 12, 1), "[{before: 4h}]", datetime(2027, 1, 19, 13, 1)),
        ("[{before: 2h}]", datetime(2027, 1, 19, 15, 0, 30), "[{before: 119m}]", datetime(2027, 1, 19, 15, 2)),
        (
            '[{day_before: "10:00"}, {before: 2h}]',
            datetime(2027, 1, 18, 8, 1),
            '[{before: 2h}, {day_before: "10:00"}]',
            datetime(2027, 1, 18, 9, 0),
        ),
        # A rule added before the one that went out: it shifts the places, yet nothing is repeated.
        (
            "[{before: 2h}]",
            datetime(2027, 1, 19, 15, 0, 30),
            '[{day_before: "10:00"}, {before: 2h}]',
            datetime(2027, 1, 19, 15, 2),
        ),
    ],
    ids=["5h-to-4h", "2h-to-119m", "reordered", "earlier-rule-added"],
)
async def test_editing_a_rule_after_its_reminder_went_out_sends_nothing_new(
    store: Store, clock: FixedClock, rules: str, sent_at: datetime, edited: str, later: datetime
) -> None:
    announcer, source, sender = harness(store, clock, calendar(reminders=rules))
    clock.now = sent_at.replace(tzinfo=UTC)
    await announcer.catch_up()
    assert len(reminders(sender)) == 1
    source.replace(calendar(reminders=edited))
    clock.now = later.replace(tzinfo=UTC)
    await announcer.catch_up()
    await announcer.catch_up()
    assert len(reminders(sender)) == 1


async def test_a_rule_added_after_the_day_before_reminder_is_sent_once(store: Store, clock: FixedClock) -> None:
    announcer, source, sender = harness(store, clock, calendar(reminders='[{day_before: "10:00"}]'))
    clock.now = datetime(2027, 1, 18, 8, 1, tzinfo=UTC)
    await announcer.catch_up()
    source.replace(calendar(reminders='[{day_before: "10:00"}, {before: 1h}]'))
    await announcer.catch_up()
    assert len(reminders(sender)) == 1  # the day-before one is not repeated
    clock.now = datetime(2027, 1, 19, 16, 1, tzinfo=UTC)  # an hour before 19:00 local
    await announcer.catch_up()
    await announcer.catch_up()
    assert len(reminders(sender)) == 2


async def test_reminders_sent_under_the_old_keys_are_not_sent_again(store: Store, clock: FixedClock) -> None:
    # A ledger written by the version whose keys named the rule, just before the upgrade.
    old_key = "reminder:m:day_before@10:00:2027-01-19T17:00Z"
    for chat in CHATS:
        assert store.claim(old_key, chat, "old-version")
        store.mark_sent(old_key, chat, "old-version")
    announcer, _, sender = harness(store, clock, calendar())
    clock.now = datetime(2027, 1, 18, 9, 0, tzinfo=UTC)
    await announcer.catch_up()
    outcome = await announcer.fire("reminder:m:r1:2027-01-19T17:00Z")  # the date job, too
    assert reminders(sender) == [] and outcome is not None and outcome.sent == 0


# ---- 3. a meetup moved during its reminder fan-out -------------------------------------------


async def test_a_meetup_moved_mid_fan_out_gives_each_chat_one_reminder(store: Store, clock: FixedClock) -> None:
    chats = tuple(f"telegram:-{1000 + i}" for i in range(300))
    source = CalendarSource(calendar(reminders="[{before: 2h}]"))
    sent = 0

    def move_halfway(_chat: ChatRef, _attempt: int) -> None:
        nonlocal sent
        sent += 1
        if sent == 150:  # an organiser moves the meetup half an hour later, mid fan-out
            source.replace(calendar(start="2027-01-19 19:30", reminders="[{before: 2h}]"))

    sender = RecordingSender("telegram", script=move_halfway)
    announcer = Announcer(
        source,
        store,
        Delivery(store, {"telegram": sender}, owner="t", pace={}),
        configured_chats=lambda: chats,
        clock=clock,
    )
    clock.now = datetime(2027, 1, 19, 15, 0, 30, tzinfo=UTC)  # the 2 h reminder of 19:00 is due
    await announcer.catch_up()
    clock.advance(timedelta(minutes=1))  # the reload's catch-up pass
    await announcer.catch_up()
    clock.now = datetime(2027, 1, 19, 15, 31, tzinfo=UTC)  # the 2 h reminder of 19:30 is due
    await announcer.catch_up()
    await announcer.catch_up()

    by_chat: dict[str, list[str]] = {c: [] for c in chats}
    for chat, text in sender.posted:
        by_chat[chat].append(text)
    notified = 0
    for chat, texts in by_chat.items():
        told = [t for t in texts if t.startswith("⏰ Reminder")]
        notices = [t for t in texts if t.startswith("📅 Changed")]
        assert len(told) == 1, (chat, texts)
        assert len(notices) <= 1, (chat, texts)
        if notices:  # reminded for 19:00, then told it moved
            notified += 1
            assert "19:00" in told[0] and texts.index(told[0]) < texts.index(notices[0])
        else:  # not yet reminded when it moved: the new time, no notice
            assert "19:30" in told[0], (chat, texts)
    assert 150 <= notified < 300


# ---- 4. a broadcast the database cannot store ---------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_only_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with the tables in place that refuses writes (a read-only file; PostgreSQL in
    read-only transactions, as a hot standby or a full disk answers)."""
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        Store(f"sqlite:///{path}").create()
        yield f"sqlite:///file:{path}?mode=ro&uri=true"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = unique_prefix().rstrip("_")  # the app's table names, in a schema of this test's own
    admin = create_engine(pg_url())
    with admin.begin() as conn:
        conn.execute(sql(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg_url() else "?"
    url = f"{pg_url()}{sep}options=-c%20search_path%3D{schema}"
    writer = Store(url)
    writer.create()
    writer.close()
    try:
        yield f"{url}%20-c%20default_transaction_read_only%3Don"
    finally:
        with admin.begin() as conn:
            conn.execute(sql(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


async def test_a_broadcast_that_cannot_be_stored_is_reported_not_sent(read_only_url: str) -> None:
    clock = FixedClock(datetime(2027, 1, 13, 12, 0, tzinfo=UTC))
    core = core_on(CalendarSource(calendar()), clock, database_url=read_only_url, announce_chats=("telegram:-1001",))
    sender = RecordingSender("telegram")
    await core.announcements.start([sender])
    try:
        message = IncomingMessage(
            chat=ChatRef("telegram", "42", is_private=True), sender=ORGANISER, text="/announce Doors open at 18:30",
            received_at=clock(),
        )  # fmt: skip
        [reply] = await core.bot.handle(message)
        await core.announcements.announcer.settle()
    finally:
        await core.announcements.stop()
    text = reply.plain_text()
    assert "Sending it" not in text
    assert "Not sent" in text and "read" in text.lower()  # the database's own reason: read-only
    assert sender.posted == []


# ---- 6. sends in doubt after a crash -----------------------------------------------------------


async def test_sends_in_doubt_are_told_to_the_organisers_and_resend_sends_them(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2027, 1, 13, 12, 0, tzinfo=UTC))
    extra = '\n  organisers_chat: "telegram:-999"'
    core = core_on(
        CalendarSource(calendar(extra=extra)),
        clock,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        announce_chats=("telegram:-1001", "telegram:-1002"),
    )
    sender = RecordingSender("telegram")
    service = core.announcements
    await service.start([sender])
    try:
        announcer, store = service.announcer, service.store
        # A process stored a broadcast, posted it to -1002 and crashed while posting to -1001.
        broadcast = await announcer.record_broadcast("Doors open at 18:30", "announce", ORGANISER.key)
        assert store.claim(broadcast.key, "telegram:-1001", "crashed")
        assert store.claim(broadcast.key, "telegram:-1002", "crashed")
        store.mark_sent(broadcast.key, "telegram:-1002", "crashed")
        clock.advance(timedelta(minutes=11))  # past the claim lease
        await announcer.catch_up()

        [(where, notice)] = sender.posted
        assert where == "telegram:-999"
        assert "telegram:-1001" in notice and f"/resend {broadcast.key}" in notice and "-1002" not in notice
        [row] = [r for r in store.ledger_rows(broadcast.key) if r.chat_key == "telegram:-1001"]
        assert row.state is UNCERTAIN

        async def say(text: str, user: UserRef) -> str:
            chat = ChatRef("telegram", user.user_id, is_private=True)
            replies = await core.bot.handle(IncomingMessage(chat=chat, sender=user, text=text, received_at=clock()))
            return "\n".join(r.plain_text() for r in replies)

        refused = await say(f"/resend {broadcast.key}", UserRef("telegram", "7", "Eve"))
        assert "only the community's organisers" in refused and len(sender.posted) == 1
        answer = await say(f"/resend {broadcast.key}", ORGANISER)
        assert "Resent" in answer and "1 of 1" in answer
        assert [c for c, t in sender.posted[1:]] == ["telegram:-1001"] and "Doors open" in sender.posted[1][1]
        assert {r.state for r in store.ledger_rows(broadcast.key)} == {SENT}
        again = await say(f"/resend {broadcast.key}", ORGANISER)  # nothing is in doubt any more
        assert "Nothing" in again and len(sender.posted) == 2
    finally:
        await service.stop()


async def test_a_notice_supersedes_only_for_chats_it_reached(store: Store, clock: FixedClock) -> None:
    # A chat that subscribed after the reminder was never told the old time: no notice for it.
    announcer, source, sender = harness(store, clock, calendar())
    clock.now = datetime(2027, 1, 18, 8, 1, tzinfo=UTC)
    await announcer.catch_up()
    store.subscribe(ChatRef("telegram", "-2002"))
    source.replace(calendar(start="2027-01-19 20:00"))
    clock.advance(timedelta(minutes=1))
    await announcer.catch_up()
    posts = [(c, t.splitlines()[0]) for c, t in sender.posted]
    assert ("telegram:-1001", "📅 Changed: Fast Packets") in posts
    assert [t for c, t in posts if c == "telegram:-2002"] == ["⏰ Reminder: Fast Packets"]
    rows = {r.chat_key: r.state for r in store.ledger_rows("reminder:m:r1:2027-01-19T18:00Z")}
    assert rows["telegram:-1001"] is SUPERSEDED and rows["telegram:-2002"] is SENT
