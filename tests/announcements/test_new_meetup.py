"""New-meetup posts: a confirmed meetup added to events.yaml is posted once to every chat, with
the count and the Going / Can't go buttons; never twice (restart, two instances); nothing for
the meetups already there on the first start; quiet hours; a due reminder covers it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.platforms import service_accounts
from adapters.telegram.adapter import TelegramAdapter
from bot.announce.delivery import Delivery
from bot.announce.rules import new_meetups
from bot.announce.scheduler import Announcer
from bot.assembly import assemble
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef
from bot.config import Settings
from bot.rsvp.views import GOING_LABEL, NOT_GOING_LABEL
from bot.store.store import SENT, Store
from tests.announcements.senders import RecordingSender
from tests.conftest import COMMUNITY_YAML, calendar_from_yaml
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import FakeBotApi
from tests.telegram.conftest import FAST, TOKEN

CHATS = ("telegram:-1001", "telegram:-1002", "slack:C1")
OLD = "  - {id: old, title: Old Meetup, start: 2027-01-19 19:00}\n"


def calendar(*events: str) -> Calendar:
    return calendar_from_yaml("events:\n" + "".join(events or (OLD,)))


def meetup(status: str = "confirmed", start: str = "2027-01-26 19:00", venue: str = "") -> str:
    where = f", venue: {{name: {venue}}}" if venue else ""
    return f"  - {{id: fresh, title: Fresh Meetup, start: {start}, status: {status}{where}}}\n"


def announcer(store: Store, clock: FixedClock, source: CalendarSource, owner: str = "test") -> Announcer:
    senders = {"telegram": RecordingSender("telegram"), "slack": RecordingSender("slack")}
    delivery = Delivery(store, senders, owner=owner, pace={})
    return Announcer(source, store, delivery, configured_chats=lambda: CHATS, clock=clock)


def posts(a: Announcer) -> list[tuple[str, str]]:
    return [post for sender in a.delivery.senders.values() for post in sender.posted]  # type: ignore[attr-defined]


def headings(a: Announcer) -> list[str]:
    return sorted(text.splitlines()[0] for _, text in posts(a))


@pytest.fixture
def noon(clock: FixedClock) -> FixedClock:
    clock.now = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)  # Sunday 12:00 in Jerusalem
    return clock


async def test_an_added_meetup_is_posted_once_to_every_chat_with_buttons(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    a = announcer(store, noon, source)
    await a.catch_up()  # the first look: "old" is the baseline
    assert posts(a) == []
    source.replace(calendar(OLD, meetup()))
    noon.advance(timedelta(minutes=1))
    await a.catch_up()
    noon.advance(timedelta(minutes=1))
    await a.catch_up()
    assert sorted(chat for chat, _ in posts(a)) == sorted(CHATS)
    for _, text in posts(a):
        assert text.startswith("🆕 New meetup: Fresh Meetup")
        assert "👥 0 going" in text and "[✅ Going: /going fresh]" in text and "/notgoing fresh" in text
    assert {(r.chat_key, r.state) for r in store.ledger_rows("new:fresh")} == {(c, SENT) for c in CHATS}


async def test_the_app_posts_it_through_telegram_with_an_inline_keyboard(tmp_path: Path, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    settings = Settings(
        scheduler_enabled=False,
        service_accounts=service_accounts(),
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        announce_chats=("telegram:-1001",),
    )
    core = assemble(settings, source, noon)  # as `meetup-bot run` assembles it
    async with FakeBotApi(TOKEN) as api:
        adapter = TelegramAdapter(
            TOKEN, core.registry, api_url=api.url, status=core.announcements.chat_status, options=FAST
        )
        await adapter.start(core.bot.handle)
        await core.announcements.start([adapter])  # creates the store, first look: the baseline
        try:
            await core.announcements.announcer.catch_up()
            source.replace(calendar(OLD, meetup()))
            await core.announcements.announcer.catch_up()
            await core.announcements.announcer.catch_up()
        finally:
            await core.announcements.stop()
            await adapter.stop()
    [sent] = api.sent
    assert sent.chat_id == -1001 and sent.text is not None and "New meetup: Fresh Meetup" in sent.text
    assert sent.reply_markup is not None
    labels = [b["text"] for row in sent.reply_markup["inline_keyboard"] for b in row]
    assert labels == [GOING_LABEL, NOT_GOING_LABEL] and "👥 0 going" in sent.text


async def test_a_restart_or_a_second_instance_sends_it_never_again(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    await announcer(store, noon, source).catch_up()
    source.replace(calendar(OLD, meetup()))
    noon.advance(timedelta(minutes=1))
    # Two processes on one database see the new meetup in the same minute.
    twin = Store(store.url, prefix=store.prefix, clock=noon)
    first, second = announcer(store, noon, source, "one"), announcer(twin, noon, source, "two")
    await asyncio.gather(first.catch_up(), second.catch_up())
    assert sorted(chat for chat, _ in posts(first) + posts(second)) == sorted(CHATS)
    # A restart: a new store connection and announcer, later within the grace window.
    noon.advance(timedelta(hours=1))
    restarted = Store(store.url, prefix=store.prefix, clock=noon)
    again = announcer(restarted, noon, source, "three")
    await again.catch_up()
    assert posts(again) == []
    twin.close()
    restarted.close()


async def test_an_edit_after_the_post_gets_the_change_notice_once(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    a = announcer(store, noon, source)
    await a.catch_up()
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    noon.advance(timedelta(hours=2))
    source.replace(calendar(OLD, meetup(start="2027-01-27 19:00")))
    await a.catch_up()
    await a.catch_up()
    assert headings(a) == sorted(["🆕 New meetup: Fresh Meetup"] * 3 + ["📅 Changed: Fresh Meetup"] * 3)
    assert "The date and time changed" in posts(a)[-1][1]


async def test_the_first_start_announces_none_of_the_meetups_already_there(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar(OLD, meetup(), meetup().replace("fresh", "later").replace("01-26", "02-23")))
    a = announcer(store, noon, source)
    await a.catch_up()
    noon.advance(timedelta(days=1))
    await a.catch_up()
    assert posts(a) == []
    assert store.known.first_seen() == {}  # all three are the baseline


async def test_an_empty_calendar_on_first_start_still_takes_the_baseline(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar_from_yaml("events: []\n"))
    a = announcer(store, noon, source)
    await a.catch_up()
    source.replace(calendar(meetup()))
    await a.catch_up()
    assert headings(a) == ["🆕 New meetup: Fresh Meetup"] * 3


async def test_a_planned_meetup_is_posted_when_it_is_confirmed(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    a = announcer(store, noon, source)
    await a.catch_up()
    source.replace(calendar(OLD, meetup(status="planned")))
    await a.catch_up()
    source.replace(calendar(OLD, meetup(status="cancelled")))
    await a.catch_up()
    assert posts(a) == []
    noon.advance(timedelta(days=2))
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    assert headings(a) == ["🆕 New meetup: Fresh Meetup"] * 3
    assert store.known.first_seen() == {"fresh": noon.now}


async def test_a_meetup_added_in_quiet_hours_is_posted_when_they_end(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    a = announcer(store, noon, source)
    await a.catch_up()
    noon.now = datetime(2027, 1, 10, 21, 30, tzinfo=UTC)  # 23:30 local
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    noon.now = datetime(2027, 1, 11, 5, 59, tzinfo=UTC)  # 07:59 local
    await a.catch_up()
    assert posts(a) == []
    noon.now = datetime(2027, 1, 11, 6, 0, tzinfo=UTC)  # 08:00 local, the end of quiet hours
    await a.catch_up()
    assert headings(a) == ["🆕 New meetup: Fresh Meetup"] * 3


async def test_a_due_reminder_covers_a_meetup_added_the_day_before(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    a = announcer(store, noon, source)
    await a.catch_up()
    noon.now = datetime(2027, 1, 25, 12, 0, tzinfo=UTC)  # 14:00 local: the 10:00 reminder is due
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    noon.advance(timedelta(hours=3))  # the reminder is past the grace window, the sighting is not
    await a.catch_up()
    assert headings(a) == ["⏰ Reminder: Fresh Meetup"] * 3


def test_the_rule_a_reminder_due_within_the_grace_before_the_post_covers_it() -> None:
    cal, grace = calendar(OLD, meetup()), timedelta(hours=6)
    window = datetime(2027, 1, 20, tzinfo=UTC), datetime(2027, 1, 26, tzinfo=UTC)
    at_14 = new_meetups(cal, {"fresh": datetime(2027, 1, 25, 12, 0, tzinfo=UTC)}, *window, grace)
    at_1730 = new_meetups(cal, {"fresh": datetime(2027, 1, 25, 15, 30, tzinfo=UTC)}, *window, grace)
    assert at_14 == [] and [(n.key, n.due) for n in at_1730] == [
        ("new:fresh", datetime(2027, 1, 25, 15, 30, tzinfo=UTC))
    ]


async def test_a_meetup_added_after_its_reminder_lapsed_is_still_posted(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar())
    a = announcer(store, noon, source)
    await a.catch_up()
    noon.now = datetime(2027, 1, 25, 15, 30, tzinfo=UTC)  # 17:30 local: the 10:00 reminder is past the grace
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    assert headings(a) == ["🆕 New meetup: Fresh Meetup"] * 3


async def test_a_chat_reminded_while_it_was_planned_is_not_told_again(store: Store, noon: FixedClock) -> None:
    source = CalendarSource(calendar(OLD, meetup(status="planned", start="2027-01-26 19:00")))
    a = announcer(store, noon, source)
    await a.catch_up()
    noon.now = datetime(2027, 1, 25, 8, 30, tzinfo=UTC)  # the planned meetup's reminder goes out
    await a.catch_up()
    noon.now = datetime(2027, 1, 25, 15, 0, tzinfo=UTC)  # confirmed in the afternoon
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    assert headings(a) == ["⏰ Reminder: Fresh Meetup"] * 3
    assert store.ledger_rows("new:fresh") == []


EVENTS = COMMUNITY_YAML + "events:\n" + OLD


def test_schedule_shows_the_post_a_new_meetup_will_get(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(EVENTS + meetup(), encoding="utf-8")
    monkeypatch.setenv("ANNOUNCE_CHATS", "telegram:-1001,slack:C1")
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    window = ["schedule", "--events", str(events), "--days", "3", "--from", "2027-01-10 23:00"]
    assert main(window) == 0
    assert " new " not in capsys.readouterr().out  # no store yet: the first start takes both as known
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    store.create()
    store.known.observe(["old"])  # the bot's first look, before "fresh" was added
    store.close()
    assert main(window) == 0
    [line] = [line.strip() for line in capsys.readouterr().out.splitlines() if "[new:" in line]
    # Seen at 23:00, inside quiet hours: posted at 08:00.
    assert line.startswith("Mon 11 Jan 2027, 08:00 IST  new") and "Fresh Meetup  [new:fresh] -> 2 chats" in line


async def test_a_meetup_moved_mid_fan_out_is_posted_once_per_chat(store: Store, noon: FixedClock) -> None:
    chats = tuple(f"telegram:-{1000 + i}" for i in range(40))
    source = CalendarSource(calendar())
    sent = 0

    def move_halfway(_chat: ChatRef, _attempt: int) -> None:
        nonlocal sent
        sent += 1
        if sent == 20:  # an organiser moves the meetup a day later, mid fan-out
            source.replace(calendar(OLD, meetup(start="2027-01-27 19:00")))

    sender = RecordingSender("telegram", script=move_halfway)
    delivery = Delivery(store, {"telegram": sender}, owner="t", pace={})
    a = Announcer(source, store, delivery, configured_chats=lambda: chats, clock=noon)
    await a.catch_up()
    source.replace(calendar(OLD, meetup()))
    await a.catch_up()
    noon.advance(timedelta(minutes=1))  # the reload's catch-up pass
    await a.catch_up()
    by_chat: dict[str, list[str]] = {c: [] for c in chats}
    for chat, text in sender.posted:
        by_chat[chat].append(text)
    notified = 0
    for chat, texts in by_chat.items():
        [new] = [t for t in texts if t.startswith("🆕 New meetup")]
        notices = [t for t in texts if t.startswith("📅 Changed")]
        if notices:  # told the old date, then that it moved
            notified += 1
            assert len(notices) == 1 and "26 January" in new and texts.index(new) < texts.index(notices[0])
        else:
            assert "27 January" in new, (chat, texts)
    assert 20 <= notified < 40
