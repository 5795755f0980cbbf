"""Fixtures shared by every test package."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.platforms import service_accounts
from bot.assembly import Core, assemble
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.source import CalendarSource
from bot.clock import Clock
from bot.config import Settings
from tests.events_guard import sitecustomize as events_guard

ROOT = Path(__file__).resolve().parent.parent
# The community's real calendar, which a user (or the bot, after an /accept in the checkout) may
# be editing: no test reads or writes it; tests/events_guard fails a test that opens it.
WORKING_TREE_EVENTS = ROOT / "events.yaml"
# The shipped calendar as the tests know it: a frozen copy (tests/data/events.yaml, byte for byte
# the events.yaml of commit b97ac33), copied once more into this session's own folder, so a test
# that writes it by mistake spoils neither. `run` and `check` in subprocesses get it as EVENTS_FILE.
_SESSION = Path(tempfile.mkdtemp(prefix="meetup-bot-tests-"))
atexit.register(shutil.rmtree, _SESSION, ignore_errors=True)
SHIPPED_EVENTS = _SESSION / "events.yaml"
shutil.copyfile(Path(__file__).resolve().parent / "data" / "events.yaml", SHIPPED_EVENTS)
_OPENED_LOG = _SESSION / "opened-the-working-tree-events.log"

COMMUNITY_YAML = """\
community:
  name: Test Kernel Meetup
  short_name: TKM
  timezone: Asia/Jerusalem
  language: Hebrew
  call_for_speakers:
    topics: [eBPF, XDP]
    how_to_submit: Message the organisers.
"""


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read or write the user's calendar cache (subprocesses inherit this too);
    # tests/core/test_calendar_cache.py points it at a temporary directory.
    os.environ["MEETUP_BOT_CACHE"] = "off"
    # Nor the working tree's events.yaml: a process started without --events reads the copy, and
    # every Python process started (sitecustomize on PYTHONPATH), and this one, logs an open of it.
    config.stash[_TREE_HASH] = _digest(WORKING_TREE_EVENTS)  # read before the guard is on
    os.environ["EVENTS_FILE"] = str(SHIPPED_EVENTS)
    guard = str(Path(__file__).resolve().parent / "events_guard")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (guard, os.environ.get("PYTHONPATH")) if p)
    os.environ.update({events_guard.WATCH: str(WORKING_TREE_EVENTS), events_guard.LOG: str(_OPENED_LOG)})
    events_guard.install(str(WORKING_TREE_EVENTS), str(_OPENED_LOG))


_TREE_HASH = pytest.StashKey[str]()


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def _opened() -> list[str]:
    try:
        return _OPENED_LOG.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


@pytest.fixture(autouse=True)
def _working_tree_events_untouched(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the test that opened the working tree's events.yaml (itself, or a process it started)."""
    before = len(_opened())
    yield
    opened = _opened()[before:]
    if opened:
        pytest.fail(
            f"{request.node.nodeid} opened the working tree's {WORKING_TREE_EVENTS} (use SHIPPED_EVENTS, or a "
            "copy of it in tmp_path; give a subprocess EVENTS_FILE or --events): " + "; ".join(opened),
            pytrace=False,
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Whatever wrote it (a process that is not Python, say), the file must end as it began."""
    if session.config.stash.get(_TREE_HASH, None) not in (None, _digest(WORKING_TREE_EVENTS)):
        print(f"\nERROR: the tests changed {WORKING_TREE_EVENTS}: restore it (git diff events.yaml)", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def calendar_from_yaml(body: str, *, community: str = COMMUNITY_YAML) -> Calendar:
    """A Calendar from a community block plus the given YAML (dedented)."""
    return Calendar(parse_calendar(community + textwrap.dedent(body), "test.yaml"))


def assemble_core(source: CalendarSource, clock: Clock, **settings: Any) -> Core:
    """The core exactly as `meetup-bot run` assembles it (every command), with its store opened
    as the app opens it before any adapter starts: a SQLite file in a fresh temporary folder
    unless `database_url` is given."""
    settings.setdefault("service_accounts", service_accounts())  # as the app adds the adapters' own
    if "database_url" not in settings:
        folder = tempfile.mkdtemp(prefix="meetup-bot-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the test session's end
        settings["database_url"] = f"sqlite:///{Path(folder) / 'bot.sqlite3'}"
    core = assemble(Settings(scheduler_enabled=False, **settings), source, clock)
    core.announcements.store.create()
    return core


@pytest.fixture
def shipped_events() -> Path:
    return SHIPPED_EVENTS
