"""Fan-out with the ledger: claim (announcement, chat) in the store, send, mark. Never twice.

The claim is taken just before each send, inside the concurrency limit, so at any instant only
the sends actually in flight are claimed-but-unmarked. Outcomes:

- posted: SENT (a receipt for another chat, a moved group, is reported to the ChatStatus);
- `ChatGone`: FAILED, and the ChatStatus is told the chat is gone, so it stops being a target;
- a retryable `SendError` that surely was not posted: the claim is released and retried a few
  times with backoff; a later catch-up pass (or another process) may also take it;
- `maybe_delivered` (a timeout) or any unexpected error: UNCERTAIN, never resent (at most once);
- the announcement went stale mid fan-out (its meetup moved): not claimed, not sent (STALE).

Adapters never write chat status; the ChatStatus (bot/announce/status.py) is the one writer.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.announce.outbound import ChatGone, ChatStatusListener, Sender, SendError
from bot.announce.status import ChatStatus
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply
from bot.store.kinds import Subscription

if TYPE_CHECKING:
    from bot.store.store import Store

log = logging.getLogger(__name__)


class Result(enum.StrEnum):
    """What happened to one (announcement, chat) in one delivery."""

    SENT = "sent"
    SKIPPED = "skipped"  # already claimed or settled by someone (this process earlier, or another)
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    UNROUTABLE = "unroutable"  # no sender for the chat's platform in this process
    DEFERRED = "deferred"  # not started because the process is stopping; the next pass sends them
    STALE = "stale"  # not started because the announcement no longer says what the calendar says
    RETRY = "retry"  # internal: released after a retryable error, tried again


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    uncertain: int = 0
    unroutable: int = 0
    deferred: int = 0
    stale: int = 0
    uncertain_chats: tuple[str, ...] = ()  # which chats may or may not have got it

    @property
    def total(self) -> int:
        return self.sent + self.skipped + self.failed + self.uncertain + self.unroutable + self.deferred + self.stale


def targets(configured: Iterable[str], subscriptions: Iterable[Subscription]) -> list[ChatRef]:
    """Where announcements go: the configured chats plus those that /subscribe'd, minus those
    that /unsubscribe'd and those the platform says the bot can no longer post to."""
    subscriptions = list(subscriptions)
    by_key: dict[str, ChatRef] = {}
    for text in configured:
        try:
            chat = ChatRef.parse(text)
        except ValueError:
            log.warning("ignoring announcement chat %r: expected platform:chat_id", text)
            continue
        by_key.setdefault(chat.key, chat)
    for sub in subscriptions:
        # A subscription made in a forum topic says where in the chat to post.
        if sub.subscribed and (sub.chat.thread_id or sub.chat.key not in by_key):
            by_key[sub.chat.key] = sub.chat
    excluded = {s.chat.key for s in subscriptions if s.subscribed is False or not s.active}
    return [chat for key, chat in by_key.items() if key not in excluded]


# Sends per second by platform, for a platform whose adapter does not pace its own sends.
# Telegram's adapter has the one pacer of its sends (adapters/telegram/pacing.py), shared with
# the replies; a second one here only lowered the rate. Claimed sends waiting there are at most
# `max_in_flight`, so a crash still leaves only those in doubt.
DEFAULT_PACE: Mapping[str, float] = {}


class Pacer:
    """Keeps sends under `rate` per second in two steps, shared by every task using it.

    `space()`, before the claim, hands out evenly spaced start times. `admit()`, after the claim
    and just before the request, enforces "at most `rate` within any one second" on the actual
    clock: a claim that took long (a WAL checkpoint) or a loop that woke sleepers late would
    otherwise bunch sends into one second. It rarely waits, and then only briefly.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.cap = max(1, int(rate))
        self._next = 0.0
        self._starts: deque[float] = deque()

    async def space(self) -> None:
        now = asyncio.get_running_loop().time()
        at = max(now, self._next)
        self._next = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)

    async def admit(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            while self._starts and now - self._starts[0] >= 1.0:
                self._starts.popleft()
            if len(self._starts) < self.cap:
                self._starts.append(now)
                return
            await asyncio.sleep(self._starts[0] + 1.0 - now)


class Delivery:
    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        *,
        owner: str,
        max_in_flight: int = 8,
        max_attempts: int = 3,
        retry_delay: float = 1.0,
        pace: Mapping[str, float] = DEFAULT_PACE,
        status: ChatStatusListener | None = None,
    ) -> None:
        self.store = store
        self.status: ChatStatusListener = status or ChatStatus(store)  # the one writer of chat status
        self.senders = dict(senders)
        self.owner = owner
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._limit = asyncio.Semaphore(max_in_flight)
        self._pacers = {platform: Pacer(rate) for platform, rate in pace.items()}
        # Set on shutdown: sends in flight finish and are marked, no new claim is taken, so a
        # graceful stop leaves nothing in doubt.
        self.closing = False

    async def deliver(
        self,
        announcement: str,
        reply: Reply,
        chats: Sequence[ChatRef],
        current: Callable[[], bool] | None = None,
    ) -> Outcome:
        """Send `reply` once to each chat for `announcement`; safe to call again and again.
        `current`, asked before each claim: False once the announcement went stale (its meetup
        moved), so the rest of a long fan-out does not post what is no longer true."""
        results = await asyncio.gather(*(self._one(announcement, reply, chat, current) for chat in chats))
        counts = Counter(results)
        unsure = tuple(chat.key for chat, result in zip(chats, results, strict=True) if result is Result.UNCERTAIN)
        outcome = Outcome(**{r.value: counts[r] for r in Result if r is not Result.RETRY}, uncertain_chats=unsure)
        if outcome.sent or outcome.failed or outcome.uncertain or outcome.stale:
            log.info(
                "%s: %d sent, %d already done, %d failed, %d uncertain, %d stale, %d without a sender",
                announcement,
                outcome.sent,
                outcome.skipped,
                outcome.failed,
                outcome.uncertain,
                outcome.stale,
                outcome.unroutable,
            )
        return outcome

    def _stopping(self) -> bool:
        return self.closing  # a call: `closing` changes while a send waits (Scheduler.drain)

    async def _one(self, announcement: str, reply: Reply, chat: ChatRef, current: Callable[[], bool] | None) -> Result:
        sender = self.senders.get(chat.platform)
        if sender is None:
            return Result.UNROUTABLE  # not claimed: a process that has this platform will send it
        for attempt in range(self.max_attempts):
            if self._stopping():  # before any wait for a turn: a stopping process defers at once
                return Result.DEFERRED
            async with self._limit:
                pacer = self._pacers.get(chat.platform)
                if pacer is not None and not self._stopping():
                    await pacer.space()
                if self._stopping():
                    return Result.DEFERRED
                if current is not None and not current():
                    return Result.STALE
                if not await asyncio.to_thread(self.store.claim, announcement, chat.key, self.owner):
                    return Result.SKIPPED
                if pacer is not None:
                    await pacer.admit()
                result = await self._send(announcement, reply, chat, sender)
            if result is not Result.RETRY:
                return result
            await asyncio.sleep(self.retry_delay * 2**attempt)
        return Result.FAILED

    async def _send(self, announcement: str, reply: Reply, chat: ChatRef, sender: Sender) -> Result:
        store, owner = self.store, self.owner
        try:
            receipt = await sender.send(chat, reply)
        except ChatGone as exc:
            await asyncio.to_thread(store.mark_failed, announcement, chat.key, owner, f"chat gone: {exc}")
            await self.status.chat_inactive(chat, str(exc) or "chat gone")
            return Result.FAILED
        except SendError as exc:
            if exc.maybe_delivered:
                await asyncio.to_thread(store.mark_uncertain, announcement, chat.key, owner, f"maybe posted: {exc}")
                log.warning("%s to %s may or may not have been posted (%s); not resending", announcement, chat.key, exc)
                return Result.UNCERTAIN
            if exc.retryable:
                again = await asyncio.to_thread(
                    store.release, announcement, chat.key, owner, str(exc), self.max_attempts
                )
                return Result.RETRY if again else Result.FAILED
            await asyncio.to_thread(store.mark_failed, announcement, chat.key, owner, str(exc))
            return Result.FAILED
        except Exception as exc:
            # An adapter bug: we cannot tell whether it posted, so at most once applies.
            log.exception("sending %s to %s failed unexpectedly", announcement, chat.key)
            await asyncio.to_thread(store.mark_uncertain, announcement, chat.key, owner, f"error: {exc!r}")
            return Result.UNCERTAIN
        marked = await asyncio.to_thread(store.mark_sent, announcement, chat.key, owner, receipt.message_ids)
        if not marked:
            log.warning("%s to %s was posted after its claim expired", announcement, chat.key)
        if receipt.chat.key != chat.key:
            # Marked first: the move hands the new id this announcement's row, settled.
            await self.status.chat_moved(chat, receipt.chat)
        return Result.SENT
