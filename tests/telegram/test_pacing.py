"""The limiter's buckets never admit more than Telegram allows, and only posting calls count."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.telegram.pacing import GROUP_PER_MINUTE, OVERALL_PER_SECOND, SendPacer, bucket


@pytest.mark.parametrize("burst", [1, 5, 15, 19, 40])
@pytest.mark.parametrize(("limit", "window"), [(OVERALL_PER_SECOND, 1.0), (GROUP_PER_MINUTE, 60.0)])
def test_a_full_bucket_plus_its_drain_stays_under_the_limit(burst: int, limit: int, window: float) -> None:
    max_rate, period = bucket(burst, limit, window)
    admitted_in_any_window = max_rate + window * max_rate / period
    assert admitted_in_any_window < limit
    assert 1 <= max_rate <= limit - 1


async def test_only_posting_calls_use_up_a_groups_messages() -> None:
    pacer = SendPacer(burst=2)
    calls: list[str] = []

    async def call(endpoint: str) -> dict[str, Any]:
        calls.append(endpoint)
        return {}

    group = {"chat_id": -100123}
    async with asyncio.timeout(2):  # 50 lookups in one group, far beyond its 20 a minute
        for _ in range(50):
            await pacer.process_request(call, ("getChatMember",), {}, "getChatMember", group, None)
        for _ in range(2):  # the burst of sends still goes at once
            await pacer.process_request(call, ("sendMessage",), {}, "sendMessage", group, None)
    third = asyncio.ensure_future(pacer.process_request(call, ("sendMessage",), {}, "sendMessage", group, None))
    await asyncio.sleep(0.2)
    assert not third.done()  # the next send to that group waits its turn
    third.cancel()
    assert calls.count("getChatMember") == 50 and calls.count("sendMessage") == 2
