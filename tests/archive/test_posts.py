"""Reading one website post: front matter, the start-time convention, talks and speakers; and
the variant corpus of posts in shapes the seeds never use, measured against hand-written truth."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.archive.importer import import_posts
from bot.archive.post_schedule import parse_slot_line, part_of, run_in_title, slot_kind, talk_title
from bot.archive.post_sections import mentions
from bot.archive.post_speakers import same_person
from bot.archive.posts import event_id, front_matter_instant, parse_post
from bot.calendar.model import SlotKind
from tests.archive.conftest import community_only, seed_posts
from tests.archive.fidelity import BASIC, VARIANTS, actual, details_misses, expected, measure

TZ = ZoneInfo("Asia/Jerusalem")


def test_the_posts_front_matter_date_is_read_though_it_is_not_a_yaml_timestamp() -> None:
    assert front_matter_instant("2016-09-04 16-00-00 +0300") == (
        date(2016, 9, 4),
        time(16, 0),
        timezone(timedelta(hours=3)),
    )
    valid = datetime(2016, 9, 4, 16, 0, tzinfo=timezone(timedelta(hours=3)))  # what PyYAML gives for 16:00:00
    assert front_matter_instant(valid) == (date(2016, 9, 4), time(16, 0), timezone(timedelta(hours=3)))
    assert front_matter_instant(date(2016, 9, 4)) == (date(2016, 9, 4), None, None)
    assert front_matter_instant("next tuesday") is None


@pytest.mark.parametrize(("name", "text"), seed_posts())
def test_every_seed_front_matter_clock_is_the_utc_time_of_its_schedule_start(name: str, text: str) -> None:
    """Why the front matter "disagrees": its clock is UTC, only labelled with the local offset."""
    post = parse_post(text, name, TZ)
    assert post.event is not None and post.problems == ()
    front = front_matter_instant(text.split("date:", 1)[1].splitlines()[0].strip())
    assert front is not None
    day, clock, _label = front
    assert clock is not None
    assert post.event.start == datetime.combine(day, clock, UTC)
    assert post.event.start.astimezone(TZ).time() == time(19, 0) == post.event.schedule[0].start.astimezone(TZ).time()


def test_ids_follow_the_files_rule() -> None:
    assert event_id(date(2016, 1, 12), "Locking mechanisms and high performance storage devices") == (
        "2016-01-12-locking-mechanisms"
    )
    assert event_id(date(2016, 7, 12), "Breaking the Wall - Handling Things in Userspace") == (
        "2016-07-12-breaking-the-wall"
    )


def test_talks_speakers_bios_and_venue_from_the_prose() -> None:
    posts = {name: parse_post(text, name, TZ) for name, text in seed_posts()}
    july = posts["2016-07-12-breaking-the-wall.md"].event
    assert july is not None
    # "Page faults and migrations" heads the section; the schedule names the talk itself.
    assert [t.title for t in july.talks] == ["userfaultfd and post-copy migration of VMs and containers",
                                             "Linux interrupt handling"]  # fmt: skip
    liran = july.talks[1].speakers[0]
    assert liran.name == "Liran Ben Haim"  # "In this talk Liran will..." + the "Liran Ben Haim" paragraph
    assert liran.bio is not None and liran.bio.startswith("Liran is the CTO at Mabel technology")
    assert ("DiscoverCloud", "http://www.discovercloud.com/") in [(lk.label, lk.url) for lk in liran.links]
    january = posts["2016-01-12-locking-mechanisms.md"].event
    assert january is not None and january.venue is not None
    venue = (january.venue.name, january.venue.address, january.host)
    assert venue == ("SQLink", "SQLink offices, Ramat Gan", "SQLink")
    assert january.venue.notes[0].startswith("Parking is available")
    assert (january.language, january.filmed) == ("Hebrew", True)
    evgeny = january.talks[1].speakers[0]
    assert (evgeny.name, evgeny.affiliation) == ("Evgeny Budilovsky", "Kernel Developer at E8 Storage")
    september = posts["2016-09-04-delving-deep.md"].event
    assert september is not None
    assert [s.title for s in september.schedule][-1] == "Q&A"  # &amp; undone
    assert september.talks[1].abstract is not None and "L2 and L3 Hooking." in september.talks[1].abstract


def test_a_front_matter_time_that_fits_neither_reading_is_reported_and_the_schedule_wins() -> None:
    text = "---\ntitle: Odd\ndate: 2027-06-01 11:00:00 +0300\n---\n18:30-19:00 Gathering  \n19:00-20:00 A talk\n"
    post = parse_post(text, "odd.md", TZ)
    assert post.event is not None
    assert post.event.start == datetime(2027, 6, 1, 18, 30, tzinfo=TZ)
    assert "front matter time 11:00 disagrees with the schedule (18:30); using the schedule" in post.problems


def test_a_first_name_is_resolved_against_the_calendars_speakers() -> None:
    from bot.calendar.model import Speaker

    text = "---\ntitle: Solo\ndate: 2027-06-01\n---\n19:00-20:00 Ftrace\n\n**Ftrace**\n\nGili will trace.\n"
    known = (Speaker("gili-yankovitch", "Gili Yankovitch"),)
    post = parse_post(text, "solo.md", TZ, known)
    assert post.event is not None
    assert [s.name for s in post.event.talks[0].speakers] == ["Gili Yankovitch"]


# ---- posts the importer has never seen: the variant corpus (tests/archive/data/variants/) ----------


@pytest.mark.parametrize("name", sorted(expected()))
def test_each_variant_post_reads_as_its_hand_written_truth(name: str) -> None:
    truth = expected()[name]
    got = actual(name)
    for key in (*BASIC, "talks"):
        assert got.get(key) == truth[key], f"{key}: {got.get('problems')}"
    for key in ("venue", "schedule"):
        if key in truth:
            assert got[key] == truth[key]
    assert details_misses(name, truth, got) == []  # slot kinds, abstracts, bios, warnings


def test_fidelity_on_the_variant_corpus_meets_the_goals() -> None:
    """Run with -s to see the figures (or: .venv/bin/python bench/import_fidelity.py)."""
    result = measure()
    print(f"\nbasic fields {result.basic_percent:.1f} %, talks with title and speakers {result.talks_percent:.1f} %")
    assert len(expected()) >= 38 and result.talks_total >= 60
    assert result.dropped == []  # no post dropped (issue 21)
    assert result.basic_percent >= 98 and result.talks_percent >= 90, result.misses


@pytest.mark.parametrize(
    ("line", "expected_slot"),
    [
        ("19:00-19:15: Arrival", (time(19, 0), time(19, 15), "Arrival")),
        ("19:00-19:15Gathering", (time(19, 0), time(19, 15), "Gathering")),
        ("19:00 - 19:15 — Welcome", (time(19, 0), time(19, 15), "Welcome")),
        ("19:15–20:00 Memory", (time(19, 15), time(20, 0), "Memory")),
        ("7pm-7:30pm Pizza", (time(19, 0), time(19, 30), "Pizza")),
        ("7-7:30pm Pizza", (time(19, 0), time(19, 30), "Pizza")),
        ("11:30-12:15pm Brunch", (time(11, 30), time(12, 15), "Brunch")),
        ("7:30 p.m. to 8:15 p.m. Talk", (time(19, 30), time(20, 15), "Talk")),
        ("* **19:00-19:15** Gathering", (time(19, 0), time(19, 15), "Gathering")),
        ("\\- 19:00-19:15 Gathering", (time(19, 0), time(19, 15), "Gathering")),
        ("| 19:00-19:30 | Gathering |", (time(19, 0), time(19, 30), "Gathering")),
    ],
)
def test_schedule_lines_in_every_shape(line: str, expected_slot: tuple[time, time, str]) -> None:
    assert parse_slot_line(line) == expected_slot


@pytest.mark.parametrize("line", ["10-15 minutes of questions", "2016-09-04 was a Sunday", "Talk 1-2 is long"])
def test_ranges_that_are_not_clocks_are_not_schedule_lines(line: str) -> None:
    assert parse_slot_line(line) is None


def test_programme_items_are_not_talks_and_titles_lose_how_they_are_given() -> None:
    for title in ("Arrival", "Gathering", "Pizza & beer", "Coffee break", "Q&A", "Doors open, pizza", "Welcome"):
        assert slot_kind(title) is not SlotKind.TALK, title
    assert slot_kind("Breaking the kernel's ABI on purpose") is SlotKind.TALK
    social = ("Mingling, getting to know our community", "Opening talk", "Mingle Mingle Mingle", "Q&A session",
              "Welcome and a few words from our host", "Gathering, food and drinks courtesy of Wix")  # fmt: skip
    for title in social:
        assert slot_kind(title) is not SlotKind.TALK, title
    for title in ("Gathering metrics with perf", "Welcome to the world of cgroups v2", "vhost-user (and Q&A)"):
        assert slot_kind(title) is SlotKind.TALK, title
    assert talk_title("Locking in the kernel (Lecture + Q&A)") == "Locking in the kernel"
    assert talk_title("Inside the verifier - Part II") == "Inside the verifier"
    assert part_of("Inside the verifier - Part II") == "II"
    assert run_in_title("Persistent memory Persistent memory holds a lot of promise: it is fast") == "Persistent memory"


def test_a_venue_is_a_company_name_never_a_sentence() -> None:
    text = (
        "---\ntitle: T\ndate: 2027-06-01\n---\n19:00-20:00 A talk on things\n\n"
        "This time we are hosted by checkpoint at their office in Tel Aviv. The event will be held at the "
        "main auditorium next to the big cafeteria on the ground floor.\n"
    )
    event = parse_post(text, "t.md", TZ).event
    assert event is not None and event.venue is not None
    assert (event.venue.id, event.venue.name, event.venue.address) == (
        "checkpoint-tel-aviv", "checkpoint", "checkpoint offices, Tel Aviv"
    )  # fmt: skip
    long_name = "hosted by Very Long Company Name Limited at their offices in Herzliya Pituach Industrial"
    post = parse_post(text.replace(text.split("\n\n")[1], long_name), "t.md", TZ)
    assert post.event is not None and post.event.venue is not None and len(post.event.venue.id) <= 40


def test_one_person_spelled_two_ways_is_one_speaker() -> None:
    assert same_person("Gal Ben Ami", "Gal Ben-Ami") and same_person("Dmitri Volkov", "Dmitry Volkov")
    assert not same_person("Dana Levi", "Dina Cohen") and not same_person("Dan Levi", "Ron Levi")


def test_no_speaker_named_is_reported_and_not_filled_with_a_guess() -> None:
    post = parse_post((VARIANTS / "17-no-guessing.md").read_text(), "17.md", TZ)
    assert post.event is not None
    assert [s.name for s in post.event.talks[1].speakers] == []  # Guy and Lital only organised
    assert "talk 'Ext4 fast commits': no speaker named" in post.problems
    assert "talk 'Ext4 fast commits': title from the schedule and its details heading; no speaker named" in post.origins


def test_the_report_says_where_each_field_came_from() -> None:
    post = parse_post((VARIANTS / "05-one-speaker-two-talks.md").read_text(), "05.md", TZ)
    assert "start: the schedule's first slot" in post.origins
    assert (
        "talk 'Threaded interrupts': title from the schedule and its details heading; speakers from the evening's text"
        in post.origins
    )
    post = parse_post((VARIANTS / "14-no-schedule.md").read_text(), "14.md", TZ)
    assert "start: the front matter's clock, read as UTC" in post.origins
    assert "end: 3 hours after the start (no schedule)" in post.origins


def test_a_sentence_names_a_talk_by_its_words_its_stems_or_its_acronym() -> None:
    assert mentions("Michal will talk about Kernel Samepage Merging", "KSM") == 1.0
    assert mentions("Eitan will discuss the KSM patch", "Kernel Samepage Merging") == 1.0
    assert mentions("Avi will talk about the KVM dirty page ring", "Dirty ring") == 1.0
    assert mentions("Eitan will discuss the Ftrace patch", "ftrace") == 1.0
    assert mentions("Liat will discuss vhost-user", "Dirty ring") == 0.0


UNTITLED = """\
---
title: "Two Talks"
date: 2027-06-01 16-00-00 +0300
---
19:00-19:15 Gathering
19:15-20:00 (Lecture + Q&A)

Lecturer: Dana Levi
"""


def test_a_talk_without_a_title_is_to_be_announced_never_a_reason_to_drop_the_meetup() -> None:
    post = parse_post(UNTITLED, "untitled.md", TZ)
    assert post.event is not None
    # Named speaker, no title: the talk is kept under the words /next shows for open slots.
    assert [(t.title, [s.name for s in t.speakers]) for t in post.event.talks] == [
        ("Talk to be announced", ["Dana Levi"])
    ]
    assert "talk at 19:15: no title found; written as 'Talk to be announced'" in post.problems
    # No title and no speaker: an open slot, as in events.yaml's planned meetups.
    open_slot = parse_post(UNTITLED.replace("Lecturer: Dana Levi", ""), "open.md", TZ)
    assert open_slot.event is not None and open_slot.event.talks == ()
    assert [s.title for s in open_slot.event.schedule][-1] == "Talk to be announced"
    assert "talk at 19:15: no title and no speaker found; left as an open slot ('Talk to be announced')" in (
        open_slot.problems
    )
    opened = UNTITLED.replace("Lecturer: Dana Levi", "").replace("2027-06-01", "2027-06-08")
    posts = [("untitled.md", UNTITLED), ("open.md", opened)]
    result = import_posts(posts, community_only())
    assert len(result.merge.added) == 2 and not result.failed


def test_abstract_and_bio_are_told_apart_and_their_origin_is_reported() -> None:
    post = parse_post((VARIANTS / "35-abstract-after-speaker-line.md").read_text(), "35.md", TZ)
    assert post.event is not None
    maya = post.event.talks[0].speakers[0]
    assert post.event.talks[0].abstract is not None and post.event.talks[0].abstract.startswith("Every container")
    assert maya.bio is not None and maya.bio.startswith("Maya is a storage engineer")
    assert "talk 'Overlayfs for container images': abstract from its details section" in post.origins
    assert "speaker 'Maya Goldberg': bio from a paragraph about them in the talk's description" in post.origins
    post = parse_post((VARIANTS / "29-prose-speakers-keywords.md").read_text(), "29.md", TZ)
    assert "talk 'vhost-user': abstract from a paragraph outside its description that names its speaker" in (
        post.origins
    )
    assert post.event is not None and post.event.description is not None
    assert "Liat Peretz" not in post.event.description  # the abstract is not the evening's description too
