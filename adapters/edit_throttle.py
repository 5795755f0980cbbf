"""Edits of one message, throttled: at most one per `interval` seconds, and the newest lands.

A card's buttons can be pressed by hundreds of people within seconds; editing the card for each
press would hit the platforms' limits (Telegram: about 20 messages a minute in a group, edits
included; Slack: chat.update is rate limited per workspace). Each message gets a slot: the first
edit goes at once; edits submitted while the message was edited less than `interval` ago wait,
and only the newest of them is sent when the interval is over. A reply with a lower `revision`
than one already accepted for the message (a press whose answer was computed earlier but arrived
later) is dropped, so the final edit always shows the final state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.announce.outbound import SendError, SendReceipt
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply

log = logging.getLogger(__name__)

Edit = Callable[[ChatRef, str, Reply], Awaitable[SendReceipt]]
DEFAULT_INTERVAL = 5.0  # seconds between edits of one message: 12 a minute, under a group's 20
RETRY_ATTEMPTS = 3  # a retryable failure (a 429, a network error) is tried again this often


@dataclass
class _Slot:
    chat: ChatRef
    pending: Reply | None = None
    revision: int | None = None  # the highest revision accepted for this message
    last_edit: float = float("-inf")
    worker: asyncio.Task[None] | None = None


class EditThrottle:
    def __init__(self, edit: Edit, interval: float = DEFAULT_INTERVAL, clock: Callable[[], float] = time.monotonic):
        self._edit = edit
        self.interval = interval
        self.clock = clock
        self._slots: dict[tuple[str, str], _Slot] = {}
        self.edits = 0  # edits sent (for tests and benches)
        self.dropped = 0  # replies superseded before they were sent, or older than one accepted

    def submit(self, chat: ChatRef, message_id: str, reply: Reply) -> None:
        """Queue `reply` as the new content of the message; returns at once (no await, so the
        order of submissions is the order of the callers)."""
        key = (chat.key, message_id)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot(chat)
        if reply.revision is not None and slot.revision is not None and reply.revision < slot.revision:
            self.dropped += 1  # computed before a state that is already queued or shown
            return
        if reply.revision is not None:
            slot.revision = reply.revision
        if slot.pending is not None:
            self.dropped += 1
        slot.pending, slot.chat = reply, chat
        if slot.worker is None or slot.worker.done():
            slot.worker = asyncio.get_running_loop().create_task(self._run(key, slot), name=f"edit {key}")

    async def _run(self, key: tuple[str, str], slot: _Slot) -> None:
        attempts = 0
        while slot.pending is not None:
            wait = slot.last_edit + self.interval - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            reply, slot.pending = slot.pending, None
            slot.last_edit = self.clock()
            try:
                await self._edit(slot.chat, key[1], reply)
                self.edits += 1
                attempts = 0
            except SendError as exc:
                attempts += 1
                if exc.retryable and attempts < RETRY_ATTEMPTS and slot.pending is None:
                    slot.pending = reply  # nothing newer came: this one must still land
                log.warning("editing message %s in %s failed: %s", key[1], key[0], exc)
            except Exception:
                log.exception("editing message %s in %s failed", key[1], key[0])
        self._forget_idle()

    def _forget_idle(self) -> None:
        """Drop slots idle for longer than the interval: their next edit may go at once anyway.
        A slot's revision is kept while it might still meet a late, older reply."""
        now = self.clock()
        for key, slot in list(self._slots.items()):
            idle = slot.pending is None and (slot.worker is None or slot.worker.done())
            if idle and now - slot.last_edit > max(self.interval, 60.0):
                del self._slots[key]

    async def close(self, within: float | None = None) -> None:
        """Let the queued edits land (the final counts), then stop; cancel what is left after
        `within` seconds (default: two intervals)."""
        workers = [s.worker for s in self._slots.values() if s.worker is not None and not s.worker.done()]
        if not workers:
            return
        _, pending = await asyncio.wait(workers, timeout=within if within is not None else 2 * self.interval)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
