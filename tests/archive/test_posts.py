"""Reading one website post: front matter, the start-time convention, talks and speakers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.archive.posts import event_id, front_matter_instant, parse_post
from tests.archive.conftest import seed_posts

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
