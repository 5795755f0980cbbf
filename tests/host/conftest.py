"""The host's evening, as `meetup-bot run` assembles it: a calendar with a venue that needs full
names and a meetup tomorrow evening, the console, the core with a recording sender, and a PNG
reader that tells which link a check-in QR code holds."""

from __future__ import annotations

import io
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.config import Settings
from bot.rsvp import qr
from bot.rsvp.checkin import CheckIns
from bot.rsvp.tellgoing import TellGoing
from bot.store.store import Store
from tests.fakes.clock import FixedClock
from tests.rsvp.conftest import Chat, assembled
from tests.rsvp.conftest import stores as stores  # two stores on one database (SQLite, PostgreSQL)

CALENDAR = textwrap.dedent(
    """\
    community:
      name: Test Kernel Meetup
      short_name: TKM
      timezone: Asia/Jerusalem
      organisers: ["telegram:42", "console:local"]
      announce: ["console:local"]
    venues:
      tower: {name: Office Tower, capacity: 40, guest_list: full_names}
      cafe: {name: Open Cafe}
    events:
      - {id: tower-night, title: Tower Night, start: 2027-01-11 19:00, venue: tower}
      - {id: cafe-night, title: Cafe Night, start: 2027-02-16 19:00, venue: cafe}
      - {id: tower-again, title: Tower Again, start: 2027-03-16 19:00, venue: tower}
      - {id: tiny-night, title: Tiny Night, start: 2027-02-20 19:00, capacity: 1}
    """
)
NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)  # the day before Tower Night


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The calendar as a file, and an environment with no platform: `meetup-bot run` is the console."""
    path = tmp_path / "events.yaml"
    path.write_text(CALENDAR, encoding="utf-8")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "DATABASE_URL", "PORT", "ORGANISERS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("EVENTS_FILE", str(path))
    monkeypatch.setenv("SCHEDULER", "off")
    return path


async def run_console(events: Path, lines: str, now: datetime = NOW, files: Path | None = None) -> str:
    """Type `lines` into `meetup-bot run`'s console (piped); everything it printed."""
    out = io.StringIO()
    app = App(
        Settings.from_env(), CalendarSource.from_file(events), FixedClock(now), stdin=io.StringIO(lines), stdout=out
    )
    if files is not None:
        app.build_adapters = lambda: [_console(app, out, files)]  # type: ignore[method-assign]
    assert await app.run() == 0
    return out.getvalue()


def _console(app: App, out: io.StringIO, files: Path) -> object:
    from adapters.console.adapter import ConsoleAdapter

    return ConsoleAdapter(app.stdin, out, on_eof=app._input_ended, files_dir=files)


def qr_text_is(png: bytes, expected: str) -> bool:
    """Whether the PNG's modules are exactly those of a QR code of `expected` (same size, every
    module read at its centre)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = qr.matrix(expected)
    size = len(modules)
    if image.size != ((size + 2 * qr.BORDER) * qr.BOX,) * 2:
        return False
    half = qr.BOX // 2
    read = [
        [image.getpixel(((qr.BORDER + c) * qr.BOX + half, (qr.BORDER + r) * qr.BOX + half)) < 128 for c in range(size)]
        for r in range(size)
    ]
    return read == modules


def open_store(db: Path) -> Store:
    return Store(f"sqlite:///{db}")


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    """The core assembled as `meetup-bot run` does, on the host calendar, sending through a
    RecordingSender (the far side of the Sender protocol)."""
    async with assembled(CalendarSource.from_file(_write(tmp_path)), tmp_path, NOW) as chat:
        yield chat


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(CALENDAR, encoding="utf-8")
    return path


def checkins_of(chat: Chat) -> CheckIns:
    handler = chat.core.registry.get("checkin")
    assert handler is not None
    return handler.handler.__self__  # type: ignore[attr-defined,no-any-return]


def tell_of(chat: Chat) -> TellGoing:
    handler = chat.core.registry.get("tellgoing")
    assert handler is not None
    return handler.handler.__self__  # type: ignore[attr-defined,no-any-return]
