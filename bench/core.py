"""Core speed: /next and /talks on synthetic calendars of 100 and 10,000 meetups, and load time.

Prints median microseconds per command through the whole core (parse, query, card), the
10k/100 ratio in the same run, the CPU time to load and validate the 10k-meetup file the first
time with the cache off (beside PyYAML's bare event walk of the same file as the baseline) and
to load it again unchanged (a restart, from the calendar cache), and /talks on 100,000 talks.
/next includes the card's RSVP count, read from the bench's own SQLite store on every call (the
hot read: bot/store/hot_reads.py). Targets: /next <= 100 us median at 10k (count included, issue
24), ratio <= 2; /talks at 100k talks <= 5 ms typical and <= 1 ms with no hits; a restart's load
of 10k meetups <= 1 s. First sight against the event walk is printed, no longer a target (issue
24: `meetup-bot check` on a realistic file costs what PyYAML's own C loader does).

    .venv/bin/python bench/core.py [--repeat N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from bot.assembly import Core, assemble
from bot.calendar.calendar import Calendar
from bot.calendar.gc_pause import paused_gc
from bot.calendar.loader import load_calendar_data
from bot.calendar.model import CalendarData
from bot.calendar.source import CalendarSource
from bot.calendar.yamlnodes import parse_yaml
from bot.chat.core import Bot
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.config import Settings

TOPICS = ("scheduling", "ebpf", "storage", "drivers", "memory", "networking", "security", "tracing")


def bench_core(source: CalendarSource, store: Path) -> Core:
    """The core as `meetup-bot run` assembles it, its store's tables created (cards show RSVPs)."""
    core = assemble(Settings(database_url=f"sqlite:///{store}", scheduler_enabled=False), source)
    core.announcements.store.create()
    return core


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


def timed(action: Callable[[], object], runs: int) -> float:
    """Median CPU seconds of `action` (CPU time: other work on the shared machine hardly moves it)."""
    samples = []
    for _ in range(runs):
        began = time.process_time()
        action()
        samples.append(time.process_time() - began)
    return statistics.median(samples)


def walk_events(path: Path) -> None:
    """The baseline: PyYAML's C parser walking the file's events, building nothing."""
    for _ in yaml.parse(path.read_text(), Loader=FastLoader):
        pass


def read_values(path: Path) -> None:
    """The loader's first half: the file's events read into line-numbered values, not validated."""
    with paused_gc():  # as the loader does
        parse_yaml(path.read_text())


def pyyaml_load(path: Path) -> None:
    """PyYAML's fastest loader (C parser and composer, values constructed in Python), for scale."""
    with paused_gc():
        yaml.load(path.read_text(), Loader=FastLoader)  # a safe loader: CSafeLoader, or SafeLoader


def scaled(data: CalendarData, meetups: int) -> CalendarData:
    """The calendar's meetups repeated, week after week, up to `meetups` (a big archive)."""
    events = list(data.events)
    weeks = timedelta(weeks=len(events))
    out = [
        replace(e, id=f"{e.id}-r{r}", start=e.start + r * weeks, end=e.end + r * weeks)
        for r in range(-(-meetups // len(events)))
        for e in events
    ]
    return replace(data, events=tuple(out[:meetups]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000, help="timed calls per command and size")
    parser.add_argument("--runs", type=int, default=3, help="timed loads per size (median)")
    args = parser.parse_args()
    print(f"PyYAML C loader: {'yes' if getattr(yaml, '__with_libyaml__', False) else 'NO (pure Python)'}")
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEETUP_BOT_CACHE"] = str(Path(tmp) / "cache")  # the bench's own, thrown away after
        for n in (100, 10_000):
            path = Path(tmp) / f"events-{n}.yaml"
            path.write_text(synthetic_yaml(n))
            # First sight of the file, cache off (`meetup-bot check` on a new file), beside the
            # baseline in the same run: the floor under any loader built on PyYAML.
            load_s = timed(functools.partial(load_calendar_data, path, cache=False), args.runs)
            floor_s = timed(functools.partial(walk_events, path), args.runs)
            values_s = timed(functools.partial(read_values, path), args.runs)
            pyyaml_s = timed(functools.partial(pyyaml_load, path), args.runs)
            data = load_calendar_data(path)  # parsed, and the cache written
            cached_s = timed(functools.partial(load_calendar_data, path), args.runs)  # a restart: from the cache
            bot = bench_core(CalendarSource(Calendar(data)), Path(tmp) / f"store-{n}.sqlite3").bot
            nxt = asyncio.run(median_us(bot, "/next", args.repeat))
            talks = asyncio.run(median_us(bot, "/talks ebpf", max(50, args.repeat // 20)))
            results[n] = {
                "next": nxt, "talks": talks, "load": load_s, "floor": floor_s,
                "values": values_s, "pyyaml": pyyaml_s, "cached": cached_s,
            }  # fmt: skip
            size_kib = path.stat().st_size / 1024
            print(
                f"{n:>6} meetups ({size_kib:,.0f} KiB): /next {nxt:8.1f} us   /talks ebpf {talks:9.1f} us"
                f"   first sight {load_s * 1000:8.1f} ms (event walk {floor_s * 1000:.1f} ms,"
                f" ratio {load_s / floor_s:.2f})   from the cache {cached_s * 1000:6.1f} ms"
            )
        big = bench_core(CalendarSource(Calendar(scaled(data, 50_000))), Path(tmp) / "store-big.sqlite3").bot
        queries = ("ebpf", "xdp", "memory", "linux")  # topics, as people ask for them
        per_query = {q: asyncio.run(median_us(big, f"/talks {q}", 50)) for q in queries}
        typical = statistics.median(per_query.values())
        no_hits = asyncio.run(median_us(big, "/talks quantum", 200))
    shown = ", ".join(f"{q} {us / 1000:.2f}" for q, us in per_query.items())
    print(f"100,000 talks: /talks typical {typical / 1000:.2f} ms ({shown}), no hits {no_hits / 1000:.3f} ms")
    small, large = results[100], results[10_000]
    ratio_next = large["next"] / small["next"]
    ratio_load = large["load"] / large["floor"]
    print(f"ratio 10k/100: /next {ratio_next:.2f}   /talks {large['talks'] / small['talks']:.1f}")
    print(f"ratio first sight / event walk at 10k: {ratio_load:.2f}")
    # Where first sight goes: the events read into line-numbered values, then the validation.
    values, checks = large["values"], large["load"] - large["values"]
    print(
        f"  of which: events into values {values / large['floor']:.2f}x the walk,"
        f" validation {checks / large['floor']:.2f}x the walk;"
        f" PyYAML's own C loader, values without lines or checks: {large['pyyaml'] / large['floor']:.2f}x"
    )
    verdict = [
        ("/next median at 10k <= 100 us, the RSVP count included", large["next"] <= 100),
        ("/next ratio 10k/100 <= 2", ratio_next <= 2),
        ("load of 10k meetups <= 1 s, unchanged file (restart, from the cache)", large["cached"] <= 1.0),
        ("/talks at 100k talks <= 5 ms typical", typical <= 5000),
        ("/talks at 100k talks <= 1 ms with no hits", no_hits <= 1000),
    ]
    for label, ok in verdict:
        print(f"  {'PASS' if ok else 'MISS'}  {label}")


if __name__ == "__main__":
    main()
