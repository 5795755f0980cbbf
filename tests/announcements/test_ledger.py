"""The delivery ledger and fan-out: exactly once, against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from bot.announce.delivery import Delivery, targets
from bot.announce.outbound import ChatGone, SendError
from bot.chat.messages import ChatRef
from bot.chat.reply import text_reply
from bot.store.store import CLAIMED, FAILED, SENT, UNCERTAIN, Store
from tests.announcements.senders import RecordingSender
from tests.fakes.clock import FixedClock

CHATS = [ChatRef("telegram", str(-1000 - i)) for i in range(40)]
REPLY = text_reply("Meetup tomorrow!")


def test_claim_is_won_by_exactly_one_of_many_threads(store: Store) -> None:
    winners: list[int] = []
    barrier = threading.Barrier(8)

    def race(n: int) -> None:
        barrier.wait()
        if store.claim("reminder:x", "telegram:-1", f"owner-{n}"):
            winners.append(n)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(winners) == 1
    [row] = store.ledger_rows("reminder:x")
    assert row.state == CLAIMED and row.owner == f"owner-{winners[0]}"


async def test_deliver_twice_sends_once(store: Store) -> None:
    sender = RecordingSender()
    delivery = Delivery(store, {"telegram": sender}, owner="a", pace={})
    first = await delivery.deliver("reminder:e", REPLY, CHATS)
    second = await delivery.deliver("reminder:e", REPLY, CHATS)
    assert (first.sent, second.sent, second.skipped) == (40, 0, 40)
    assert sorted(k for k, _ in sender.posted) == sorted(c.key for c in CHATS)
    assert {r.state for r in store.ledger_rows("reminder:e")} == {SENT}


async def test_two_leaders_on_one_database_never_double_send(store: Store) -> None:
    # Two processes' worth of Delivery (separate owners, engines and senders) racing.
    other = Store(
        store.url if store.dialect == "sqlite" else store.engine.url.render_as_string(False),
        prefix=store.prefix,
        clock=store.clock,
    )
    try:
        a, b = RecordingSender(delay=0.001), RecordingSender(delay=0.001)
        await asyncio.gather(
            Delivery(store, {"telegram": a}, owner="a", pace={}).deliver("call:2027-W03", REPLY, CHATS),
            Delivery(other, {"telegram": b}, owner="b", pace={}).deliver("call:2027-W03", REPLY, CHATS[::-1]),
        )
    finally:
        other.close()
    posted = [k for k, _ in a.posted + b.posted]
    assert sorted(posted) == sorted(c.key for c in CHATS)  # every chat once, 0 duplicates


async def test_chat_gone_marks_the_chat_inactive_and_it_stops_being_a_target(store: Store) -> None:
    gone = CHATS[3]
    sender = RecordingSender(script=lambda chat, _n: ChatGone("bot was kicked") if chat == gone else None)
    out = await Delivery(store, {"telegram": sender}, owner="a", pace={}).deliver("reminder:e", REPLY, CHATS[:5])
    assert (out.sent, out.failed) == (4, 1)
    row = next(r for r in store.ledger_rows("reminder:e") if r.chat_key == gone.key)
    assert row.state == FAILED and "kicked" in (row.detail or "")
    remaining = targets([c.key for c in CHATS[:5]], store.subscriptions())
    assert gone not in remaining and len(remaining) == 4


async def test_retryable_errors_are_retried_a_bounded_number_of_times(store: Store) -> None:
    flaky, dead = CHATS[0], CHATS[1]

    def script(chat: ChatRef, attempt: int) -> SendError | None:
        if chat == flaky and attempt < 3:
            return SendError("429", retryable=True)
        if chat == dead:
            return SendError("502", retryable=True)
        return None

    sender = RecordingSender(script=script)
    delivery = Delivery(store, {"telegram": sender}, owner="a", retry_delay=0.001, pace={})
    out = await delivery.deliver("r", REPLY, CHATS[:3])
    assert (out.sent, out.failed) == (2, 1)
    assert sender.attempts[flaky.key] == 3 and sender.count(flaky.key) == 1
    assert sender.attempts[dead.key] == 3 and sender.count(dead.key) == 0
    states = {r.chat_key: (r.state, r.attempts) for r in store.ledger_rows("r")}
    assert states[dead.key] == (FAILED, 3) and states[flaky.key] == (SENT, 3)


async def test_maybe_delivered_is_never_resent(store: Store) -> None:
    sender = RecordingSender(script=lambda chat, _n: SendError("timed out", retryable=True, maybe_delivered=True))
    delivery = Delivery(store, {"telegram": sender}, owner="a", pace={})
    await delivery.deliver("r", REPLY, CHATS[:2])
    await delivery.deliver("r", REPLY, CHATS[:2])
    assert sum(sender.attempts.values()) == 2
    assert {r.state for r in store.ledger_rows("r")} == {UNCERTAIN}


async def test_a_moved_chat_moves_its_subscription(store: Store) -> None:
    old, new = ChatRef("telegram", "-42"), ChatRef("telegram", "-100042")
    sender = RecordingSender(script=lambda chat, _n: new if chat == old else None)
    await Delivery(store, {"telegram": sender}, owner="a", pace={}).deliver("r", REPLY, [old])
    assert [c.key for c in targets([old.key], store.subscriptions())] == [new.key]


async def test_chats_without_a_sender_are_left_unclaimed_for_a_process_that_has_one(store: Store) -> None:
    out = await Delivery(store, {"telegram": RecordingSender()}, owner="a", pace={}).deliver(
        "r", REPLY, [ChatRef("slack", "C1"), CHATS[0]]
    )
    assert (out.sent, out.unroutable) == (1, 1)
    assert [r.chat_key for r in store.ledger_rows("r")] == [CHATS[0].key]


def test_stale_claims_expire_to_uncertain_not_to_a_resend(store: Store, clock: FixedClock) -> None:
    assert store.claim("r", "telegram:-1", "dead-process")
    clock.advance(timedelta(minutes=11))
    assert store.claim("r", "telegram:-2", "live-process")
    [stale] = store.expire_claims(clock() - timedelta(minutes=10))
    assert stale.chat_key == "telegram:-1"
    assert not store.claim("r", "telegram:-1", "restarted")  # at most once
    assert store.settled(["r"]) == {"r": {"telegram:-1", "telegram:-2"}}


def test_subscriptions_and_targets(store: Store) -> None:
    configured = ["telegram:-1", "slack:C1", "nonsense"]
    store.subscribe(ChatRef("telegram", "7", is_private=True), "telegram:7")
    store.unsubscribe(ChatRef("slack", "C1"), "slack:U1")
    store.mark_inactive(ChatRef("telegram", "-1"), "kicked")
    assert [c.key for c in targets(configured, store.subscriptions())] == ["telegram:7"]
    store.mark_joined(ChatRef("telegram", "-1"))
    store.mark_joined(ChatRef("slack", "C1"))  # re-joining does not undo /unsubscribe
    assert [c.key for c in targets(configured, store.subscriptions())] == ["telegram:-1", "telegram:7"]


def test_a_database_from_before_migrations_missing_a_column_gets_it(store: Store) -> None:
    """The release before migrations added a missing column on start; adopting a database it made
    still does (the whole story: tests/store/test_migrations.py)."""
    from bot.store.migrations import legacy

    store.drop()  # its tables and schema version: then the previous release's tables, as it made them
    with store.engine.begin() as conn:
        legacy.schema(store.prefix).create_all(conn)
        conn.exec_driver_sql(f'ALTER TABLE "{store.prefix}deliveries" DROP COLUMN message_ids')
    store.create()
    store.claim("r", "telegram:-1", "a")
    assert store.mark_sent("r", "telegram:-1", "a", ["17"])


@pytest.mark.parametrize("url", ["postgres://u@h:5432/db", "postgresql://u@h/db"])
def test_heroku_urls_map_to_psycopg3(url: str) -> None:
    from pathlib import Path

    from bot.config import database_url

    assert database_url({"DATABASE_URL": url}, Path("x")).startswith("postgresql+psycopg://")


async def test_a_stopping_delivery_finishes_sends_in_flight_and_leaves_the_rest_unclaimed(store: Store) -> None:
    sender = RecordingSender(hold=True)
    delivery = Delivery(store, {"telegram": sender}, owner="a", max_in_flight=2, pace={})
    fanout = asyncio.create_task(delivery.deliver("r", REPLY, CHATS[:10]))
    await sender.wait_in_flight(2)  # as many as may be in flight at once
    delivery.closing = True
    sender.release.set()
    out = await asyncio.wait_for(fanout, 30)  # a guard against a hang, not a timing check
    assert (out.sent, out.deferred) == (2, 8)
    assert {r.state for r in store.ledger_rows("r")} == {SENT}  # nothing left in doubt
    assert len(store.ledger_rows("r")) == out.sent
