"""Every kind of mistake in events.yaml is reported with file, line and field, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from adapters.cli import main as cli_main
from bot.calendar.loader import CalendarError, load_calendar_data, parse_calendar
from tests.conftest import COMMUNITY_YAML

GOOD_EVENT = """\
speakers:
  ada:
    name: Ada Lovelace
venues:
  hall:
    name: The Hall
    address: 1 Main St
events:
  - id: first
    title: First meetup
    start: 2027-01-12 19:00
    end: "21:00"
    venue: hall
    schedule:
      - {time: 19:00-19:30, title: Mingling}
      - {time: 19:30-20:15, title: A talk}
    talks:
      - title: A talk
        speakers: [ada]
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(CalendarError) as info:
        parse_calendar(textwrap.dedent(text), "cal.yaml")
    return [str(e) for e in info.value.errors]


def only_error(text: str) -> str:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def test_the_good_file_loads() -> None:
    data = parse_calendar(COMMUNITY_YAML + GOOD_EVENT, "cal.yaml")
    assert [e.id for e in data.events] == ["first"]


def test_yaml_syntax_error_has_its_line() -> None:
    text = COMMUNITY_YAML + "events:\n  - id: x\n    title: [unclosed\n"
    error = only_error(text)
    assert error.startswith("cal.yaml:")
    assert "(yaml): syntax error" in error
    line = int(error.split(":")[1])
    assert line >= 10  # after the community block, where the list is left open


def test_unknown_key_suggests_the_right_one() -> None:
    text = COMMUNITY_YAML + GOOD_EVENT.replace('    end: "21:00"\n', '    end: "21:00"\n    strat: oops\n')
    error = only_error(text)
    line = (COMMUNITY_YAML + GOOD_EVENT).count("\n") - GOOD_EVENT.count("\n") + 13
    assert error == f"cal.yaml:{line}: events[0].strat: unknown key 'strat' (did you mean 'start'?)"


def test_missing_required_field() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("    title: First meetup\n", ""))
    assert "events[0].title: required field is missing" in error


def test_missing_community_name_and_timezone() -> None:
    errors = errors_of("community:\n  language: Hebrew\n")
    assert any("community.name: required field is missing" in e for e in errors)
    assert any("community.timezone: required field is missing" in e for e in errors)


def test_bad_date() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("2027-01-12 19:00", "2027-13-12 19:00"))
    assert "events[0].start: expected a local date and time" in error
    assert "'2027-13-12 19:00'" in error


def test_date_without_time_is_rejected() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("2027-01-12 19:00", "2027-01-12"))
    assert "events[0].start" in error and "a start needs a time of day too" in error


def test_bad_time_in_schedule() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("19:30-20:15", "19:30-25:15"))
    assert "events[0].schedule[1].time: expected a range such as 19:00-19:45" in error


def test_end_before_start() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace('end: "21:00"', 'end: "18:00"'))
    assert "events[0].end: the end (18:00) is not after the start" in error


def test_overlapping_slots() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("19:30-20:15", "19:20-20:15"))
    assert "events[0].schedule[1].time: overlaps the previous slot, which ends at 19:30" in error


def test_out_of_order_slots() -> None:
    text = GOOD_EVENT.replace(
        "      - {time: 19:00-19:30, title: Mingling}\n      - {time: 19:30-20:15, title: A talk}\n",
        "      - {time: 19:30-20:15, title: A talk}\n      - {time: 19:00-19:30, title: Mingling}\n",
    )
    error = only_error(COMMUNITY_YAML + text)
    assert "events[0].schedule[1].time: slots are out of order" in error


def test_slot_ending_before_it_starts() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("19:30-20:15", "20:15-19:30"))
    assert "events[0].schedule[1].time: the slot ends (19:30) before it starts (20:15)" in error


def test_schedule_running_past_the_end() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace('end: "21:00"', 'end: "20:00"'))
    assert "events[0].end: the schedule runs until 20:15, after the end (20:00)" in error


def test_unknown_speaker_reference() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("speakers: [ada]", "speakers: [adda]"))
    assert "events[0].talks[0].speakers[0]: unknown speaker 'adda' (did you mean 'ada'?)" in error


def test_unknown_venue_reference() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("venue: hall", "venue: hal"))
    assert "events[0].venue: unknown venue 'hal' (did you mean 'hall'?)" in error


def test_duplicate_event_ids() -> None:
    second = "\n".join(GOOD_EVENT.split("\n")[8:]).replace("2027-01-12", "2027-02-12")
    text = COMMUNITY_YAML + GOOD_EVENT + second
    error = only_error(text)
    assert "events[1].id: duplicate id 'first' (first used on line" in error


def test_duplicate_yaml_key_is_not_silently_overwritten() -> None:
    text = COMMUNITY_YAML + GOOD_EVENT.replace("    name: Ada Lovelace\n", "    name: Ada Lovelace\n    name: Ada L.\n")
    error = only_error(text)
    assert "speakers.ada.name: duplicate key 'name'" in error


def test_unknown_timezone() -> None:
    error = only_error(COMMUNITY_YAML.replace("Asia/Jerusalem", "Asia/Tel_Aviv_Yafo") + GOOD_EVENT)
    assert "cal.yaml:4: community.timezone: unknown timezone 'Asia/Tel_Aviv_Yafo'" in error


def test_time_skipped_by_dst_does_not_exist() -> None:
    # Israel moved its clocks from 02:00 to 03:00 on 2027-03-26.
    text = COMMUNITY_YAML + GOOD_EVENT.replace("2027-01-12 19:00", "2027-03-26 02:30").replace(
        "    schedule:\n      - {time: 19:00-19:30, title: Mingling}\n      - {time: 19:30-20:15, title: A talk}\n", ""
    )
    error = only_error(text.replace('end: "21:00"', 'end: "04:00"'))
    assert "does not exist in Asia/Jerusalem" in error


def test_bad_values_of_each_type() -> None:
    text = GOOD_EVENT.replace("    venue: hall\n", "    venue: hall\n    filmed: maybe\n    status: postponed\n")
    errors = errors_of(COMMUNITY_YAML + text)
    assert any("events[0].filmed: expected true or false, got 'maybe'" in e for e in errors)
    assert any("events[0].status: expected planned, confirmed or cancelled" in e for e in errors)


def test_bad_url_and_needs() -> None:
    text = GOOD_EVENT.replace("    venue: hall\n", "    venue: hall\n    url: meetup.com/x\n    needs: [pizza]\n")
    errors = errors_of(COMMUNITY_YAML + text)
    assert any("events[0].url: expected an http(s) URL" in e for e in errors)
    assert any("events[0].needs[0]: expected speakers or venue, got 'pizza'" in e for e in errors)


def test_bad_announce_target_and_reminder() -> None:
    announce = "  announce: [telegram:-100123, whatsapp:42, '#general']\n"
    errors = errors_of(COMMUNITY_YAML + announce + "  reminders:\n    - before: soon\n" + GOOD_EVENT)
    assert not any("'whatsapp:42'" in e for e in errors)  # any platform: `check` warns when it is not running
    assert any("community.announce[2]: expected platform:<id>, got '#general'" in e for e in errors)
    assert any("community.reminders[0].before: expected a duration such as 2h or 90m" in e for e in errors)


def test_every_error_is_reported_at_once_in_line_order() -> None:
    text = COMMUNITY_YAML.replace("Asia/Jerusalem", "Mars/Olympus") + GOOD_EVENT.replace(
        "venue: hall", "venue: nowhere"
    ).replace("speakers: [ada]", "speakers: [bob]").replace("    title: First meetup\n", "    titel: First meetup\n")
    errors = errors_of(text)
    assert len(errors) == 5, errors  # timezone, unknown key, missing title, venue, speaker
    lines = [int(e.split(":")[1]) for e in errors]
    assert lines == sorted(lines)


def test_top_level_must_be_a_mapping() -> None:
    assert "expected a mapping of fields" in only_error("- just\n- a list\n")


def test_empty_file() -> None:
    assert "expected a mapping of fields, got nothing" in only_error("")


def test_a_slot_and_an_end_may_cross_midnight() -> None:
    text = GOOD_EVENT.replace('end: "21:00"', 'end: "01:00"').replace(
        "      - {time: 19:30-20:15, title: A talk}\n",
        "      - {time: 19:30-20:15, title: A talk}\n      - {time: 23:30-00:30, title: Late hacking}\n",
    )
    data = parse_calendar(COMMUNITY_YAML + text, "cal.yaml")
    event = data.events[0]
    late = event.schedule[-1]
    assert (late.end - late.start).total_seconds() == 3600
    assert event.end.day == 13 and event.end.hour == 1


def test_a_reversed_slot_is_still_a_mistake_not_a_23_hour_slot() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("19:30-20:15", "20:15-19:30"))
    assert "the slot ends (19:30) before it starts (20:15)" in error


def test_text_fields_keep_the_text_that_yaml_1_1_reads_as_another_type() -> None:
    """Issue 10, item 15: `title: on` was "True", `1.10` was "1.1", `language: no` was False."""
    text = COMMUNITY_YAML.replace("language: Hebrew", "language: no") + GOOD_EVENT.replace(
        "    title: First meetup\n", "    title: on\n    language: NO\n    filmed: yes\n"
    ).replace("      - title: A talk\n", "      - title: 1.10\n        tags: [off, 0x1F, 2.50]\n").replace(
        "        speakers: [ada]\n", "        speakers: [ada]\n        language: y\n"
    ).replace("    name: Ada Lovelace", "    name: 007").replace(
        "    address: 1 Main St", "    address: 1_000\n    notes: Yes"
    )
    data = parse_calendar(text, "cal.yaml")
    event = data.events[0]
    talk = event.talks[0]
    assert data.community.language == "no"
    assert (event.title, event.language) == ("on", "NO")
    assert event.filmed is True  # a true-or-false field still reads yes as true
    assert (talk.title, talk.tags, talk.language) == ("1.10", ("off", "0x1f", "2.50"), "y")
    assert talk.speakers[0].name == "007"
    assert event.venue is not None and (event.venue.address, event.venue.notes) == ("1_000", ("Yes",))


def test_keys_are_the_text_as_written() -> None:
    community = COMMUNITY_YAML + "  topic_aliases:\n    on: [off, 1.10]\n"
    data = parse_calendar(community + GOOD_EVENT, "cal.yaml")
    assert data.community.topic_aliases == (("on", ("off", "1.10")),)
    assert "unknown key 'yes'" in only_error(
        COMMUNITY_YAML + GOOD_EVENT.replace("    venue: hall\n", "    yes: hall\n")
    )


def test_null_is_still_nothing_in_a_text_field() -> None:
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("    title: First meetup\n", "    title: ~\n"))
    assert "events[0].title: required field is missing" in error


def test_a_huge_bad_value_is_cut_in_the_error() -> None:
    """Issue 10, item 16: 50 MB in was 50 MB of error out."""
    huge = "x" * 100_000
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace('end: "21:00"', f"end: {huge}"))
    assert f"got {'x' * 80!r}… (100,000 characters)" in error
    assert len(error) < 200
    error = only_error(COMMUNITY_YAML + GOOD_EVENT.replace("    venue: hall\n", f"    venue: {huge}\n"))
    assert f"unknown venue {'x' * 80!r}… (100,000 characters)" in error and len(error) < 300


def test_check_and_export_read_the_events_file_run_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10, item 16: `check` and `export` read ./events.yaml while `run` honours EVENTS_FILE."""
    events = tmp_path / "mine.yaml"
    events.write_text(COMMUNITY_YAML + GOOD_EVENT)
    monkeypatch.chdir(tmp_path)  # no events.yaml here
    monkeypatch.setenv("EVENTS_FILE", str(events))
    assert cli_main(["check"]) == 0
    assert f"{events}: OK, 1 meetup" in capsys.readouterr().out
    assert cli_main(["export", "--format", "json"]) == 0
    assert '"first"' in capsys.readouterr().out


def test_check_cuts_a_huge_bad_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(COMMUNITY_YAML + GOOD_EVENT.replace("    venue: hall\n", f"    url: {'y' * 200_000}\n"))
    assert cli_main(["check", str(events)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith(f"events[0].url: expected an http(s) URL, got {'y' * 80!r}… (200,000 characters)")


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"])
def test_a_control_character_is_one_line_with_its_line_number(character: str) -> None:
    text = COMMUNITY_YAML + GOOD_EVENT.replace("A talk\n", f"A tälk{character}\n", 1)
    line = text[: text.index(character)].count("\n") + 1
    error = only_error(text)
    assert error == (
        f"cal.yaml:{line}: (yaml): syntax error: the character U+{ord(character):04X} is not allowed in YAML"
        " (control characters are not allowed)"
    )


def test_a_file_that_is_not_utf8_names_the_line_and_the_byte(tmp_path: Path) -> None:
    bad = tmp_path / "events.yaml"
    bad.write_bytes((COMMUNITY_YAML + "# caf\xe9\n").encode("latin-1"))
    line = COMMUNITY_YAML.count("\n") + 1
    with pytest.raises(CalendarError) as info:
        load_calendar_data(bad, cache=False)
    assert [str(e) for e in info.value.errors] == [f"{bad}:{line}: (file): not UTF-8 text (byte 0xe9)"]
