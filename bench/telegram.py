"""Throughput of the Telegram adapter against a bare python-telegram-bot bot, same server, same run.

Both bots poll the same local fake Bot API (a separate process, so its work does not share the
bots' event loop) and answer N `/next` updates. Ours parses the command, asks the core (calendar
query, event card), renders HTML and sends through its error handling; the bare bot answers a
constant string from a CommandHandler. Both run with the same PTB settings (concurrent updates,
connection pool); the rate limiter's Telegram limits are switched off for ours, because a local
server has no flood limits to respect and we measure our overhead, not Telegram's pacing.

    .venv/bin/python bench/telegram.py [--updates N] [--rounds R] [--chats C]

Prints updates/s for each bot and the ratio ours / bare (target: at least 0.9).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is called telegram.py: with its folder first on the path it would shadow the package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import httpx  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CommandHandler, ContextTypes  # noqa: E402

from adapters.telegram_adapter import TelegramAdapter, TelegramOptions  # noqa: E402
from bot.commands import CommandRegistry  # noqa: E402
from bot.core import Bot  # noqa: E402
from bot.handlers import register_calendar_commands  # noqa: E402
from bot.source import CalendarSource  # noqa: E402

TOKEN = "123456:BENCH-token"
CONCURRENCY = 32
EVENTS = ROOT / "tests" / "telegram" / "events.yaml"
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)  # before the test calendar's meetup: /next shows a card

Runner = Callable[[str], Awaitable[Callable[[], Awaitable[None]]]]


async def start_ours(url: str) -> Callable[[], Awaitable[None]]:
    registry = CommandRegistry()
    register_calendar_commands(registry)
    core = Bot(CalendarSource.from_file(EVENTS), registry, clock=lambda: NOW)
    adapter = TelegramAdapter(
        TOKEN, registry, api_url=url, options=TelegramOptions(concurrent_updates=CONCURRENCY, poll_timeout=1),
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0),
    )
    await adapter.start(core.handle)
    return adapter.stop


async def start_bare(url: str) -> Callable[[], Awaitable[None]]:
    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("The next meetup is on Tuesday.")

    app: Application = (  # type: ignore[type-arg]
        ApplicationBuilder().token(TOKEN).base_url(f"{url}/bot").job_queue(None)
        .concurrent_updates(CONCURRENCY).connection_pool_size(64).build()
    )
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


async def measure(client: httpx.AsyncClient, url: str, start: Runner, updates: int, chats: int) -> float:
    stop = await start(url)
    try:
        before = (await client.get("/_fake/stats")).json()["sent"]
        batch = [{"text": "/next", "chat_id": 1000 + i % chats} for i in range(updates)]
        began = time.perf_counter()
        await client.post("/_fake/updates", json=batch)
        while (await client.get("/_fake/stats")).json()["sent"] - before < updates:
            if time.perf_counter() - began > 120:
                raise TimeoutError("the bot did not answer every update within 120 s")
            await asyncio.sleep(0.01)
        return updates / (time.perf_counter() - began)
    finally:
        await stop()


async def main(updates: int, rounds: int, chats: int) -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        url = (await asyncio.wait_for(server.stdout.readline(), 10)).decode().strip().removeprefix("listening on ")
        results: dict[str, list[float]] = {"ours": [], "bare": []}
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            await measure(client, url, start_bare, min(200, updates), chats)  # warm up both paths
            await measure(client, url, start_ours, min(200, updates), chats)
            for _ in range(rounds):  # alternate, so drift in the machine hits both alike
                results["ours"].append(await measure(client, url, start_ours, updates, chats))
                results["bare"].append(await measure(client, url, start_bare, updates, chats))
    finally:
        server.kill()
        await server.wait()
    ours, bare = statistics.median(results["ours"]), statistics.median(results["bare"])
    print(f"updates per run: {updates} over {chats} chats, {rounds} rounds, concurrency {CONCURRENCY}")
    print(f"bare PTB, constant answer : {bare:8.0f} updates/s  (runs: {', '.join(f'{r:.0f}' for r in results['bare'])})")
    print(f"meetup-bot adapter, /next : {ours:8.0f} updates/s  (runs: {', '.join(f'{r:.0f}' for r in results['ours'])})")
    print(f"ratio ours / bare         : {ours / bare:8.2f}  (target >= 0.9)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chats", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.rounds, args.chats))
