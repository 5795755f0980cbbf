"""The calendar cache: a hit gives the same calendar, any change misses, nothing unsafe loads."""

from __future__ import annotations

import asyncio
import os
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.calendar import cache as calendar_cache
from bot.calendar.loader import CalendarError, load_calendar_data
from bot.calendar.source import CalendarSource
from tests.conftest import SHIPPED_EVENTS


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MEETUP_BOT_CACHE", str(directory))
    return directory


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    shutil.copy(SHIPPED_EVENTS, path)
    return path


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle"))


def test_a_second_load_of_an_unchanged_file_comes_from_the_cache(cache: Path, events: Path) -> None:
    first = load_calendar_data(events)
    (entry,) = entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700
    assert load_calendar_data(events) == first
    # Prove that a load of the unchanged file reads the entry: mark it, and the mark comes back.
    marked = replace(first, source="marked in the cache")
    entry.write_bytes(pickle.dumps(marked))
    assert load_calendar_data(events).source == "marked in the cache"
    assert load_calendar_data(events, cache=False).source == str(events)


def test_an_edit_misses_the_cache(cache: Path, events: Path) -> None:
    load_calendar_data(events)
    events.write_text(events.read_text().replace("Fast Packets", "Faster Packets"))
    assert load_calendar_data(events).events[-1].title.startswith("Faster Packets")
    assert len(entries(cache)) == 2


def test_errors_are_never_cached(cache: Path, events: Path) -> None:
    events.write_text(events.read_text().replace("timezone: Asia/Jerusalem", "timezone: Nowhere/Land"))
    for _ in range(2):
        with pytest.raises(CalendarError):
            load_calendar_data(events)
    assert entries(cache) == []


def test_a_corrupt_entry_is_parsed_around_and_replaced(cache: Path, events: Path) -> None:
    good = load_calendar_data(events)
    (entry,) = entries(cache)
    entry.write_bytes(b"not a pickle")
    assert load_calendar_data(events) == good
    assert calendar_cache.get(cache, entry.stem) == good


def test_a_directory_others_can_write_to_is_not_trusted(cache: Path, events: Path) -> None:
    load_calendar_data(events)
    (entry,) = entries(cache)
    os.chmod(cache, 0o777)
    assert calendar_cache.get(cache, entry.stem) is None


def test_the_cache_can_be_switched_off(tmp_path: Path) -> None:
    assert calendar_cache.cache_dir({"MEETUP_BOT_CACHE": "off"}) is None
    assert calendar_cache.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "meetup-bot"


def test_tests_run_with_the_cache_off() -> None:
    assert calendar_cache.cache_dir() is None


async def test_start_up_writes_the_cache_once_serving_not_before(cache: Path, events: Path) -> None:
    source = CalendarSource.from_file(events)
    assert entries(cache) == []  # not on the way to the first answer
    watcher = asyncio.create_task(source.watch(interval=0.01))
    try:
        while not entries(cache):  # the watcher writes it on its first round
            await asyncio.sleep(0.01)
    finally:
        watcher.cancel()
    [entry] = entries(cache)
    assert calendar_cache.get(cache, entry.stem) == source.current.data
