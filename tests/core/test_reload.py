"""A running bot picks up a good edit of events.yaml and survives a bad one."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.calendar.source import CalendarSource
from tests.conftest import SHIPPED_EVENTS

RENAMED = "Fast Packets - XDP, eBPF and Kernel Bypass"


def adoption(source: CalendarSource) -> Awaitable[bool]:
    """Resolves when the source adopts a new calendar (its change listeners run on the loop)."""
    event = asyncio.Event()
    source.on_change(lambda old, new: event.set())
    return asyncio.wait_for(event.wait(), 30)  # a guard against a hang, not a timing check


async def until(predicate: Callable[[], bool]) -> None:
    """Until `predicate` holds. For state a worker thread publishes, which no event announces;
    the 30 s is a guard against a hang, not a timing check."""
    async with asyncio.timeout(30):
        while not predicate():
            await asyncio.sleep(0.01)


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    shutil.copy(SHIPPED_EVENTS, path)
    return path


async def test_a_good_edit_goes_live_while_running(events_file: Path) -> None:
    source = CalendarSource.from_file(events_file)
    changes: list[str] = []
    source.on_change(lambda old, new: changes.append(new.events[-1].title))
    watcher = asyncio.create_task(source.watch(interval=0.2))
    try:
        live = adoption(source)
        events_file.write_text(events_file.read_text().replace(RENAMED, "Renamed meetup"))
        await live
        assert source.current.get("2027-01-19-fast-packets").title == "Renamed meetup"
        assert changes == ["Renamed meetup"]
    finally:
        watcher.cancel()


async def test_bad_edit_keeps_the_last_good_calendar_and_logs_every_error(
    events_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = CalendarSource.from_file(events_file)
    good = source.current
    watcher = asyncio.create_task(source.watch(interval=0.1))
    try:
        with caplog.at_level(logging.ERROR, logger="bot.calendar.source"):
            text = events_file.read_text().replace(
                "  - id: 2027-01-19-fast-packets\n", "  - id: 2027-01-19-fast-packets\n    strat: x\n"
            )
            events_file.write_text(text.replace("timezone: Asia/Jerusalem", "timezone: Nowhere/Land"))
            await until(lambda: source.last_errors != ())
        assert source.current is good
        assert any("still serving the last good calendar" in r.getMessage() for r in caplog.records)
        assert len(source.last_errors) == 2
        assert any("community.timezone: unknown timezone 'Nowhere/Land'" in e for e in source.last_errors)
        assert any(".strat: unknown key 'strat'" in e for e in source.last_errors)
        # Fixing the file brings the new calendar in.
        live = adoption(source)
        events_file.write_text(
            events_file.read_text().replace("    strat: x\n", "").replace("Nowhere/Land", "Asia/Jerusalem")
        )
        await live
        assert source.current is not good and source.last_errors == ()
    finally:
        watcher.cancel()


async def test_a_deleted_file_keeps_serving(events_file: Path) -> None:
    source = CalendarSource.from_file(events_file)
    good = source.current
    events_file.unlink()
    assert source.poll() is False
    assert source.current is good
