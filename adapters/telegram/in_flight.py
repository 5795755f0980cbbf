"""How many Bot API requests are in flight at once: as many as Telegram's rate needs, no more.

The pacer (`pacing.py`) decides when a send may start. This decides how many requests may be
open together, which is a different cost: httpx looks at every pooled connection each time a
request starts or ends (an expiry check with a system call for each idle one), so every extra
connection makes every request dearer. With 32 updates handled at once and nothing capping the
requests, the adapter spent 2.3 ms of CPU per /next; capped, 1.75 ms, a little less than a bare
PTB bot answering a constant string (`bench/telegram.py`).

By Little's law the requests in flight for a steady rate are rate × round trip, so the cap
follows the latency seen: 30 sends a second at 100 ms need 3 in flight, at 250 ms 8; never fewer
than `floor`, never more than `ceiling`. A request over the cap waits here, in order, for one
to finish. getUpdates has its own connection in PTB and never waits here.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from typing import Any

from telegram.request import HTTPXRequest

RATE = 30.0  # requests a second to plan for: Telegram's overall limit on sends
FLOOR = 4
CEILING = 32
_WEIGHT = 0.2  # of the newest round trip in the moving average


class InFlight:
    """An asyncio semaphore whose size follows the measured round trip (see the module docstring)."""

    def __init__(self, rate: float = RATE, floor: int = FLOOR, ceiling: int = CEILING) -> None:
        self.rate, self.floor, self.ceiling = rate, floor, ceiling
        self.round_trip = 0.0  # seconds, moving average
        self.busy = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        return max(self.floor, min(self.ceiling, math.ceil(self.rate * self.round_trip) + 1))

    async def acquire(self) -> None:
        if not self._waiters and self.busy < self.limit:
            self.busy += 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(granted)
        try:
            await granted  # `_wake` counts us busy before it sets the result
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.busy -= 1  # granted, then cancelled before it ran: the slot goes to the next
                self._wake()
            else:
                self._waiters.remove(granted)
            raise

    def release(self, seconds: float) -> None:
        """A request that held a slot ended after `seconds` (answered, failed or cancelled)."""
        self.busy -= 1
        self.round_trip += _WEIGHT * (seconds - self.round_trip)
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.busy < self.limit:
            granted = self._waiters.popleft()
            if not granted.done():
                self.busy += 1
                granted.set_result(None)


class InFlightRequest(HTTPXRequest):
    """PTB's httpx request, each call holding a slot of an `InFlight` while it is open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = InFlight()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self.in_flight.acquire()
        loop = asyncio.get_running_loop()
        began = loop.time()
        try:
            return await super().do_request(*args, **kwargs)
        finally:
            self.in_flight.release(loop.time() - began)
