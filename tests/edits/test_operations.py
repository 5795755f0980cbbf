"""The semantic edits of events.yaml, on the shipped file and on hand-kept layouts: what they change,
what they keep, and what they refuse (issue 19 items 5 and 6; issue 23 item 4's status and move)."""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from bot.calendar.loader import parse_calendar
from bot.calendar.model import Event, EventStatus, Need
from bot.edits.contract import EditFailed
from bot.edits.operations import AddTalk, MoveMeetup, SetStatus, SetVenue, _checked
from bot.edits.roundtrip import Document
from bot.proposals.calendar_edit import edit_for
from bot.proposals.model import Kind, Proposal, Status
from tests.conftest import SHIPPED_EVENTS

MEETUP = "2027-01-19-fast-packets"
SHIPPED = SHIPPED_EVENTS.read_text(encoding="utf-8")


def with_comments_and_capacity(text: str = SHIPPED) -> str:
    """The shipped planned meetup with seats, filming, reminders and comments inside it."""
    start = text.index(f"  - id: {MEETUP}\n")
    block = text[start:]
    block = block.replace("    status: planned\n", "    status: planned  # confirm once the room is booked\n")
    block = block.replace(
        "    needs: [speakers, venue]\n",
        "    capacity: 60  # the room we hope for\n    filmed: false\n"
        "    # ask the speakers before the evening\n    needs: [speakers, venue]\n",
    )
    block = block.replace("    schedule:\n", "    schedule:  # times are local\n")
    block = block.replace(
        "      - {time: 20:00-20:15, title: Break, kind: break}\n",
        "      - {time: 20:00-20:15, title: Break, kind: break}  # pizza\n\n      # second half\n",
    )
    return text[:start] + block + "    reminders:\n      - before: 2h\n"


def meetup(text: str, event_id: str = MEETUP) -> Event:
    return next(e for e in parse_calendar(text).events if e.id == event_id)


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines removed, lines added) by the unified diff."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    return removed, added


def comments_and_blanks(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.strip() or "#" in line]


VENUE = SetVenue(MEETUP, "Acme", "1 Rothschild Blvd", "Pizza is on us.", 80, "V3")
TALK1 = AddTalk(MEETUP, "XDP for beginners", "Ada Lovelace", "Packets, fast.", "Hebrew", "T1")
TALK2 = AddTalk(MEETUP, "DPDK next to the kernel", "Bob Builder", None, None, "T2")


@pytest.mark.parametrize("order", [(VENUE, TALK1, TALK2), (TALK1, VENUE, TALK2), (TALK1, TALK2, VENUE)])
def test_a_meetup_with_capacity_takes_a_venue_and_two_talks_in_any_order_keeping_its_comments(
    order: tuple[SetVenue | AddTalk, ...],
) -> None:
    before = with_comments_and_capacity()
    text = before
    for edit in order:
        text = edit.apply(text, "events.yaml").text
    for line in comments_and_blanks(before):  # every comment (inline ones too) and blank line
        assert line in text.splitlines() or line.replace("[speakers, venue]", "[]") in text.splitlines(), line
    removed, added = changed_lines(before, text)
    assert sorted(removed) == sorted(
        [
            "    needs: [speakers, venue]",
            "      - {time: 19:15-20:00, title: Talk to be announced (yours?), kind: talk}",
            "      - {time: 20:15-21:00, title: Talk to be announced (yours?), kind: talk}",
        ]
    )
    assert "    needs: []" in added and "    venue: acme" in added and "    capacity: 80" in added
    event = meetup(text)
    assert event.capacity == 60 and event.filmed is False and [r.key for r in event.reminders] == ["before@7200s"]
    assert [t.title for t in event.talks] == [e.title for e in order if isinstance(e, AddTalk)]
    assert event.venue is not None and event.venue.capacity == 80 and event.needs == frozenset()
    # The same edits in another order give the same calendar.
    other = before
    for edit in (TALK2, VENUE, TALK1):
        other = edit.apply(other, "events.yaml").text
    assert {t.title for t in meetup(other).talks} == {t.title for t in event.talks}


def test_after_a_venue_the_next_talk_is_edited_in_place() -> None:
    """Issue 19: after a venue accept, the next talk accept rewrote the block, losing its comments."""
    text = VENUE.apply(with_comments_and_capacity(), "events.yaml").text
    after = TALK1.apply(text, "events.yaml").text
    removed, added = changed_lines(text, after)
    assert removed == ["      - {time: 19:15-20:00, title: Talk to be announced (yours?), kind: talk}"]
    assert added == [
        "  ada-lovelace:",
        "    name: Ada Lovelace",
        "      - {time: 19:15-20:00, title: XDP for beginners, kind: talk}",
        "    talks:",
        "      - title: XDP for beginners",
        "        speakers: [ada-lovelace]",
        "        abstract: Packets, fast.",
        "        language: Hebrew",
    ]


def test_capacity_on_the_meetup_no_longer_refuses_an_accept() -> None:
    """Issue 19: "The writer would change capacity" refused every accept into such a meetup."""
    text = with_comments_and_capacity()
    result = TALK1.apply(text, "events.yaml")
    assert result.what == "added the talk “XDP for beginners” by Ada Lovelace in the 19:15 slot"
    assert meetup(result.text).capacity == 60


def test_offered_seats_become_capacity_not_a_note() -> None:
    result = VENUE.apply(SHIPPED, "events.yaml")
    venue = meetup(result.text).venue
    assert venue is not None
    assert (venue.id, venue.name, venue.address, venue.capacity, venue.notes) == (
        "acme",
        "Acme",
        "1 Rothschild Blvd",
        80,
        ("Pizza is on us.",),
    )
    assert meetup(result.text).seats == 80 and "Seats about" not in result.text
    assert result.what == "set the venue to Acme; it no longer asks for a venue"


@pytest.mark.parametrize("name", ["SQLink", "sqlink", "SQLink Ramat Gan"])
def test_an_offer_like_an_existing_venue_is_not_silently_replaced(name: str) -> None:
    """Issue 19: an offer whose company name matched an existing venue id became that old venue.
    Now nothing changes and the organiser is told the choice."""
    edit = SetVenue(MEETUP, name, "Somewhere else 5", None, 120, "V4")
    with pytest.raises(EditFailed, match=r"already has a venue sqlink-ramat-gan .*either hold the meetup at"):
        edit.apply(SHIPPED, "events.yaml")
    # Choice one: the meetup is at the existing venue; no new entry, the old one unchanged.
    there = replace(edit, use_existing="sqlink-ramat-gan").apply(SHIPPED, "events.yaml").text
    data = parse_calendar(there)
    assert [v.id for v in data.venues] == ["sqlink-ramat-gan"] and data.venues == parse_calendar(SHIPPED).venues
    assert meetup(there).venue == data.venues[0]
    # Choice two: a new venue beside it, under an id of its own.
    beside = replace(edit, add_anyway=True).apply(SHIPPED, "events.yaml").text
    venues = {v.id: v for v in parse_calendar(beside).venues}
    new_id = meetup(beside).venue.id  # type: ignore[union-attr]
    assert new_id != "sqlink-ramat-gan" and venues[new_id].capacity == 120
    assert venues["sqlink-ramat-gan"] == parse_calendar(SHIPPED).venues[0]
    with pytest.raises(EditFailed, match="no venue nowhere"):
        replace(edit, use_existing="nowhere").apply(SHIPPED, "events.yaml")


def test_non_ascii_names_and_existing_speakers() -> None:
    text = AddTalk(MEETUP, "Über XDP — schnell", "José Pérez", None, None, "T5").apply(SHIPPED, "e.yaml").text
    [talk] = meetup(text).talks
    assert talk.title == "Über XDP — schnell" and [(s.id, s.name) for s in talk.speakers] == [
        ("jose-perez", "José Pérez")
    ]
    # A speaker already in the file (by name, any case) is reused, not added again.
    again = AddTalk(MEETUP, "Userfaultfd again", "mike rapoport", None, None, "T6").apply(text, "e.yaml").text
    assert [s.id for s in meetup(again).talks[1].speakers] == ["mike-rapoport"]
    assert again.count("mike-rapoport:") == 1


def test_a_name_without_latin_letters_gets_a_sane_unique_id() -> None:
    text = AddTalk(MEETUP, "eBPF בעברית", "דנה כהן", None, None, "T7").apply(SHIPPED, "e.yaml").text
    text = AddTalk(MEETUP, "DPDK 日本", "山田太郎", None, None, "T8").apply(text, "e.yaml").text
    speakers = {s.id: s.name for s in parse_calendar(text).speakers}
    assert speakers["speaker-t7"] == "דנה כהן" and speakers["speaker-t8"] == "山田太郎"
    # A new speaker whose id is taken by someone else gets a suffix, never the other's entry.
    clash = AddTalk(MEETUP, "Another", "Mike-Rapoport!", None, None, "T9").apply(SHIPPED, "e.yaml").text
    assert [s.id for s in meetup(clash).talks[0].speakers] == ["mike-rapoport-2"]


def test_refusals_say_why_and_change_nothing() -> None:
    with pytest.raises(EditFailed, match="No meetup 2027-02-02-gone"):
        replace(TALK1, event_id="2027-02-02-gone").apply(SHIPPED, "events.yaml")
    text = TALK1.apply(SHIPPED, "events.yaml").text
    with pytest.raises(EditFailed, match="already has a talk titled “XDP for beginners”"):
        replace(TALK1, title="xdp  for BEGINNERS").apply(text, "events.yaml")
    text = VENUE.apply(text, "events.yaml").text
    with pytest.raises(EditFailed, match=r"already has a venue \(Acme\)"):
        replace(VENUE, name="Beta").apply(text, "events.yaml")
    with pytest.raises(EditFailed, match="does not load"):
        TALK1.apply(SHIPPED.replace("status: planned", "status: maybe"), "events.yaml")
    cancelled = SetStatus(MEETUP, EventStatus.CANCELLED).apply(SHIPPED, "events.yaml").text
    with pytest.raises(EditFailed, match="is cancelled"):
        TALK1.apply(cancelled, "events.yaml")


def test_the_check_refuses_an_edit_that_changes_more_than_it_means() -> None:
    """The guard behind every op: the new text must load to exactly the intended calendar."""
    doc = Document(SHIPPED, "events.yaml")
    node = doc.meetup("2016-09-04-delving-deep")
    title = doc.get(node, "title")
    assert title is not None
    doc.set_scalar(title[1], "Another title", flow=False)
    with pytest.raises(EditFailed, match="would also change title of 2016-09-04-delving-deep"):
        _checked(doc, parse_calendar(SHIPPED, "events.yaml"))


def test_an_edit_applies_again_to_newer_content() -> None:
    """The writer re-applies an op after someone else changed the file: it is semantic."""
    first = TALK2.apply(SHIPPED, "events.yaml").text  # someone accepted another talk meanwhile
    human = first.replace("events:\n", "events:\n  # a human's comment\n", 1)
    result = TALK1.apply(human, "events.yaml")
    assert "  # a human's comment\n" in result.text
    assert "the 20:15 slot; every talk slot is filled now" in result.what
    assert meetup(result.text).needs == {Need.VENUE}


def test_subjects_name_the_submission_and_the_meetup() -> None:
    assert TALK1.subject == 'Accept talk T1 "XDP for beginners" into 2027-01-19-fast-packets'
    assert VENUE.subject == 'Accept venue V3 "Acme" for 2027-01-19-fast-packets'
    assert SetStatus(MEETUP, EventStatus.CONFIRMED).subject == f"Confirm {MEETUP}"
    assert MoveMeetup(MEETUP, date(2027, 2, 2), time(19, 30)).subject == f"Move {MEETUP} to 2027-02-02 19:30"


def test_edit_for_builds_the_op_from_a_proposal() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    talk = Proposal(3, Kind.TALK, Status.NEW, "XDP", "telegram:1", now, from_name="Ada", abstract="A.")
    assert edit_for(talk, MEETUP) == AddTalk(MEETUP, "XDP", "Ada", "A.", None, "T3")
    venue = Proposal(4, Kind.VENUE, Status.NEW, "Acme", "telegram:1", now, address="X 1", capacity=50)
    assert edit_for(venue, MEETUP, use_existing="acme") == SetVenue(
        MEETUP, "Acme", "X 1", None, 50, "V4", use_existing="acme"
    )


# ---- status and moving (issue 23 item 4) ---------------------------------------------------------


def test_confirm_and_cancel() -> None:
    result = SetStatus(MEETUP, EventStatus.CONFIRMED).apply(SHIPPED, "events.yaml")
    assert changed_lines(SHIPPED, result.text) == (["    status: planned"], ["    status: confirmed"])
    with pytest.raises(EditFailed, match="already confirmed"):
        SetStatus(MEETUP, EventStatus.CONFIRMED).apply(result.text, "events.yaml")
    with pytest.raises(EditFailed, match="already confirmed"):
        SetStatus("2016-09-04-delving-deep", EventStatus.CONFIRMED).apply(SHIPPED, "events.yaml")
    cancelled = SetStatus(MEETUP, EventStatus.CANCELLED, "  the room fell through ").apply(result.text, "e.yaml")
    event = meetup(cancelled.text)
    assert event.status is EventStatus.CANCELLED and event.notes == ("Cancelled: the room fell through",)
    assert cancelled.what == "cancelled it (the room fell through)"
    with pytest.raises(EditFailed, match="is cancelled; only a planned meetup can be confirmed"):
        SetStatus(MEETUP, EventStatus.CONFIRMED).apply(cancelled.text, "events.yaml")


def test_cancelling_a_meetup_without_status_adds_the_line_and_keeps_its_notes() -> None:
    text = SHIPPED.replace(
        "    status: confirmed\n    url: https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/events/232058698/",
        "    url: https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/events/232058698/",
    )
    assert meetup(text, "2016-07-12-breaking-the-wall").status is EventStatus.CONFIRMED  # the default
    result = SetStatus("2016-07-12-breaking-the-wall", EventStatus.CANCELLED, "snow").apply(text, "events.yaml")
    removed, added = changed_lines(text, result.text)
    assert removed == [] and added == ["    status: cancelled", "    notes:", "      - 'Cancelled: snow'"]
    locking = SetStatus("2016-01-12-locking-mechanisms", EventStatus.CANCELLED, "snow").apply(SHIPPED, "e.yaml")
    notes = meetup(locking.text, "2016-01-12-locking-mechanisms").notes
    assert len(notes) == 3 and notes[-1] == "Cancelled: snow"  # after the two it had


def test_move_shifts_end_and_every_slot_in_the_files_own_style() -> None:
    text = SHIPPED.replace('    end: "21:15"\n', "    end: '21:15'  # the room closes\n")
    result = MoveMeetup("2016-09-04-delving-deep", date(2016, 11, 1), time(18, 30)).apply(text, "events.yaml")
    removed, added = changed_lines(text, result.text)
    assert added == [
        "    start: 2016-11-01 18:30",
        "    end: '20:45'  # the room closes",
        "      - {time: 18:30-18:45, title: Gathering, kind: mingling}",
        "      - {time: 18:45-19:30, title: Preemption, kind: talk}",
        "      - {time: 19:30-19:45, title: Break, kind: break}",
        "      - {time: 19:45-20:30, title: FreeBSD drivers, kind: talk}",
        "      - {time: 20:30-20:45, title: Q&A, kind: q&a}",
    ]
    assert len(removed) == len(added)
    event = meetup(result.text, "2016-09-04-delving-deep")
    # 1 November is after the clocks went back (winter time, +02:00): 18:30 local is 16:30 UTC.
    assert event.start == datetime(2016, 11, 1, 16, 30, tzinfo=UTC)
    assert event.end == datetime(2016, 11, 1, 18, 45, tzinfo=UTC)
    assert result.what == "moved it to Tue 1 Nov 2016, 18:30"  # the chat's one format (short_time)
    # The calendar's order follows: it is the last of the 2016 meetups now, still before 2027.
    assert [e.id for e in parse_calendar(result.text).events][-2:] == ["2016-09-04-delving-deep", MEETUP]


def test_move_keeps_an_explicit_offset_and_refuses_a_time_the_clocks_skip() -> None:
    text = SHIPPED.replace("    start: 2027-01-19 19:00\n", "    start: 2027-01-19T19:00+02:00\n")
    result = MoveMeetup(MEETUP, date(2027, 4, 6), time(19, 0)).apply(text, "events.yaml")
    assert "    start: 2027-04-06T19:00+03:00\n" in result.text  # summer time by then
    assert meetup(result.text).start == datetime(2027, 4, 6, 16, 0, tzinfo=UTC)
    with pytest.raises(EditFailed, match="does not exist"):
        MoveMeetup(MEETUP, date(2027, 3, 26), time(2, 30)).apply(SHIPPED, "events.yaml")
    with pytest.raises(EditFailed, match="already starts"):
        MoveMeetup(MEETUP, date(2027, 1, 19), time(19, 0)).apply(SHIPPED, "events.yaml")


FLOW_MEETUP = """\
community: {name: X, timezone: Asia/Jerusalem}
events:
  - {id: m1, title: One, start: 2027-01-19 19:00, status: planned, needs: [speakers, venue], schedule: [{time: 19:00-19:30, title: To be announced}]}
"""  # noqa: E501 - one meetup on one line is the point


def test_a_meetup_written_in_flow_style_stays_on_its_line() -> None:
    text = AddTalk("m1", "A talk", "Ada", "First paragraph.\n\nSecond, with: a colon.", None, "T1").apply(
        FLOW_MEETUP, "e.yaml"
    )
    text = SetVenue("m1", "Acme", "1 Main St", None, 10, "V1").apply(text.text, "e.yaml")
    lines = text.text.splitlines()
    assert lines[:2] == FLOW_MEETUP.splitlines()[:2] and lines[2].startswith("  - {id: m1,") and lines[2].endswith("}")
    event = meetup(text.text, "m1")
    assert event.talks[0].abstract == "First paragraph.\n\nSecond, with: a colon."
    assert event.venue is not None and event.needs == frozenset() and event.schedule[0].title == "A talk"


def test_windows_line_endings_are_kept() -> None:
    crlf = SHIPPED.replace("\n", "\r\n")
    text = VENUE.apply(TALK1.apply(crlf, "events.yaml").text, "events.yaml").text
    assert text.count("\n") == text.count("\r\n") > crlf.count("\r\n")


def test_a_first_venue_for_the_last_meetup_stays_in_that_meetup() -> None:
    """The meetup's `venue:` line and a new `venues:` section are both added at the end of the
    file: the line stays in the meetup and the section comes after it, in either planning order
    (hypothesis found the file below)."""
    text = (
        "community:\n  name: Test Meetup\n  timezone: Asia/Jerusalem\n\nevents:\n"
        "- id: 2027-01-19-target  # inline\n  title: Target night\n  start: 2027-01-19 19:00\n"
        "  needs: [venue]\n  status: planned  # last line\n"
    )
    after = SetVenue("2027-01-19-target", "Acme Hall", "1 Rothschild Blvd", None, 40, "V9").apply(text, "e.yaml").text
    data = parse_calendar(after)
    assert data.events[0].venue is not None and data.events[0].venue.name == "Acme Hall"
    assert after.startswith(text.replace("  needs: [venue]\n", "  needs: []\n"))
    assert after.index("  venue: acme-hall") < after.index("\nvenues:")
