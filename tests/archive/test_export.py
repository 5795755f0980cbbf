"""JSON and iCalendar exports: the JSON shape and its round trip, and .ics files that two
independent parsers read, with the right instants on both sides of a DST change."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
import vobject

from adapters.cli import main
from bot.archive.ics import calendar_ics
from bot.archive.json_export import JsonCalendarError, calendar_from_json, calendar_to_json, dumps
from bot.calendar.loader import load_calendar_data, parse_calendar
from bot.calendar.model import CalendarData
from tests.conftest import COMMUNITY_YAML, SHIPPED_EVENTS

STAMP = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

DST_EVENTS = (
    COMMUNITY_YAML
    + """\
events:
  - id: before-dst
    title: Winter evening
    start: 2027-03-23 19:00
    end: "21:00"
  - id: after-dst
    title: Summer evening
    start: 2027-03-30 19:00
    end: "21:00"
    venue: {name: Hall A, address: 1 Kernel St, host: Acme}
    url: https://example.org/after
    schedule:
      - {time: 19:00-20:00, title: "A talk, with a comma", kind: talk}
      - {time: 20:00-21:00, title: Break, kind: break}
    talks:
      - title: XDP in practice
        speakers: [{name: Dana Levi}]
        video: https://video.example/xdp
        tags: [xdp, bpf]
  - id: late-night
    title: Hackathon
    start: 2027-04-06 22:00
    end: 2027-04-07 01:30
    status: cancelled
    host: Acme
    schedule:
      - {time: 22:00-23:30, title: Hacking}
      - {time: "00:00-00:30", title: Pizza}
      - {time: 00:30-01:30, title: Demos}
"""
)


def dst_data() -> CalendarData:
    return parse_calendar(DST_EVENTS, "dst.yaml")


# ---- JSON ------------------------------------------------------------------------------------


def test_json_has_the_documented_shape() -> None:
    doc = calendar_to_json(load_calendar_data(SHIPPED_EVENTS))
    assert set(doc) == {"community", "events"}
    assert doc["community"]["timezone"] == "Asia/Jerusalem"
    event = doc["events"][0]
    assert set(event) == {"id", "title", "start", "end", "status", "url", "language", "filmed", "venue",
                          "schedule", "talks"}  # fmt: skip
    assert event["start"] == "2016-01-12T19:00+02:00" and event["end"] == "2016-01-12T21:25+02:00"
    assert event["venue"] == {"name": "SQLink", "address": "SQLink offices, Ramat Gan", "host": "SQLink"}
    assert event["schedule"][0] == {"start": "19:00", "end": "19:15", "title": "Mingling time", "kind": "mingling"}
    assert set(event["talks"][0]) == {"title", "speakers", "language", "video", "slides", "tags"}
    assert event["talks"][0]["speakers"] == ["Mark Veltzer"]
    for e in doc["events"]:
        assert all(re.fullmatch(r"\d\d:\d\d", s[k]) for s in e["schedule"] for k in ("start", "end"))
        assert datetime.fromisoformat(e["start"]).utcoffset() is not None


@pytest.mark.parametrize("data", [load_calendar_data(SHIPPED_EVENTS), dst_data()], ids=["shipped", "dst"])
def test_json_round_trips(data: CalendarData) -> None:
    first = dumps(data)
    reloaded = calendar_from_json(json.loads(first))
    assert dumps(reloaded) == first
    assert [e.start for e in reloaded.events] == [e.start for e in data.events]


def test_json_after_midnight_slots_and_instants_survive_the_round_trip() -> None:
    reloaded = calendar_from_json(json.loads(dumps(dst_data())))
    late = next(e for e in reloaded.events if e.id == "late-night")
    assert late.schedule[-1].start == datetime(2027, 4, 6, 21, 30, tzinfo=UTC)  # 00:30 IDT on the 7th
    assert late.end == datetime(2027, 4, 6, 22, 30, tzinfo=UTC)


def test_bad_json_gets_an_error_naming_the_field() -> None:
    doc = json.loads(dumps(dst_data()))
    doc["events"][1]["schedule"][0]["start"] = "7pm"
    with pytest.raises(JsonCalendarError, match=r"events\[1\]\.schedule\[0\]\.start: expected HH:MM, got '7pm'"):
        calendar_from_json(doc)
    doc = json.loads(dumps(dst_data()))
    doc["events"][0]["start"] = "2027-03-23T19:00"
    with pytest.raises(JsonCalendarError, match="has no UTC offset"):
        calendar_from_json(doc)


# ---- iCalendar -------------------------------------------------------------------------------


def test_ics_parses_with_icalendar_with_vtimezone_uids_and_fields() -> None:
    cal = icalendar.Calendar.from_ical(calendar_ics(dst_data(), stamp=STAMP))
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Asia/Jerusalem"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"before-dst@tkm", "after-dst@tkm", "late-night@tkm"}
    after = events["after-dst@tkm"]
    assert after["DTSTART"].params["TZID"] == "Asia/Jerusalem"
    assert str(after["LOCATION"]) == "Hall A, 1 Kernel St"
    assert str(after["URL"]) == "https://example.org/after"
    assert str(after["STATUS"]) == "CONFIRMED"
    description = str(after["DESCRIPTION"])
    assert "19:00-20:00 A talk, with a comma" in description and "XDP in practice — Dana Levi" in description
    assert "video: https://video.example/xdp" in description
    assert str(events["late-night@tkm"]["STATUS"]) == "CANCELLED"
    assert cal.get_missing_tzids() == set()


def test_dst_change_gives_the_right_utc_instants_in_both_parsers() -> None:
    body = calendar_ics(dst_data(), stamp=STAMP)
    vevents = icalendar.Calendar.from_ical(body).walk("VEVENT")
    starts = {str(e["UID"]): e.decoded("DTSTART").astimezone(UTC) for e in vevents}
    assert starts["before-dst@tkm"] == datetime(2027, 3, 23, 17, 0, tzinfo=UTC)  # 19:00 IST, +02:00
    assert starts["after-dst@tkm"] == datetime(2027, 3, 30, 16, 0, tzinfo=UTC)  # 19:00 IDT, +03:00
    parsed = vobject.readOne(body.decode("utf-8"))
    by_uid = {v.uid.value: v for v in parsed.vevent_list}
    assert by_uid["after-dst@tkm"].dtstart.value.astimezone(UTC) == datetime(2027, 3, 30, 16, 0, tzinfo=UTC)
    assert by_uid["before-dst@tkm"].dtstart.value.astimezone(UTC) == datetime(2027, 3, 23, 17, 0, tzinfo=UTC)
    assert by_uid["late-night@tkm"].status.value == "CANCELLED"
    assert parsed.vtimezone.tzid.value == "Asia/Jerusalem"


def test_shipped_calendar_instants_in_vobject() -> None:
    parsed = vobject.readOne(calendar_ics(load_calendar_data(SHIPPED_EVENTS), stamp=STAMP).decode())
    starts = {v.uid.value: v.dtstart.value.astimezone(UTC) for v in parsed.vevent_list}
    assert starts["2016-01-12-locking-mechanisms@kerneltlv"] == datetime(2016, 1, 12, 17, 0, tzinfo=UTC)
    assert starts["2016-09-04-delving-deep@kerneltlv"] == datetime(2016, 9, 4, 16, 0, tzinfo=UTC)


def test_same_file_same_bytes() -> None:
    assert calendar_ics(dst_data(), stamp=STAMP) == calendar_ics(dst_data(), stamp=STAMP)


# ---- the command line -----------------------------------------------------------------------


def test_cli_exports_json_and_ics_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "json", "--file", str(SHIPPED_EVENTS)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in doc["events"]][-1] == "2027-01-19-fast-packets"
    assert main(["export", "--format", "ics", "--file", str(SHIPPED_EVENTS)]) == 0
    cal = icalendar.Calendar.from_ical(capsys.readouterr().out)
    assert len(cal.walk("VEVENT")) == 4


def test_cli_export_of_a_broken_file_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "events.yaml"
    broken.write_text(COMMUNITY_YAML + "events:\n  - id: x\n    title: X\n    start: someday\n")
    assert main(["export", "--format", "json", "--file", str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and f"{broken}:" in captured.err and "events[0].start" in captured.err
