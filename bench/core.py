"""Core speed: /next and /talks on synthetic calendars of 100 and 10,000 meetups, and load time.

Prints median microseconds per command through the whole core (parse, query, card), the
10k/100 ratio in the same run, how long the 10k-meetup file takes to load and validate the
first time (beside PyYAML's bare parse as the baseline), and to load again unchanged (a restart,
served by the calendar cache). Targets: /next <= 50 us median at 10k, ratio <= 2; load <= 1 s.

    .venv/bin/python bench/core.py [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from bot.assembly import Core, assemble
from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data
from bot.calendar.source import CalendarSource
from bot.chat.core import Bot
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.config import Settings

TOPICS = ("scheduling", "ebpf", "storage", "drivers", "memory", "networking", "security", "tracing")


def bench_core(source: CalendarSource) -> Core:
    """The core as `meetup-bot run` assembles it; its store is never opened here."""
    return assemble(Settings(database_url="sqlite://", scheduler_enabled=False), source)


def synthetic_yaml(n: int) -> str:
    """n weekly meetups spread around 'now', two talks each, 50 speakers, 5 venues."""
    lines = [
        "community:",
        "  name: Bench Meetup",
        "  timezone: Asia/Jerusalem",
        "speakers:",
        *(f"  s{i}:\n    name: Speaker Number {i}\n    affiliation: Company {i % 7}" for i in range(50)),
        "venues:",
        *(f"  v{i}:\n    name: Venue {i}\n    address: {i} Rothschild Blvd, Tel Aviv" for i in range(5)),
        "events:",
    ]
    first = date(2026, 11, 24) - timedelta(weeks=n // 2)
    for i in range(n):
        day = first + timedelta(weeks=i)
        a, b = TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)]
        lines.append(
            f"""  - id: meetup-{i}
    title: Meetup {i} on {a} and {b}
    start: {day} 19:00
    end: "21:15"
    venue: v{i % 5}
    url: https://www.meetup.com/bench/events/{100000 + i}/
    language: Hebrew
    filmed: true
    schedule:
      - {{time: 19:00-19:15, title: Mingling, kind: mingling}}
      - {{time: 19:15-20:00, title: A talk on {a}, kind: talk}}
      - {{time: 20:00-20:15, title: Break, kind: break}}
      - {{time: 20:15-21:00, title: A talk on {b}, kind: talk}}
      - {{time: 21:00-21:15, title: Q&A, kind: q&a}}
    talks:
      - title: A talk on {a} number {i}
        speakers: [s{i % 50}]
        abstract: Everything about {a} in the Linux kernel, part {i}.
        tags: [{a}]
      - title: A talk on {b} number {i}
        speakers: [s{(i + 7) % 50}]
        tags: [{b}]"""
        )
    return "\n".join(lines) + "\n"


def message(text: str) -> IncomingMessage:
    return IncomingMessage(
        chat=ChatRef("bench", "1", is_private=True),
        sender=UserRef("bench", "1"),
        text=text,
        received_at=datetime.now(UTC),
    )


async def median_us(bot: Bot, text: str, repeat: int) -> float:
    msg = message(text)
    for _ in range(20):  # warm up caches and the allocator
        await bot.handle(msg)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        replies = await bot.handle(msg)
        samples.append((time.perf_counter_ns() - start) / 1000)
        assert replies, f"{text} gave no reply"
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000, help="timed calls per command and size")
    args = parser.parse_args()
    print(f"PyYAML C loader: {'yes' if getattr(yaml, '__with_libyaml__', False) else 'NO (pure Python)'}")
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEETUP_BOT_CACHE"] = str(Path(tmp) / "cache")  # the bench's own, thrown away after
        for n in (100, 10_000):
            path = Path(tmp) / f"events-{n}.yaml"
            path.write_text(synthetic_yaml(n))
            start = time.perf_counter()
            data = load_calendar_data(path)  # first sight of the file: parse and validate
            load_s = time.perf_counter() - start
            start = time.perf_counter()
            cached = load_calendar_data(path)  # a restart on the unchanged file: the cache
            cached_s = time.perf_counter() - start
            assert cached == data
            # Baseline in the same run: PyYAML's own parser just walking the file's events,
            # the floor under any loader built on PyYAML.
            start = time.perf_counter()
            for _ in yaml.parse(path.read_text(), Loader=FastLoader):
                pass
            floor_s = time.perf_counter() - start
            calendar = Calendar(data)
            bot = bench_core(CalendarSource(calendar)).bot
            nxt = asyncio.run(median_us(bot, "/next", args.repeat))
            talks = asyncio.run(median_us(bot, "/talks ebpf", max(50, args.repeat // 20)))
            results[n] = {"next": nxt, "talks": talks, "load": load_s, "floor": floor_s, "cached": cached_s}
            size_kib = path.stat().st_size / 1024
            print(
                f"{n:>6} meetups ({size_kib:,.0f} KiB): /next {nxt:8.1f} us   /talks ebpf {talks:9.1f} us"
                f"   load+validate {load_s * 1000:8.1f} ms"
                f" (PyYAML parse alone {floor_s * 1000:.1f} ms, x{load_s / floor_s:.1f})"
                f"   unchanged, from the cache {cached_s * 1000:6.1f} ms"
            )
    small, large = results[100], results[10_000]
    ratio_next = large["next"] / small["next"]
    ratio_talks = large["talks"] / small["talks"]
    print(f"ratio 10k/100: /next {ratio_next:.2f}   /talks {ratio_talks:.1f}")
    verdict = [
        ("/next median at 10k <= 50 us", large["next"] <= 50),
        ("/next ratio 10k/100 <= 2", ratio_next <= 2),
        ("load of 10k meetups <= 1 s, first sight (parse and validate)", large["load"] <= 1.0),
        ("load of 10k meetups <= 1 s, unchanged file (restart, from the cache)", large["cached"] <= 1.0),
    ]
    for label, ok in verdict:
        print(f"  {'PASS' if ok else 'MISS'}  {label}")


if __name__ == "__main__":
    main()
