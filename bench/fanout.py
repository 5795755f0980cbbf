"""Fan-out: one reminder to 1,000 chats through the real Telegram adapter and the ledger.

The fake Bot API runs as its own process with Telegram's flood limits enforced (30 msg/s
overall, 20 msg/min per group, excess answered with a real 429 and retry_after). The bot side is
what production runs: Delivery (claim in a SQLite ledger, send, mark) over TelegramAdapter,
whose pacer is the only one (adapters/telegram/pacing.py). 900 chats are private (positive ids) and 100 are groups, each
getting one message, so the overall 30/s limit is the one that binds; the per-group limit is
enforced but one message per group never reaches it.

    .venv/bin/python bench/fanout.py [--chats N] [--groups G]

Prints achieved msg/s, the ratio to Telegram's 30/s (target >= 0.95), 429s received (target 0)
and duplicates (target 0). About 35 s for 1,000 chats: the limit is the point. Then a shutdown
in the middle of a second fan-out, as SIGTERM does it (stop claiming, let the sends in flight
finish, stop the adapter): the time from the signal until all is stopped (target <= 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from adapters.telegram.adapter import TelegramAdapter
from bot.announce.delivery import Delivery, Outcome
from bot.chat.commands import CommandRegistry
from bot.chat.messages import ChatRef
from bot.chat.reply import Heading, Reply, paragraph
from bot.store.store import SENT, Store
from tests.announcements.processes import FakeApiProcess

TELEGRAM_LIMIT = 30.0
TOKEN = "123456:BENCH-fanout"


def chats(total: int, groups: int) -> list[ChatRef]:
    private = [ChatRef("telegram", str(10_000 + i), is_private=True) for i in range(total - groups)]
    group = [ChatRef("telegram", str(-1_001_000_000 - i)) for i in range(groups)]
    # Interleaved, as a real subscription list would be.
    out: list[ChatRef] = []
    step = max(1, total // max(groups, 1))
    for i, chat in enumerate(private):
        out.append(chat)
        if i % step == 0 and group:
            out.append(group.pop())
    return out + group


def fetch_json(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, int] = json.load(response)
    return data


def busiest_second(stamps: list[float]) -> int:
    """The most sends the server accepted within any one-second window."""
    stamps = sorted(stamps)
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def shutdown_during_fanout(
    delivery: Delivery, adapter: TelegramAdapter, reply: Reply, targets: list[ChatRef]
) -> tuple[float, Outcome]:
    """Seconds from "stop" (what the SIGTERM handler starts) until the fan-out and the adapter
    have stopped, three seconds into a fan-out to every chat."""
    fanout = asyncio.create_task(delivery.deliver("reminder:bench-stop", reply, targets))
    await asyncio.sleep(3.0)
    began = time.perf_counter()
    delivery.closing = True  # Scheduler.drain: no new claims; sends in flight finish
    outcome = await fanout
    await adapter.stop()
    return time.perf_counter() - began, outcome


async def run(total: int, groups: int, workdir: Path) -> int:
    api = FakeApiProcess(workdir / "sent.jsonl", enforce_limits=True)
    store = Store(f"sqlite:///{workdir / 'ledger.sqlite3'}")
    store.create()
    adapter = TelegramAdapter(TOKEN, CommandRegistry(), api_url=api.url)

    async def ignore(_message: object) -> list[Reply]:
        return []

    try:
        await adapter.start(ignore)
        delivery = Delivery(store, {"telegram": adapter}, owner="bench")  # production's pacing
        reply = Reply((Heading("⏰ Reminder: Fast Packets"), paragraph("Tomorrow, 19:00, at SQLink, Ramat Gan.")))
        targets = chats(total, groups)
        began = time.perf_counter()
        outcome = await asyncio.wait_for(delivery.deliver("reminder:bench", reply, targets), timeout=total / 20 + 30)
        elapsed = time.perf_counter() - began
        stats = await asyncio.to_thread(fetch_json, f"{api.url}/_fake/stats")
        accepted = api.sent()
        stopped, stop_outcome = await shutdown_during_fanout(delivery, adapter, reply, targets)
    finally:
        await adapter.stop()
    per_chat = Counter(str(m["chat_id"]) for m in accepted)
    busiest = busiest_second([float(str(m["at"])) for m in accepted])
    api.stop()
    sent_rows = sum(1 for r in store.ledger_rows("reminder:bench") if r.state == SENT)
    store.close()

    rate = outcome.sent / elapsed
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    print(f"fan-out of one reminder to {total} chats ({total - groups} private, {groups} groups)")
    print(
        f"  sent:        {outcome.sent} (ledger: {sent_rows} sent; failed {outcome.failed}, "
        f"uncertain {outcome.uncertain})"
    )
    print(f"  time:        {elapsed:.1f} s")
    print(f"  achieved:    {rate:.1f} msg/s")
    print(f"  ratio:       {rate / TELEGRAM_LIMIT:.3f} of Telegram's {TELEGRAM_LIMIT:.0f} msg/s (target >= 0.95)")
    print(f"  429s:        {stats['rejected_429']} (target 0); busiest second at the server: {busiest} sends")
    print(f"  duplicates:  {duplicates} (target 0); chats reached: {len(per_chat)}")
    print(
        f"  shutdown:    {stopped:.2f} s, 3 s into a second fan-out ({stop_outcome.sent} sent, "
        f"{stop_outcome.deferred} deferred, {stop_outcome.uncertain} uncertain) (target <= 2 s)"
    )
    ok = rate / TELEGRAM_LIMIT >= 0.95 and stats["rejected_429"] == 0 and duplicates == 0 and len(per_chat) == total
    ok = ok and stopped <= 2.0
    print("  result:      " + ("OK" if ok else "BELOW TARGET"))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        return asyncio.run(run(args.chats, args.groups, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
