"""Issue 10 on Slack: a reply in several parts that fails half-way is "maybe delivered" (never
posted again), and a retried event is answered once by two HTTP-mode instances on one database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from adapters.slack.adapter import SlackAdapter
from adapters.web.server import HttpServer
from bot.announce.delivery import Delivery
from bot.announce.outbound import SendError
from bot.chat.commands import CommandRegistry
from bot.chat.core import Bot
from bot.chat.messages import ChatRef
from bot.chat.reply import Attachment, Reply, paragraph
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url, two_stores, unique_prefix
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, HttpSlack, event_callback, mention

CHANNEL = ChatRef("slack", "C0ANNOUNCE")


async def test_a_failure_after_the_first_part_is_maybe_delivered_and_not_posted_again(
    sender: SlackAdapter, fake: FakeSlack, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    store.create()
    # Two parts: the message, then a file; the upload fails after the message is posted.
    reply = Reply(
        (
            paragraph("Meetup tomorrow: the schedule is attached."),
            Attachment("m.ics", b"BEGIN:VCALENDAR", "text/calendar"),
        )
    )
    fake.fail("files.getUploadURLExternal", "internal_error", times=5)
    delivery = Delivery(store, {"slack": sender}, owner="t", pace={}, retry_delay=0)
    outcome = await delivery.deliver("reminder:m:r1:2027-01-19T17:00Z", reply, [CHANNEL])
    again = await delivery.deliver("reminder:m:r1:2027-01-19T17:00Z", reply, [CHANNEL])
    store.close()
    assert len(fake.posted()) == 1  # the first part, once
    assert outcome.uncertain == 1 and outcome.uncertain_chats == (CHANNEL.key,) and again.sent == 0


async def test_a_failure_of_the_first_part_stays_retryable(sender: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "internal_error")
    with pytest.raises(SendError) as caught:
        await sender.send(CHANNEL, Reply((paragraph("x"), Attachment("m.ics", b"x", "text/calendar"))))
    assert caught.value.retryable and not caught.value.maybe_delivered


@pytest.fixture
def shared_pg() -> Iterator[tuple[Store, Store]]:
    """Two processes' stores on one PostgreSQL database (separate engines, one table prefix)."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with two_stores(pg_url(), unique_prefix()) as pair:
        yield pair


@pytest.fixture
async def two_instances(
    fake: FakeSlack, bot: Bot, registry: CommandRegistry, shared_pg: tuple[Store, Store]
) -> AsyncIterator[tuple[HttpSlack, HttpSlack]]:
    """Two HTTP-mode instances behind one load balancer, each with its own store connection."""
    instances: list[HttpSlack] = []
    async with aiohttp.ClientSession() as session:
        for store in shared_pg:
            server = HttpServer("127.0.0.1", 0)
            adapter = SlackAdapter(
                BOT_TOKEN,
                registry,
                signing_secret=SIGNING_SECRET,
                api_url=fake.api_url,
                http_server=server,
                seen=store.seen,
                drain_timeout=1.0,
            )
            await server.start()
            await adapter.start(bot.handle)
            instances.append(HttpSlack(adapter, server, session))
        try:
            yield instances[0], instances[1]
        finally:
            for instance in instances:
                await instance.adapter.stop()
                await instance.server.stop()


@pytest.mark.postgres
async def test_a_retried_event_is_answered_once_by_two_instances_on_one_database(
    two_instances: tuple[HttpSlack, HttpSlack], fake: FakeSlack
) -> None:
    first, second = two_instances
    body = json.dumps(event_callback(mention("help")))
    # Slack sends the event to one instance, then (no ack in time, it thinks) retries it to the other.
    assert (await first.post(body, "application/json")).status == 200
    retried = await second.post(body, "application/json", headers={"X-Slack-Retry-Num": "1"})
    assert retried.status == 200
    await fake.wait_for(lambda: len(fake.posted()) >= 1)
    await fake.settle()
    assert len(fake.posted()) == 1
    # A new event still goes through either instance.
    await second.post(json.dumps(event_callback(mention("help"))), "application/json")
    await fake.wait_for(lambda: len(fake.posted()) == 2)
