"""/subscribe, /unsubscribe, /subscriptions, /cfp [text], /announce: who may, and what happens,
for Telegram and Slack ids alike."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from adapters.platforms import service_accounts
from bot.assembly import assemble
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.organisers import Organisers
from bot.config import Settings
from bot.store.store import Store
from tests.announcements.senders import RecordingSender
from tests.fakes.clock import FixedClock

COMMUNITY = """\
community:
  name: Test Kernel Meetup
  short_name: TKM
  timezone: Asia/Jerusalem
  organisers: ["telegram:42", "slack:U0ORG", "telegram:1087968824"]
  announce: ["telegram:-1001", "slack:C1"]
  call_for_speakers:
    text: We want your talk.
    topics: [eBPF]
events:
  - {id: m, title: Fast Packets, start: 2027-01-19 19:00, needs: [speakers]}
"""

GROUP = ChatRef("telegram", "-1001", title="Kernel group")
PRIVATE = ChatRef("telegram", "555", is_private=True)
SLACK = ChatRef("slack", "C1")


class Harness:
    def __init__(self, store: Store, clock: FixedClock, organisers: tuple[str, ...] | None = None) -> None:
        self.source = CalendarSource(Calendar(parse_calendar(COMMUNITY, "t.yaml")))
        self.senders = {"telegram": RecordingSender("telegram"), "slack": RecordingSender("slack")}
        # The core as the app assembles it, on the test's store, sending through recorders.
        settings = Settings(
            database_url=store.url, organisers=organisers, scheduler_enabled=False, service_accounts=service_accounts()
        )
        core = assemble(settings, self.source, clock)
        core.announcements.store.create()
        core.announcements.delivery.senders = self.senders
        self.announcer = core.announcements.announcer
        self.bot = core.bot
        self.clock = clock

    async def say(self, text: str, user: UserRef, chat: ChatRef = GROUP) -> str:
        message = IncomingMessage(chat=chat, sender=user, text=text, received_at=self.clock())
        replies = await self.bot.handle(message)
        await self.announcer.settle()
        return "\n".join(r.plain_text() for r in replies)

    def posted(self) -> list[tuple[str, str]]:
        return [p for s in self.senders.values() for p in s.posted]


@pytest.fixture
def h(sqlite_store: Store, clock: FixedClock) -> Harness:
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    return Harness(sqlite_store, clock)


async def test_cfp_without_text_shows_the_standing_call(h: Harness) -> None:
    out = await h.say("/cfp", UserRef("telegram", "7"))
    assert "Call for speakers and venues" in out and "We want your talk." in out and "still needs speakers" in out
    assert h.posted() == []


@pytest.mark.parametrize("user", [UserRef("telegram", "42"), UserRef("slack", "U0ORG")])
async def test_an_organiser_broadcasts_to_every_chat_on_every_platform(h: Harness, user: UserRef) -> None:
    out = await h.say("/cfp Looking for an eBPF talk in February!", user)
    assert "Sending it to 2 chats" in out
    assert sorted(chat for chat, _ in h.posted()) == ["slack:C1", "telegram:-1001"]
    for _, text in h.posted():
        assert text.startswith("📣 Call for speakers — TKM") and "Looking for an eBPF talk in February!" in text
        assert "eBPF" in text


@pytest.mark.parametrize(
    "user",
    [
        UserRef("telegram", "7", "Eve"),
        UserRef("telegram", "U0ORG"),  # an organiser's Slack id, but on Telegram
        UserRef("slack", "42"),  # an organiser's Telegram id, but on Slack
        UserRef("telegram", "1087968824", "Group", is_chat_admin=True),  # anonymous admin: never trusted
        UserRef("telegram", "8", "Organiser", is_chat_admin=True),  # a display name proves nothing
    ],
)
async def test_anyone_else_is_refused_politely_and_logged(
    h: Harness, user: UserRef, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.announce.commands"):
        out = await h.say("/announce Free beer!", user)
    assert "only the community's organisers can broadcast" in out
    assert h.posted() == []
    assert any(user.key in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)


async def test_organisers_env_overrides_events_yaml(sqlite_store: Store, clock: FixedClock) -> None:
    h = Harness(sqlite_store, clock, organisers=("slack:U0NEW",))
    assert "only the community's organisers" in await h.say("/announce hi", UserRef("telegram", "42"))
    assert "Sending it to" in await h.say("/announce hi", UserRef("slack", "U0NEW"))


def test_organiser_list_drops_telegrams_shared_service_ids() -> None:
    organisers = Organisers(["telegram:1087968824", "telegram:42", "nonsense"], untrusted=service_accounts())
    assert organisers.keys == frozenset({"telegram:42"})
    assert UserRef("telegram", "1087968824") not in organisers


async def test_subscribe_needs_a_group_admin_or_an_organiser(h: Harness) -> None:
    other = ChatRef("telegram", "-1009", title="Another group")
    assert "Only this group's admins" in await h.say("/subscribe", UserRef("telegram", "7"), other)
    assert "Only this group's admins" in await h.say(
        "/subscribe", UserRef("telegram", "1087968824", is_chat_admin=True), other
    )
    assert "will get" in await h.say("/subscribe", UserRef("telegram", "7", is_chat_admin=True), other)
    assert "will get" in await h.say("/subscribe", UserRef("slack", "U0ORG"), ChatRef("slack", "C9"))
    assert "will get" in await h.say("/subscribe", UserRef("telegram", "555"), PRIVATE)  # anyone, privately
    out = await h.say("/subscriptions", UserRef("telegram", "42"), PRIVATE)
    for key in ("telegram:-1001", "slack:C1", "telegram:-1009", "slack:C9", "telegram:555"):
        assert key in out


async def test_unsubscribe_removes_a_configured_chat_and_subscriptions_says_so(h: Harness) -> None:
    admin = UserRef("telegram", "9", is_chat_admin=True)
    assert "no more reminders" in await h.say("/unsubscribe", admin)
    assert "This chat does not get the announcements; they go to 1 chat in all." in await h.say(
        "/subscriptions", UserRef("telegram", "7")
    )
    await h.say("/announce hello", UserRef("telegram", "42"), PRIVATE)
    assert [chat for chat, _ in h.posted()] == ["slack:C1"]
    organiser_view = await h.say("/subscriptions", UserRef("slack", "U0ORG"), SLACK)
    assert "Not sent to" in organiser_view and "telegram:-1001 — unsubscribed" in organiser_view
    assert "will get" in await h.say("/subscribe", admin)
    assert "This chat gets the announcements" in await h.say("/subscriptions", UserRef("telegram", "7"))


async def test_a_broadcast_reaches_the_chats_it_said_even_if_one_unsubscribes_right_after(
    h: Harness, sqlite_store: Store
) -> None:
    organiser = UserRef("telegram", "42")
    message = IncomingMessage(
        chat=PRIVATE, sender=organiser, text="/announce Doors open at 18:30", received_at=h.clock()
    )
    [reply] = await h.bot.handle(message)
    assert "Sending it to 2 chats" in reply.plain_text()
    # The group leaves before the fan-out has begun (the next message, or another process): what
    # was announced to it before it left still goes there, as the answer said.
    sqlite_store.unsubscribe(ChatRef("telegram", "-1001"))
    await h.announcer.settle()
    assert sorted(chat for chat, _ in h.posted()) == ["slack:C1", "telegram:-1001"]


async def test_announce_needs_text(h: Harness) -> None:
    assert "Usage: /announce <text>" in await h.say("/announce", UserRef("telegram", "42"))


async def test_subscribing_from_a_forum_topic_posts_announcements_to_that_topic(h: Harness) -> None:
    # The group is also listed in community.announce (no topic): the topic it chose wins.
    topic = ChatRef("telegram", "-1001", thread_id="77", title="Kernel group")
    admin = UserRef("telegram", "7", is_chat_admin=True)
    assert "will get" in await h.say("/subscribe", admin, topic)
    assert "Sending it to" in await h.say("/announce Doors open at 18:30", UserRef("telegram", "42"), PRIVATE)
    (target,) = [c for c in h.senders["telegram"].targets if c.key == "telegram:-1001"]
    assert target.thread_id == "77"
