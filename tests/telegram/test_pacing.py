"""The pacer never lets a window at the server hold more than the limit, only posting calls count, and a
stopping fan-out does not wait for pacing turns."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from adapters.telegram.pacing import GROUP_PER_MINUTE, OVERALL_PER_SECOND, SendPacer, Window
from bot.announce.delivery import Delivery, Outcome
from bot.announce.outbound import SendReceipt
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply, text_reply
from bot.store.store import Store


def most_in_any_window(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_no_window_at_the_server_holds_more_than_the_limit_whatever_the_latency() -> None:
    """A server that takes each request at a random moment of its round trip, with jitter far
    larger than the spacing: counting each send until its answer keeps every window at the limit."""
    limit, window = 5, 0.2
    pacer = Window(limit, window, burst=3)
    rng = random.Random(7)
    arrivals: list[float] = []
    loop = asyncio.get_running_loop()

    async def send() -> None:
        async with pacer.slot():
            await asyncio.sleep(rng.uniform(0, 0.03))  # on its way
            arrivals.append(loop.time())
            await asyncio.sleep(rng.uniform(0, 0.03))  # the answer on its way back

    await asyncio.gather(*(send() for _ in range(40)))
    assert len(arrivals) == 40
    assert most_in_any_window(arrivals, window) <= limit


async def test_a_send_that_never_started_gives_its_turn_back() -> None:
    pacer = Window(2, 60.0, burst=2)
    await pacer.acquire()
    pacer.release(answered=False)
    loop = asyncio.get_running_loop()
    assert pacer.counted(loop.time()) == 0
    await pacer.acquire()
    await pacer.acquire()  # both turns still there: it does not wait a minute
    assert pacer.counted(loop.time()) == 2


async def test_only_posting_calls_use_up_a_groups_messages() -> None:
    pacer = SendPacer(burst=2)
    calls: list[str] = []

    async def call(endpoint: str) -> dict[str, Any]:
        calls.append(endpoint)
        return {}

    group = {"chat_id": -100123}
    for _ in range(50):  # lookups in one group, far beyond its 20 a minute
        await pacer.process_request(call, ("getChatMember",), {}, "getChatMember", group, None)
    for _ in range(2):  # the burst of sends goes at once
        await pacer.process_request(call, ("sendMessage",), {}, "sendMessage", group, None)
    loop = asyncio.get_running_loop()
    assert pacer.group(-100123).counted(loop.time()) == 2
    assert pacer.overall.counted(loop.time()) == 2
    third = asyncio.ensure_future(pacer.process_request(call, ("sendMessage",), {}, "sendMessage", group, None))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not third.done()  # the next send to that group waits for its spacing
    third.cancel()
    assert calls.count("getChatMember") == 50 and calls.count("sendMessage") == 2


async def test_private_chats_share_only_the_overall_window() -> None:
    pacer = SendPacer(burst=1, overall_burst=OVERALL_PER_SECOND)

    async def call(endpoint: str) -> dict[str, Any]:
        return {}

    for chat_id in range(OVERALL_PER_SECOND):
        await pacer.process_request(call, ("sendMessage",), {}, "sendMessage", {"chat_id": chat_id}, None)
    loop = asyncio.get_running_loop()
    assert pacer.overall.counted(loop.time()) == OVERALL_PER_SECOND
    assert GROUP_PER_MINUTE < OVERALL_PER_SECOND and not pacer._groups


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing else is ready, so
    waiting costs no real time and the loop's time() says exactly how long a wait would be."""

    def __init__(self) -> None:
        super().__init__()
        self.virtual = 0.0
        self._selector = _JumpingSelector(self._selector, self)  # type: ignore[has-type]

    def time(self) -> float:
        return self.virtual


class _JumpingSelector:
    def __init__(self, inner: Any, loop: VirtualTimeLoop) -> None:
        self.inner, self.loop = inner, loop

    def select(self, timeout: float | None = None) -> Any:
        # Worker threads (the store's claims) answer through the loop's self-pipe: give them a
        # moment of real time before the clock jumps past their work.
        ready = self.inner.select(0 if timeout == 0 else 0.02)
        if not ready and timeout:
            self.loop.virtual += timeout
        return ready

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_stopping_fanout_defers_what_is_left_without_waiting_for_turns(tmp_path: Path) -> None:
    """SIGTERM in the middle of a fan-out: the sends not yet started are deferred at once
    (the next catch-up pass sends them), not after each has waited for a pacing turn."""
    chats = [ChatRef("telegram", str(1000 + i), is_private=True) for i in range(300)]

    async def main() -> tuple[float, Outcome]:
        store = Store(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
        store.create()
        sender = PacedSender(SendPacer())  # Telegram's adapter: its pacer, a 10 ms round trip
        delivery = Delivery(store, {"telegram": sender}, owner="a")  # production's defaults
        fanout = asyncio.ensure_future(delivery.deliver("reminder:x", text_reply("Tomorrow!"), chats))
        await asyncio.wait([fanout, asyncio.ensure_future(sender.reached(60))], return_when=asyncio.FIRST_COMPLETED)
        assert not fanout.done()
        loop = asyncio.get_running_loop()
        stop = loop.time()
        delivery.closing = True  # what Scheduler.drain does on SIGTERM
        outcome = await fanout
        store.close()
        return loop.time() - stop, outcome

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        stopped, outcome = runner.run(main())
    assert outcome.sent + outcome.deferred == len(chats) and outcome.deferred > 200
    # Only the sends already in flight finish: a few round trips and pacing turns, not the
    # ten seconds the 240 deferred ones would take at 30 a second.
    assert stopped < 1.0


class PacedSender:
    """Sends through the adapter's pacer with a fixed round trip; counts the posts."""

    platform = "telegram"

    def __init__(self, pacer: SendPacer) -> None:
        self.pacer = pacer
        self.posted = 0
        self._changed = asyncio.Event()

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        async def post() -> bool:
            await asyncio.sleep(0.01)
            self.posted += 1
            self._changed.set()
            return True

        await self.pacer.process_request(post, (), {}, "sendMessage", {"chat_id": int(chat.chat_id)}, None)
        return SendReceipt(chat, (str(self.posted),))

    async def reached(self, posts: int) -> None:
        while self.posted < posts:
            self._changed.clear()
            await self._changed.wait()
