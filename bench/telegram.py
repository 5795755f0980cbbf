"""Throughput of the Telegram adapter against bare python-telegram-bot bots, same machine, same run.

Each bot polls a local fake Bot API of its own (tests/fakes/telegram_api.py, each its own
process, so its work does not share the bots' event loop) and answers `/next` updates:

- fair (the baseline): bare PTB answering with our rendered /next card (HTML, no link preview,
  its RSVP buttons as an inline keyboard) by `reply_text`, through the same request cap as ours
  (adapters/telegram/in_flight.py) and the same limiter, 32 updates at once: the same wire work
  as ours, the way a PTB bot does it;
- ours: the adapter: per-person ordering (adapters/telegram/ordering.py), parse, core (calendar
  query, RSVP count, event card), render, send with its error handling, through the same cap
  and limiter. It reads only the new message's id from Telegram's answer (adapters/telegram/
  wire.py), where `reply_text` builds a whole Message of it: the same request, less parsing.
- fair again: a second fair baseline, an A/A control: how far two identical bots come apart
  in one round is the bench's own noise, printed as the noise floor;
- lean (reference): the fair baseline sending through wire.py too, so that only our core,
  ordering and adapter differ from it: what they cost.

Two older baselines are kept for reference only (`--bots all`), and labelled for what they are:
PTB answering a constant string, and PTB sending the same card through the limiter, both with
no cap on requests in flight (32 open requests at once, the slowest way PTB can run; less care
about flood limits), which made ours look faster than PTB.

All share concurrency and connection pool settings. The limiter's Telegram limits are off (a
local server has no flood limits; we measure overhead, not Telegram's pacing).

    .venv/bin/python bench/telegram.py [--updates N] [--rounds R] [--slices S] [--chats C]
                                       [--bots fair,ours,...|all] [--each]

Every bot runs for the whole bench. A round gives each bot N updates (8000 by default) in S
slices (32): the bots in turn, then in the reverse order, and so on (ABCCBAABCCBA), every other
round starting from the other end, so a drift in a shared machine's speed falls on all bots
alike. With two CPUs or more, the bots' process has one to itself and the fakes the others.
What start-up left in memory is frozen out of the garbage collector's way before the first
round, for all bots alike (a full collection falling in one bot's slice was noise).
Prints, for each bot, the median over rounds of updates/s and of the process's CPU time per
update, and ours against each baseline, overall and round by round (target against the fair
baseline: at least 0.9 in every round, issue 24).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is called telegram.py: with its folder first on the path it would shadow the package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import httpx
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CommandHandler, ContextTypes

from adapters.telegram.adapter import TelegramAdapter, TelegramOptions
from adapters.telegram.buttons import keyboard
from adapters.telegram.render import TelegramText, render
from adapters.telegram.wire import send_text
from bot.assembly import assemble
from bot.calendar.source import CalendarSource
from bot.chat.core import Bot
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.config import Settings
from tests.fakes.telegram_api import spawn

TOKEN = "123456:BENCH-token"
# The core as `meetup-bot run` assembles it; its store is never opened here.
# A ledger and RSVP store of the bench's own, its tables created (the /next card shows RSVPs).
STORE = Path(tempfile.mkdtemp(prefix="bench-telegram-")) / "store.sqlite3"
atexit.register(shutil.rmtree, STORE.parent, True)
BENCH_SETTINGS = Settings(database_url=f"sqlite:///{STORE}", scheduler_enabled=False)
CONCURRENCY = 32
EVENTS = ROOT / "tests" / "telegram" / "events.yaml"
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)  # before the test calendar's meetup: /next shows a card

Runner = Callable[[str], Awaitable[Callable[[], Awaitable[None]]]]


def build_core() -> Bot:
    core = assemble(BENCH_SETTINGS, CalendarSource.from_file(EVENTS), clock=lambda: NOW)
    core.announcements.store.create()
    return core.bot


def card_part() -> TelegramText:
    """What our bot answers to /next, rendered once, for the bare bot to send as a constant."""
    chat = ChatRef("telegram", "1", is_private=True)
    message = IncomingMessage(chat, UserRef("telegram", "1"), "/next", NOW, command="next")
    [reply] = asyncio.run(build_core().handle(message))
    [part] = render(reply)
    assert isinstance(part, TelegramText)
    return part


async def start_ours(url: str) -> Callable[[], Awaitable[None]]:
    core = build_core()
    adapter = TelegramAdapter(
        TOKEN,
        core.registry,
        api_url=url,
        options=TelegramOptions(concurrent_updates=CONCURRENCY, poll_timeout=1),
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0),
    )
    await adapter.start(core.handle)
    return adapter.stop


async def start_bare(
    url: str, *, card: TelegramText | None = None, capped: bool = False, lean: bool = False
) -> Callable[[], Awaitable[None]]:
    """A CommandHandler that answers a constant; with `card`, it sends the same HTML card and
    buttons as ours through the same rate limiter; `capped`, through our cap on requests in
    flight too (the fair baseline); `lean`, through our lean send as well (wire.py), so that
    only our core, ordering and adapter differ."""

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        if card is None:
            await update.effective_message.reply_text("The next meetup is on Tuesday.")
        elif lean:
            await send_text(
                context.bot,
                update.effective_message.chat_id,
                card.html,
                parse_mode=ParseMode.HTML,
                message_thread_id=None,
                reply_parameters=None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_markup=keyboard(card.buttons),
            )
        else:
            await update.effective_message.reply_text(
                card.html,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_markup=keyboard(card.buttons),
            )

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{url}/bot").job_queue(None).concurrent_updates(CONCURRENCY)
    if card is not None:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0))
    o = TelegramOptions()
    # Capped: the request the adapter sends through (adapters/telegram/adapter.py), the same pool.
    builder = builder.request(o.send_request()) if capped else builder.connection_pool_size(o.connection_pool_size)
    app: Application = builder.build()  # type: ignore[type-arg]
    app.add_handler(CommandHandler("next", answer))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1)

    async def stop() -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    return stop


CARD = card_part()


async def start_bare_card(url: str) -> Callable[[], Awaitable[None]]:
    return await start_bare(url, card=CARD)


async def start_fair(url: str) -> Callable[[], Awaitable[None]]:
    return await start_bare(url, card=CARD, capped=True)


async def start_lean(url: str) -> Callable[[], Awaitable[None]]:
    return await start_bare(url, card=CARD, capped=True, lean=True)


BOTS: dict[str, tuple[str, Runner]] = {
    "bare": ("PTB, constant text, no cap", start_bare),
    "same work": ("PTB, same card, no cap", start_bare_card),
    "fair": ("PTB, same card, cap+limiter", start_fair),
    "fair again": ("PTB, same card, cap+limiter #2", start_fair),
    "lean": ("PTB, same card, cap+limiter, lean", start_lean),
    "ours": ("meetup-bot adapter, /next", start_ours),
}
# The reference-only baselines (no cap) are slow and say little: run with --bots all.
DEFAULT_BOTS = ("fair", "fair again", "lean", "ours")
# What each baseline is, printed beside our ratio against it.
BASELINES = {
    "fair": "the fair baseline: same card, keyboard, request cap and limiter; target >= 0.9",
    "lean": "reference: also our lean send (reads only the id of the answer): only our core and adapter differ",
    "same work": "reference only: no cap on requests in flight (does less care about flood limits)",
    "bare": "reference only: a constant text, no keyboard, no cap (less work than ours)",
}


class Deliveries:
    """Counts the sends a fake recorded, by reading its record file (cheaper for the bots'
    event loop than asking the server, so the measurement disturbs what it measures less)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.count = path, 0, 0

    def poll(self) -> int:
        with self.path.open("rb") as record:
            record.seek(self.offset)
            chunk = record.read()
        self.offset += len(chunk)
        self.count += chunk.count(b"\n")
        return self.count


def cpus() -> tuple[set[int], set[int]] | None:
    """With two CPUs or more: one for the bots (this process), the others for the fakes. Where
    the scheduler puts each process otherwise differs from lane to lane (a fake sharing the
    bots' CPU slows its bot and not the next), which showed as a steady gap between two
    identical bots. None on one CPU."""
    mine = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return ({mine[0]}, set(mine[1:])) if len(mine) >= 2 else None


PLACES = cpus()
BOT_CPU, SERVER_CPU = PLACES if PLACES else (None, None)


def pin(pid: int, where: set[int] | None) -> None:
    if where is not None:
        os.sched_setaffinity(pid, where)


class Lane:
    """One bot with a fake Bot API of its own, running for the whole bench: the bots take turns
    in short slices, so a change in the machine's speed falls on all of them alike."""

    def __init__(self, key: str, start: Runner, folder: Path) -> None:
        self.key, self.start = key, start
        self.record = folder / f"{key.replace(' ', '-')}.jsonl"
        self.record.touch()
        self.sent = Deliveries(self.record)
        self.stop: Callable[[], Awaitable[None]] | None = None
        self.server: asyncio.subprocess.Process | None = None
        self.client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self.server, url = await spawn(self.record)
        pin(self.server.pid, SERVER_CPU)
        self.client = httpx.AsyncClient(base_url=url, timeout=30)
        self.stop = await self.start(url)

    async def close(self) -> None:
        if self.stop is not None:
            await self.stop()
        if self.client is not None:
            await self.client.aclose()
        if self.server is not None:
            self.server.kill()
            await self.server.wait()

    async def slice(self, updates: int, chats: int) -> tuple[float, float]:
        """Seconds and bot-process CPU seconds to answer `updates` /next messages."""
        assert self.client is not None
        before = self.sent.poll()
        batch = [{"text": "/next", "chat_id": 1000 + i % chats} for i in range(updates)]
        began, cpu = time.perf_counter(), time.process_time()
        await self.client.post("/_fake/updates", json=batch)
        while self.sent.poll() - before < updates:
            if time.perf_counter() - began > 120:
                raise TimeoutError(f"{self.key}: the bot did not answer every update within 120 s")
            await asyncio.sleep(0.005)
        return time.perf_counter() - began, time.process_time() - cpu


@dataclass
class Tally:
    """One bot's updates, seconds and CPU seconds in one round."""

    updates: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def add(self, updates: int, seconds: float, cpu: float) -> None:
        self.updates, self.seconds, self.cpu = self.updates + updates, self.seconds + seconds, self.cpu + cpu

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.updates * 1e6


async def main(updates: int, rounds: int, chats: int, slices: int, keys: list[str], each: bool) -> None:
    pin(0, BOT_CPU)
    with tempfile.TemporaryDirectory() as tmp:
        lanes = [Lane(key, BOTS[key][1], Path(tmp)) for key in keys]
        try:
            for lane in lanes:
                await lane.open()
                await lane.slice(min(200, updates), chats)  # warm every path up
            # What start-up left is never garbage: out of the collector's way, for every bot alike
            # (a full collection landing in one bot's slice and not another's was noise).
            gc.collect()
            gc.freeze()
            tallies: dict[str, list[Tally]] = {lane.key: [] for lane in lanes}
            size = max(1, updates // slices)
            for index in range(rounds):
                for lane in lanes:
                    tallies[lane.key].append(Tally())
                # Each round: the bots in turn, then in the reverse order, `slices` times (ABCCBA...):
                # a steady drift in the machine's speed falls on every bot alike.
                forward = lanes if index % 2 == 0 else lanes[::-1]
                for part in range(slices):
                    for lane in forward if part % 2 == 0 else forward[::-1]:
                        seconds, cpu = await lane.slice(size, chats)
                        tallies[lane.key][-1].add(size, seconds, cpu)
                        if each:
                            rate, cpu_us = size / seconds, cpu / size * 1e6
                            print(f"  round {index + 1} {lane.key:10}: {rate:5.0f}/s {cpu_us:5.0f} us CPU")
        finally:
            for lane in lanes:
                await lane.close()
    report(tallies, size * slices, rounds, chats, slices)


def report(tallies: dict[str, list[Tally]], updates: int, rounds: int, chats: int, slices: int) -> None:
    rate = {k: statistics.median(t.rate for t in v) for k, v in tallies.items()}
    cpu = {k: statistics.median(t.cpu_us for t in v) for k, v in tallies.items()}
    print(
        f"{updates} /next updates per bot per round over {chats} chats, in {slices} slices; {rounds} rounds,"
        f" concurrency {CONCURRENCY}; medians of the rounds"
    )
    for key, rounds_of in tallies.items():
        each = ", ".join(f"{t.rate:.0f}" for t in rounds_of)
        print(f"{BOTS[key][0]:29}: {rate[key]:7.0f} updates/s  {cpu[key]:6.0f} us CPU/update  (rounds: {each})")
    for base, what in BASELINES.items():
        if base not in tallies or "ours" not in tallies:
            continue
        ours, theirs = tallies["ours"], tallies[base]
        rates = [o.rate / b.rate for o, b in zip(ours, theirs, strict=True)]
        cpus = [b.cpu_us / o.cpu_us for o, b in zip(ours, theirs, strict=True)]
        print(
            f"ours vs {base:9}: rate ratio {statistics.median(rates):4.2f}, CPU ratio {statistics.median(cpus):4.2f}"
            f" (ours/base, base/ours; 1.0 is parity; medians); by round: rate {_each(rates)}, CPU {_each(cpus)}"
            f"  [{what}]"
        )
    if "fair" in tallies and "fair again" in tallies:
        # The same bot twice: how far apart two identical bots come out is the bench's own noise.
        pairs = list(zip(tallies["fair again"], tallies["fair"], strict=True))
        rates, cpus = [a.rate / b.rate for a, b in pairs], [b.cpu_us / a.cpu_us for a, b in pairs]
        floor = f"rate {_each(rates)}, CPU {_each(cpus)}"
        print(f"noise floor: the fair baseline against itself, by round: {floor}  [A/A control]")


def _each(ratios: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in ratios) + f" (lowest {min(ratios):.2f})"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # 8000 a round in 32 slices of 250: two identical bots (the A/A control) then come out within
    # ±0.03 of each other a round; in 4 slices of 500 they were ±0.1 apart, in 8 of 1000 ±0.08:
    # what moves a slice's speed lasts about a slice, so many short turns cancel it, long ones do not.
    parser.add_argument("--updates", type=int, default=8000, help="per bot per round (default 8000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--slices", type=int, default=32, help="turns per bot per round (default 32)")
    parser.add_argument(
        "--bots",
        default=",".join(DEFAULT_BOTS),
        help=f"which bots, comma-separated, or 'all' (default: {', '.join(DEFAULT_BOTS)}; all: {', '.join(BOTS)})",
    )
    parser.add_argument("--each", action="store_true", help="print every slice as it ends")
    args = parser.parse_args()
    chosen = list(BOTS) if args.bots == "all" else [key.strip() for key in args.bots.split(",") if key.strip()]
    if unknown := [key for key in chosen if key not in BOTS]:
        parser.error(f"--bots: no bot called {', '.join(unknown)} (there are {', '.join(BOTS)})")
    asyncio.run(main(args.updates, args.rounds, args.chats, args.slices, chosen, args.each))
