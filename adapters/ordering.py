"""Work in arrival order per key, concurrent across keys: one person's messages in one chat are
handled one after the other, while different people and chats go at once.

`KeyedSerial.reserve(key)` takes a place in the key's queue at once, without waiting, so the
order is the order of the calls; `Turn.run(work)` then waits for the key's earlier work to end,
only then for one of the `limit` slots shared by all keys, and runs. A turn waiting behind its
key never holds a slot, so a slow key cannot use up the slots others need. A key's queue is
dropped as soon as it is empty: memory follows the keys with work, not every key ever seen.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Turn:
    """One place in a key's queue; `run` it once, or `skip` it (both idempotent after the first)."""

    __slots__ = ("_done", "_key", "_lane", "_order", "_ready")

    def __init__(self, order: KeyedSerial, key: Hashable | None, lane: deque[Turn] | None) -> None:
        self._order, self._key, self._lane = order, key, lane
        self._ready: asyncio.Future[None] | None = None  # made only when the turn must wait
        self._done = False

    @property
    def first(self) -> bool:
        """Nothing of its key is before it."""
        return self._lane is None or self._lane[0] is self

    async def run(self, work: Awaitable[T]) -> T:
        """Run `work` once the key's earlier turns are done and a slot is free."""
        if self._done:
            _close(work)
            raise RuntimeError("this turn was already used")
        try:
            if not self.first:
                self._ready = asyncio.get_running_loop().create_future()
                await self._ready
            async with self._order.slots:
                self._order.running += 1
                try:
                    return await work
                finally:
                    self._order.running -= 1
        except BaseException:
            _close(work)  # cancelled before it started: no "never awaited" warning
            raise
        finally:
            self.skip()

    def skip(self) -> None:
        """Give the place up (the work was dropped); the key's next turn may go."""
        if self._done:
            return
        self._done = True
        lane = self._lane
        if lane is None:
            return
        was_first = lane[0] is self
        lane.remove(self)
        if not lane:
            del self._order.lanes[self._key]  # idle keys take no memory
        elif was_first:
            following = lane[0]
            if following._ready is not None and not following._ready.done():
                following._ready.set_result(None)


class KeyedSerial:
    """A FIFO queue per key, keys concurrent up to `limit` running at once (see the module docstring)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.slots = asyncio.Semaphore(limit)
        self.lanes: dict[Hashable, deque[Turn]] = {}
        self.running = 0  # turns holding a slot now

    def reserve(self, key: Hashable | None) -> Turn:
        """A place at the end of `key`'s queue, taken now; None orders nothing (only the slots apply)."""
        if key is None:
            return Turn(self, None, None)
        lane = self.lanes.get(key)
        if lane is None:
            lane = self.lanes[key] = deque()
        turn = Turn(self, key, lane)
        lane.append(turn)
        return turn

    async def run(self, key: Hashable | None, work: Awaitable[T]) -> T:
        """`work` after everything reserved for `key` before it."""
        return await self.reserve(key).run(work)


def _close(work: Awaitable[object]) -> None:
    if inspect.iscoroutine(work):
        work.close()
