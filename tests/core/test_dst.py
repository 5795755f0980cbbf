"""Meetups on each side of Israel's DST changes show the right local and UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.chat import views
from tests.conftest import calendar_from_yaml

CAL = calendar_from_yaml(
    """\
    events:
      - id: before-spring
        title: Before the clocks go forward
        start: 2027-03-23 19:00
        end: "21:00"
        schedule:
          - {time: 19:00-20:00, title: Talk}
      - id: after-spring
        title: After the clocks go forward
        start: 2027-03-30 19:00
        end: "21:00"
        schedule:
          - {time: 19:00-20:00, title: Talk}
      - id: before-autumn
        title: Before the clocks go back
        start: 2027-10-26 19:00
      - id: after-autumn
        title: After the clocks go back
        start: 2027-11-02 19:00
      - id: explicit-offset
        title: Written with an offset
        start: 2027-03-30T18:00+02:00
    """
)


@pytest.mark.parametrize(
    ("event_id", "utc_start", "zone"),
    [
        ("before-spring", "2027-03-23 17:00", "IST"),
        ("after-spring", "2027-03-30 16:00", "IDT"),
        ("before-autumn", "2027-10-26 16:00", "IDT"),
        ("after-autumn", "2027-11-02 17:00", "IST"),
    ],
)
def test_local_evening_maps_to_the_right_utc_instant(event_id: str, utc_start: str, zone: str) -> None:
    event = CAL.get(event_id)
    assert event is not None
    assert event.start.astimezone(UTC) == datetime.fromisoformat(utc_start).replace(tzinfo=UTC)
    tz = CAL.community.timezone
    assert event.start.astimezone(tz).strftime("%H:%M") == "19:00"
    assert "19:00–" in views.when_line(event, tz) and views.when_line(event, tz).endswith(zone)


def test_schedule_slots_follow_the_local_clock_across_the_change() -> None:
    before, after = CAL.get("before-spring"), CAL.get("after-spring")
    assert before is not None and after is not None
    assert before.schedule[0].start.astimezone(UTC).hour == 17
    assert after.schedule[0].start.astimezone(UTC).hour == 16


def test_an_explicit_offset_is_kept_and_shown_in_local_time() -> None:
    event = CAL.get("explicit-offset")
    assert event is not None
    assert event.start.astimezone(UTC) == datetime(2027, 3, 30, 16, 0, tzinfo=UTC)
    assert views.when_line(event, CAL.community.timezone).startswith("Tuesday, 30 March 2027, 19:00–")


def test_card_in_the_other_timezone_data() -> None:
    cal = calendar_from_yaml(
        "events:\n  - {id: ny, title: NYC, start: 2027-03-16 19:00}\n",
        community="community:\n  name: NYC Kernel\n  timezone: America/New_York\n",
    )
    event = cal.get("ny")
    assert event is not None
    assert event.start.astimezone(UTC).hour == 23  # EDT (UTC-4) began on 14 March
    assert views.when_line(event, cal.community.timezone).endswith("EDT")
