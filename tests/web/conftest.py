"""Fixtures for the website tests: the shipped and a generated large calendar, their static
builds, a loopback file server, and Debian's chromium driven by Playwright (skipped, with how to
install it, when either is missing)."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adapters.web.site.build import build_site
from adapters.web.site.render import SiteOptions
from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data, parse_calendar
from bot.calendar.model import Event
from tests.conftest import SHIPPED_EVENTS
from tests.fakes import PATIENCE

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
OPTIONS = SiteOptions(base_url="https://kerneltlv.example.org", bot_username="KernelTLVBot")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
INSTALL_HINT = (
    "needs Debian's chromium and Python Playwright: `apt-get install chromium` and "
    "`.venv/bin/pip install -e '.[dev]'` (no `playwright install`: the tests use /usr/bin/chromium)"
)
# Tags that exercise the topic aliases: "xdp" and "berkeley packet filter" mean bpf.
TAGS = ["ebpf", "xdp", "scheduling", "dpdk", "kernel bypass", "storage", "memory", "tun", "rust",
        "berkeley packet filter"]  # fmt: skip
TRICKY = 'Why <script>alert(1)</script> & "quotes" don\'t break pages'


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    """A copy of the shipped calendar that a test may edit (the live site reloads it)."""
    path = tmp_path / "events.yaml"
    shutil.copy(SHIPPED_EVENTS, path)
    return path


def large_yaml(n: int = 300) -> str:
    """n weekly meetups around NOW, two talks each, 40 speakers (two written inline), 4 venues,
    recordings on past talks, every 25th meetup cancelled, and one title full of markup."""
    lines = [
        "community:",
        "  name: Large Generated Meetup",
        "  short_name: LGM",
        "  timezone: Asia/Jerusalem",
        "  language: English",
        "  links: {meetup: 'https://www.meetup.com/lgm/'}",
        "  call_for_speakers:",
        "    topics: [XDP and fast packets, eBPF everywhere, Zero-copy I/O, Filesystems nobody uses]",
        "  topic_aliases:",
        "    bpf: [ebpf, xdp, berkeley packet filter]",
        "    dpdk: [kernel bypass]",
        "speakers:",
        *(f"  s{i}:\n    name: Speaker Number {i}\n    affiliation: Company {i % 7}\n    bio: Bio of speaker {i}."
          for i in range(40)),
        "venues:",
        *(f"  v{i}:\n    name: Venue {i}\n    address: {i + 1} Rothschild Blvd, Tel Aviv\n    host: Host {i}"
          for i in range(4)),
        "events:",
    ]  # fmt: skip
    first = date(2026, 11, 24) - timedelta(weeks=n // 2)
    for i in range(n):
        day = first + timedelta(weeks=i)
        a, b = TAGS[i % len(TAGS)], TAGS[(i * 3 + 1) % len(TAGS)]
        title = TRICKY if i == 7 else f"Meetup {i} on {a} and {b}"
        past = day < NOW.date()
        extra = f"\n        video: https://video.example.org/v{i}\n        slides: https://slides.example.org/{i}.pdf"
        inline = "[{name: Guest Speaker " + str(i % 3) + ", affiliation: Visiting}]"
        second = inline if i % 10 == 0 else f"[s{(i + 7) % 40}]"
        lines.append(
            f"""  - id: meetup-{i:04d}
    title: '{title.replace("'", "''")}'
    start: {day} 19:00
    end: "21:00"
    status: {"cancelled" if i % 25 == 24 else "confirmed"}
    venue: v{i % 4}
    url: https://www.meetup.com/lgm/events/{100000 + i}/
    language: Hebrew
    filmed: true
    schedule:
      - {{time: 19:00-19:15, title: Mingling, kind: mingling}}
      - {{time: 19:15-20:00, title: First talk, kind: talk}}
      - {{time: 20:15-21:00, title: Second talk, kind: talk}}
    talks:
      - title: First talk of meetup {i}
        speakers: [s{i % 40}]
        abstract: Everything about {a} in the Linux kernel, part {i}.
        tags: ['{a}']{extra if past else ""}
      - title: Second talk of meetup {i}
        speakers: {second}
        tags: ['{b}']"""
        )
    return "\n".join(lines) + "\n"


def renamed(text: str, event: Event, title: str) -> str:
    """events.yaml text with the meetup's title changed (a good edit)."""
    old = f"title: {event.title}\n"
    assert text.count(old) == 1, old
    return text.replace(old, f"title: {title}\n")


def broken(text: str, event: Event) -> str:
    """events.yaml text with a misspelt key in the meetup (an edit the loader rejects)."""
    old = f"- id: {event.id}\n"
    assert text.count(old) == 1, old
    return text.replace(old, old + "    strat: oops\n")


@pytest.fixture(scope="session")
def shipped_calendar() -> Calendar:
    return Calendar(load_calendar_data(SHIPPED_EVENTS))


@pytest.fixture(scope="session")
def large_calendar() -> Calendar:
    return Calendar(parse_calendar(large_yaml(), "large.yaml"))


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory, shipped_calendar: Calendar) -> Path:
    out = tmp_path_factory.mktemp("shipped-site")
    build_site(shipped_calendar, out, now=NOW, options=OPTIONS)
    return out


@pytest.fixture(scope="session")
def large_site(tmp_path_factory: pytest.TempPathFactory, large_calendar: Calendar) -> Path:
    out = tmp_path_factory.mktemp("large-site")
    build_site(large_calendar, out, now=NOW, options=SiteOptions())
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def serve_dir() -> Iterator[Any]:
    """serve_dir(path) -> base URL of a loopback HTTP server for a built site (as a static host)."""
    servers: list[ThreadingHTTPServer] = []

    def start(root: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# Module scope: Playwright's sync API runs an event loop of its own while open, and the async
# tests of other modules need the thread free of it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"chromium not found: {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"playwright not installed: {INSTALL_HINT}")
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=PATIENCE * 1000)
        try:
            yield chromium
        finally:
            chromium.close()
