"""The one pacer of Telegram sends: replies and announcement fan-out alike.

Telegram allows about 30 messages a second across chats and 20 a minute in one group; more gets
a 429. The limit holds at the server, where a request's arrival time is unknown to us, but it
lies between the moment we start the request and the moment its answer comes back. So a send
is counted in its window from its start until `window` seconds after its answer: a new send
starts only while fewer than `limit` sends are counted. Then no `window` seconds at the server
ever hold more than `limit` arrivals, however much the network or a busy event loop jitters, and
the rate lost to that certainty is one round trip per window (29.7/s at 10 ms).

Beyond the first `burst` sends, starts are also spaced evenly at `limit` per `window`: a long
fan-out goes at a steady rate instead of in bursts, while a lone reply still goes at once. Only
calls that post count: looking up a chat member must not use up a group's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

JSONDict = dict[str, Any]  # PTB's own alias lives in telegram._utils, which is not public API
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
_POSTING = ("send", "copy", "forward", "edit")
_EPSILON = 1e-9  # float sums of waits land a hair short of their target: do not wait again for that


class Window:
    """At most `limit` sends counted within any `window` seconds (see the module docstring)."""

    def __init__(self, limit: int, window: float, burst: int = 1) -> None:
        self.limit = limit
        self.window = window
        self.burst = max(1, min(burst, limit))
        self.interval = window / limit
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when each counted send's answer came back
        self._tokens = float(self.burst)  # starts that may go without waiting for spacing
        # Half a start more than the burst may build up: a waiter the event loop wakes late
        # keeps that lateness as credit, so a long fan-out holds its rate on a busy machine.
        self._capacity = self.burst + 0.5
        self._refilled = -math.inf
        self._changed = asyncio.Event()

    def counted(self, now: float) -> int:
        while self._answered and now - self._answered[0] >= self.window - _EPSILON:
            self._answered.popleft()
        return self._in_flight + len(self._answered)

    def _wait(self, now: float) -> float | None:
        """0 when a send may start now; else seconds to wait (None: until a send is answered)."""
        self._tokens = min(self._capacity, self._tokens + (now - self._refilled) / self.interval)
        self._refilled = now
        if self.counted(now) >= self.limit:
            return self._answered[0] + self.window - now if self._answered else None
        if self._tokens < 1.0 - _EPSILON:
            return (1.0 - self._tokens) * self.interval
        return 0.0

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        while (wait := self._wait(loop.time())) != 0.0:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait)
        self._tokens -= 1.0
        self._in_flight += 1

    def release(self, answered: bool = True) -> None:
        """The send was answered (or failed: it may still have arrived), or never started."""
        self._in_flight -= 1
        if answered:
            self._answered.append(asyncio.get_running_loop().time())
        else:
            self._tokens = min(self._capacity, self._tokens + 1.0)
        self._changed.set()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()


class SendPacer(BaseRateLimiter[int]):
    """PTB's rate limiter hook: every posting call takes a slot in the overall window and, for a
    group or channel, in that chat's window. 429s are not retried here: the adapter handles
    each (bounded waits, logged once)."""

    def __init__(self, burst: int = 5, overall_burst: int = 1) -> None:
        self.overall = Window(OVERALL_PER_SECOND, 1.0, overall_burst)
        self._group_burst = burst
        self._groups: dict[str | int, Window] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def group(self, chat_id: str | int) -> Window:
        window = self._groups.get(chat_id)
        if window is None:
            window = self._groups[chat_id] = Window(GROUP_PER_MINUTE, 60.0, self._group_burst)
        return window

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
        chat_id = data.get("chat_id")
        # Negative ids are groups and channels, @names are channels: they have the per-minute limit.
        is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
        if not is_group:
            async with self.overall.slot():
                return await callback(*args, **kwargs)
        assert chat_id is not None
        async with self.group(chat_id).slot(), self.overall.slot():  # the group's turn first
            return await callback(*args, **kwargs)
