"""`capacity:` on a meetup in events.yaml: checked like the venue's, and the venue's is the default."""

from __future__ import annotations

import pytest

from bot.calendar.loader import CalendarError, parse_calendar
from tests.rsvp.conftest import CALENDAR, calendar


def test_meetup_capacity_then_venue_capacity_then_none() -> None:
    cal = calendar()
    assert [cal.get(i).seats for i in ("tiny", "roomy", "open")] == [2, 3, None]  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", ["0", "-3", "lots", "2.5", "true"])
def test_a_bad_capacity_is_reported_with_its_line(bad: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_calendar(CALENDAR.replace("capacity: 2}", f"capacity: {bad}}}"), "rsvp.yaml")
    [error] = caught.value.errors
    assert "rsvp.yaml:9: events[0].capacity: expected a positive whole number" in str(error)
