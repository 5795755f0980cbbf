"""Pacing sends under Telegram's flood limits with python-telegram-bot's AIORateLimiter.

AIORateLimiter's limiters are leaky buckets: a bucket of `max_rate` that drains at
max_rate/period. With its defaults (30 per 1 s, 20 per 60 s per group) a full burst plus the
drain during the same window doubles the limit, and Telegram answers 429. Here the buckets are
small and the drain leaves the rest of the window under the limit, so no 1 s ever holds more
than 30 sends and no minute more than 20 sends to one group. The overall bucket holds one send:
every bucket slot costs a slot of steady rate, and a fan-out to many chats needs the rate (a
one-slot bucket drains at about 28/s), while a lone reply still goes at once. A group's bucket
holds a few, so a quick exchange in one group is not slowed. Only calls that post count:
looking up a chat member in a group must not use up that group's messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
MARGIN = 0.97  # timers are not exact; stay a little under
_POSTING = ("send", "copy", "forward", "edit")


def bucket(burst: int, limit: int, window: float) -> tuple[float, float]:
    """(max_rate, time_period) for an AsyncLimiter that lets `burst` through at once and the rest
    evenly, never more than `limit` in any `window` seconds."""
    burst = max(1, min(burst, limit - 1))
    rate = (limit - burst) / window * MARGIN
    return burst, burst / rate


class SendPacer(AIORateLimiter):
    def __init__(self, burst: int = 5, overall_burst: int = 1) -> None:
        overall_rate, overall_period = bucket(overall_burst, OVERALL_PER_SECOND, 1.0)
        group_rate, group_period = bucket(burst, GROUP_PER_MINUTE, 60.0)
        # max_retries=0: RetryAfter reaches the adapter, which bounds the waiting and logs it.
        super().__init__(
            overall_max_rate=overall_rate,
            overall_time_period=overall_period,
            group_max_rate=group_rate,
            group_time_period=group_period,
            max_retries=0,
        )

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if not endpoint.startswith(_POSTING):
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


class _QuietLimiterLog(logging.Filter):
    """With max_retries=0 AIORateLimiter logs every 429 as an error with a traceback; the adapter
    handles each and logs it once, briefly."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum of")


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_QuietLimiterLog())
