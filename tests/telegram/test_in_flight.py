"""Few requests open at once: as many as the rate needs at the latency seen, waiting in order."""

from __future__ import annotations

import asyncio

import pytest

from adapters.telegram.in_flight import FLOOR, InFlight
from tests.fakes.telegram_api import Failure, FakeBotApi
from tests.telegram.conftest import Factory


async def test_the_cap_follows_the_round_trip_between_its_floor_and_ceiling() -> None:
    cap = InFlight(rate=30, floor=4, ceiling=32)
    assert cap.limit == 4  # nothing measured yet
    for _ in range(60):  # 250 ms round trips: 30/s needs 7.5 in flight
        await cap.acquire()
        cap.release(0.25)
    assert cap.limit == 9
    for _ in range(60):  # a very slow server: more open, but never past the ceiling
        await cap.acquire()
        cap.release(10.0)
    assert cap.limit == 32
    for _ in range(60):  # fast again
        await cap.acquire()
        cap.release(0.001)
    assert cap.limit == 4


async def test_requests_over_the_cap_wait_in_order_and_a_cancelled_one_passes_its_turn_on() -> None:
    cap = InFlight(floor=2, ceiling=2)
    await cap.acquire()
    await cap.acquire()
    order: list[str] = []

    async def request(name: str) -> None:
        await cap.acquire()
        order.append(name)

    a, b, c, d = (asyncio.create_task(request(name)) for name in "abcd")
    await asyncio.sleep(0)
    assert cap.busy == 2 and not order  # all four wait
    b.cancel()  # cancelled while waiting: it never holds a slot
    cap.release(0.0)
    await a
    cap.release(0.0)  # the turn goes to c (a turn is granted before the waiter runs) ...
    c.cancel()  # ... which is cancelled before it runs: d gets the slot
    with pytest.raises(asyncio.CancelledError):
        await c
    await d
    assert order == ["a", "d"]
    assert b.cancelled()
    assert cap.busy == 2


async def test_a_burst_of_replies_keeps_few_requests_open_at_the_server(api: FakeBotApi, make_adapter: Factory) -> None:
    """Twenty people ask at once and Telegram answers each send 50 ms later: the pacer would let
    fifteen go together (its burst); the cap keeps the server at FLOOR open requests, and
    everybody still gets an answer."""
    api.fail(Failure.slow(0.05), method="sendMessage", times=-1)
    await make_adapter(concurrent_updates=32)
    for person in range(20):
        api.user_message("/next", chat_id=5000 + person)
    sent = await api.wait_sent(20)
    assert sorted(m.chat_id for m in sent) == [5000 + p for p in range(20)]
    assert 1 < api.most_in_flight <= FLOOR
