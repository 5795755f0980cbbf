"""The shipped events.yaml validates and holds the three seed meetups and one upcoming."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data
from bot.calendar.model import EventStatus, Need
from tests.conftest import SHIPPED_EVENTS


def test_shipped_events_validate() -> None:
    data = load_calendar_data(SHIPPED_EVENTS)
    assert data.community.timezone.key == "Asia/Jerusalem"
    assert len(data.events) == 4


def test_seed_meetups_are_transcribed_with_their_real_times() -> None:
    cal = Calendar(load_calendar_data(SHIPPED_EVENTS))
    locking = cal.get("2016-01-12-locking-mechanisms")
    assert locking is not None
    assert locking.start == datetime(2016, 1, 12, 17, 0, tzinfo=UTC)  # 19:00 IST
    assert locking.venue is not None and locking.venue.host == "SQLink"
    assert locking.filmed is True and locking.language == "Hebrew"
    assert [s.name for s in locking.speakers] == ["Mark Veltzer", "Evgeny Budilovsky"]
    delving = cal.get("2016-09-04-delving-deep")
    assert delving is not None
    assert delving.start == datetime(2016, 9, 4, 16, 0, tzinfo=UTC)  # 19:00 IDT
    assert [s.title for s in delving.schedule][-1] == "Q&A"
    assert delving.end == datetime(2016, 9, 4, 18, 15, tzinfo=UTC)


def test_the_upcoming_meetup_needs_speakers_and_a_venue() -> None:
    cal = Calendar(load_calendar_data(SHIPPED_EVENTS))
    upcoming = cal.next(datetime(2026, 11, 21, tzinfo=UTC))
    assert upcoming is not None and upcoming.start.year == 2027
    assert upcoming.needs == {Need.SPEAKERS, Need.VENUE}
    assert upcoming.status is EventStatus.PLANNED and upcoming.venue is None
