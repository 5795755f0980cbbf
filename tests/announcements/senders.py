"""A Sender that records what it posts and fails on cue: our own, for delivery tests.

Not a stand-in for an adapter under test: it is the far side of the Sender protocol, and the
Telegram adapter's own tests (and the crash test and bench) use the real adapter.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from bot.announce.outbound import SendError, SendReceipt
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply

Script = Callable[[ChatRef, int], SendError | ChatRef | None]


class RecordingSender:
    def __init__(
        self, platform: str = "telegram", script: Script | None = None, delay: float = 0.0, *, hold: bool = False
    ) -> None:
        self.platform = platform
        self.script = script
        self.delay = delay
        # hold=True: every send stays in flight until `release` is set (see `wait_in_flight`).
        self.release = asyncio.Event()
        if not hold:
            self.release.set()
        self.in_flight = 0
        self._in_flight_changed = asyncio.Event()
        self.posted: list[tuple[str, str]] = []  # (chat key, plain text)
        self.targets: list[ChatRef] = []  # where each post went, forum topic included
        self.attempts: Counter[str] = Counter()

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        self.attempts[chat.key] += 1
        self.in_flight += 1
        self._in_flight_changed.set()
        try:
            await self.release.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        outcome = self.script(chat, self.attempts[chat.key]) if self.script else None
        if isinstance(outcome, SendError):
            raise outcome
        self.posted.append((chat.key, reply.plain_text()))
        self.targets.append(chat)
        return SendReceipt(outcome or chat, (str(len(self.posted)),))

    async def wait_in_flight(self, n: int) -> None:
        """Until `n` sends are in flight at once (held by hold=True)."""
        while self.in_flight < n:
            self._in_flight_changed.clear()
            await self._in_flight_changed.wait()

    def count(self, chat_key: str) -> int:
        return sum(1 for key, _ in self.posted if key == chat_key)
