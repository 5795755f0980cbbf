"""Which reminders and calls are due when: rules, DST, cancelled and moved meetups, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.announce import rules as ann
from bot.announce.rules import AnnouncedEvent, Kind
from tests.conftest import calendar_from_yaml

IL_EVENTS = """\
events:
  - id: before-dst
    title: Before the change
    start: 2027-03-26 19:00
  - id: after-dst
    title: After the change
    start: 2027-03-27 19:00
    reminders: [{day_before: "10:00"}, {before: 24h}]
  - id: autumn-before
    title: Last summer-time day
    start: 2027-10-31 19:00
  - id: autumn-after
    title: First winter-time day
    start: 2027-11-01 19:00
"""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due_map(calendar, start: datetime, end: datetime) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    return {a.key: a.due for a in ann.due_between(calendar, start, end) if a.kind is Kind.REMINDER}


def test_day_before_reminders_stay_at_ten_local_across_israels_spring_change() -> None:
    cal = calendar_from_yaml(IL_EVENTS)
    due = due_map(cal, utc(2027, 3, 20), utc(2027, 3, 28))
    # 25 March is still winter time (+02:00): 10:00 local is 08:00 UTC.
    assert due["reminder:before-dst:r1:2027-03-26T16:00Z"] == utc(2027, 3, 25, 8)
    # 26 March 02:00 the clocks went forward (+03:00): 10:00 local is 07:00 UTC.
    assert due["reminder:after-dst:r1:2027-03-27T16:00Z"] == utc(2027, 3, 26, 7)
    # A fixed duration is not a wall-clock time: 24 h before 19:00 IDT is 18:00 IST the day before.
    before = due["reminder:after-dst:r2:2027-03-27T16:00Z"]
    assert before == utc(2027, 3, 26, 16)
    assert before.astimezone(cal.community.timezone).hour == 19


def test_day_before_reminders_across_the_autumn_change() -> None:
    cal = calendar_from_yaml(IL_EVENTS)
    due = due_map(cal, utc(2027, 10, 25), utc(2027, 11, 2))
    assert due["reminder:autumn-before:r1:2027-10-31T17:00Z"] == utc(2027, 10, 30, 7)
    assert due["reminder:autumn-after:r1:2027-11-01T17:00Z"] == utc(2027, 10, 31, 8)
    for at in due.values():
        assert at.astimezone(cal.community.timezone).hour in (10, 19)


def test_window_is_half_open_and_nothing_is_due_after_the_meetup_began() -> None:
    cal = calendar_from_yaml(IL_EVENTS)
    at = utc(2027, 3, 25, 8)
    assert ann.reminders_between(cal, at - timedelta(seconds=1), at)
    assert not ann.reminders_between(cal, at, at + timedelta(hours=1))
    late = calendar_from_yaml("""\
        events:
          - id: midnight
            title: Night owls
            start: 2027-03-10 00:30
            reminders: [{before: 2h}]
    """)
    # 2 h before 00:30 is still before the start; a rule pointing after the start never fires.
    assert [a.due for a in ann.reminders_between(late, utc(2027, 3, 1), utc(2027, 3, 11))] == [utc(2027, 3, 9, 20, 30)]


def test_cancelled_meetups_get_no_reminders() -> None:
    cal = calendar_from_yaml("""\
        events:
          - id: called-off
            title: Called off
            start: 2027-02-02 19:00
            status: cancelled
          - id: still-on
            title: Still on
            start: 2027-02-03 19:00
    """)
    keys = ann.keys(ann.reminders_between(cal, utc(2027, 1, 30), utc(2027, 2, 4)))
    assert keys == ["reminder:still-on:r1:2027-02-03T17:00Z"]


def test_a_moved_meetup_takes_its_reminders_with_it() -> None:
    before = calendar_from_yaml("""\
        events:
          - {id: m, title: Moving, start: 2027-02-02 19:00}
    """)
    after = calendar_from_yaml("""\
        events:
          - {id: m, title: Moving, start: 2027-02-09 19:00}
    """)
    window = (utc(2027, 1, 25), utc(2027, 2, 10))
    old = ann.reminders_between(before, *window)
    new = ann.reminders_between(after, *window)
    assert [a.due for a in old] == [utc(2027, 2, 1, 8)]
    assert [a.due for a in new] == [utc(2027, 2, 8, 8)]
    assert old[0].key != new[0].key  # a new key: the moved meetup is reminded again


def test_change_notice_for_a_confirmed_meetup_that_moved_after_it_was_announced() -> None:
    cal = calendar_from_yaml("""\
        venues:
          v2: {name: New Place}
        events:
          - {id: m, title: Moving, start: 2027-02-09 19:00, venue: v2}
          - {id: same, title: Unchanged, start: 2027-02-10 19:00}
    """)
    told = {
        "m": AnnouncedEvent("m", utc(2027, 2, 2, 17), None, False),
        "same": AnnouncedEvent("same", utc(2027, 2, 10, 17), None, False),
    }
    now = utc(2027, 1, 30, 12)
    notices = ann.change_notices(cal, told, now)
    assert [n.key for n in notices] == ["notice:m:2027-02-02T17:00Z@-->2027-02-09T17:00Z@v2"]
    text = ann.render(notices[0], cal, now).plain_text()
    assert "date and time and venue changed" in text and "New Place" in text and "9 February 2027" in text
    # Once the new state is recorded, nothing more.
    assert ann.change_notices(cal, {**told, "m": ann.snapshot(cal.get("m"))}, now) == []  # type: ignore[arg-type]
    # Nor for a meetup long past.
    assert ann.change_notices(cal, told, utc(2027, 3, 1)) == []


def test_cancellation_after_announcement_gets_a_notice() -> None:
    cal = calendar_from_yaml("""\
        events:
          - {id: m, title: Off, start: 2027-02-02 19:00, status: cancelled}
    """)
    told = {"m": AnnouncedEvent("m", utc(2027, 2, 2, 17), None, False)}
    [notice] = ann.change_notices(cal, told, utc(2027, 2, 1, 12))
    assert notice.key == "notice:m:2027-02-02T17:00Z@-->cancelled"
    assert "will not take place" in ann.render(notice, cal, utc(2027, 2, 1, 12)).plain_text()


NEEDY = """\
    events:
      - id: needy
        title: Needs speakers
        start: 2027-02-23 19:00
        needs: [speakers]
"""


def test_weekly_call_on_sunday_at_ten_local_while_the_next_meetup_needs_speakers() -> None:
    cal = calendar_from_yaml(NEEDY)
    calls = ann.calls_between(cal, utc(2027, 1, 1), utc(2027, 3, 1))
    # The horizon is 6 weeks: the first call is the Sunday at most 6 weeks before 23 Feb.
    assert [(c.key, c.due) for c in calls] == [
        ("call:2027-W02", utc(2027, 1, 17, 8)),
        ("call:2027-W03", utc(2027, 1, 24, 8)),
        ("call:2027-W04", utc(2027, 1, 31, 8)),
        ("call:2027-W05", utc(2027, 2, 7, 8)),
        ("call:2027-W06", utc(2027, 2, 14, 8)),
        ("call:2027-W07", utc(2027, 2, 21, 8)),
    ]
    text = ann.render(calls[0], cal, calls[0].due).plain_text()
    assert "Call for speakers" in text and "eBPF" in text and "still needs speakers" in text


def test_no_call_when_nothing_is_needed_or_calls_are_off() -> None:
    full = calendar_from_yaml("""\
        events:
          - {id: full, title: All set, start: 2027-02-23 19:00}
    """)
    assert ann.calls_between(full, utc(2027, 1, 1), utc(2027, 3, 1)) == []
    off = calendar_from_yaml(NEEDY, community=COMMUNITY_WITH_CALLS.format(extra="enabled: false"))
    assert ann.calls_between(off, utc(2027, 1, 1), utc(2027, 3, 1)) == []


COMMUNITY_WITH_CALLS = """\
community:
  name: Test Kernel Meetup
  timezone: Asia/Jerusalem
  calls:
    weekday: friday
    at: "23:30"
    {extra}
"""


def test_calls_never_go_out_in_quiet_hours() -> None:
    cal = calendar_from_yaml(NEEDY, community=COMMUNITY_WITH_CALLS.format(extra="quiet_hours: 22:00-08:00"))
    calls = ann.calls_between(cal, utc(2027, 2, 1), utc(2027, 2, 20))
    tz = cal.community.timezone
    assert calls, "a call is due"
    for call in calls:
        local = call.due.astimezone(tz)
        assert local.hour == 8 and local.minute == 0 and local.weekday() == 5  # Saturday 08:00
        assert not ann.in_quiet_hours(local.time(), cal.community.calls)
    early = calendar_from_yaml(NEEDY, community=COMMUNITY_WITH_CALLS.format(extra="quiet_hours: 22:00-23:45"))
    assert {
        c.due.astimezone(tz).strftime("%a %H:%M") for c in ann.calls_between(early, utc(2027, 2, 1), utc(2027, 2, 20))
    } == {"Fri 23:45"}


def test_call_time_is_local_across_dst() -> None:
    cal = calendar_from_yaml("""\
        events:
          - {id: spring, title: Spring, start: 2027-04-13 19:00, needs: [venue]}
    """)
    calls = ann.calls_between(cal, utc(2027, 3, 15), utc(2027, 4, 1))
    assert [c.due for c in calls] == [utc(2027, 3, 21, 8), utc(2027, 3, 28, 7)]
