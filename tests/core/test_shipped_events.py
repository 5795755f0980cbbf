"""The shipped events.yaml validates, holds the three seed meetups and one example upcoming one,
and states only what the community's own posts say (anything else is marked as an example)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data
from bot.calendar.model import EventStatus, Need
from tests.conftest import ROOT, SHIPPED_EVENTS


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


# ---- nothing the community never wrote ----------------------------------------------------------

POSTS = ROOT / "tests" / "archive" / "data" / "posts"  # the community's posts on the three meetups
EXAMPLE_EVENT = "2027-01-19-fast-packets"
INVENTED = ("45-minute", "45 minute", "hebrew or english", "80 people", "about 80", "nyx security solutions")


# The posts' typos, so that the corrected spelling in events.yaml counts as what they say.
TYPOS = {"interation": "interaction", "layerfor": "layer for"}


def words(text: str) -> set[str]:
    """Lower-case words, made singular ("offices" is what "office" said), the posts' typos mended."""
    text = html.unescape(text).lower()
    for typo, spelling in TYPOS.items():
        text = text.replace(typo, spelling)
    return {w.removesuffix("s") if len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text)}


def community_texts(cal: Calendar) -> Iterator[tuple[str, str]]:
    """Every text in the shipped file that states a fact about the community, with its place."""
    c = cal.community
    yield "community.description", c.description or ""
    yield "call_for_speakers.text", c.call_for_speakers.text or ""
    yield "call_for_speakers.how_to_submit", c.call_for_speakers.how_to_submit or ""
    yield "call_for_venues.text", c.call_for_venues.text or ""
    yield "call_for_venues.how_to_offer", c.call_for_venues.how_to_offer or ""
    for speaker in cal.data.speakers:
        yield f"speakers.{speaker.id}", " ".join((speaker.name, speaker.affiliation or "", speaker.bio or ""))
    for venue in cal.data.venues:
        yield f"venues.{venue.id}", " ".join((venue.name, venue.address or "", venue.host or "", *venue.notes))
    for event in cal:
        if event.id == EXAMPLE_EVENT:
            continue
        yield f"{event.id}", " ".join((event.title, event.description or "", event.language or "", *event.notes))
        for talk in event.talks:
            yield f"{event.id}: {talk.title}", " ".join((talk.title, talk.abstract or ""))


def test_the_shipped_file_states_nothing_the_community_never_wrote() -> None:
    text = SHIPPED_EVENTS.read_text(encoding="utf-8").lower()
    assert [phrase for phrase in INVENTED if phrase in text] == []
    cal = Calendar(load_calendar_data(SHIPPED_EVENTS))
    written = set().union(*(words(p.read_text(encoding="utf-8")) for p in sorted(POSTS.glob("*.md"))))
    unsourced = {where: sorted(words(value) - written) for where, value in community_texts(cal)}
    assert {where: extra for where, extra in unsourced.items() if extra} == {}


def test_affiliations_are_the_ones_the_posts_give() -> None:
    cal = Calendar(load_calendar_data(SHIPPED_EVENTS))
    affiliations = {s.id: s.affiliation for s in cal.data.speakers}
    assert affiliations["gili-yankovitch"] is None  # the post gives only a link, not where he works
    assert affiliations["mike-rapoport"] is None


def test_the_upcoming_example_and_the_wish_list_are_marked_as_examples_to_edit() -> None:
    lines = SHIPPED_EVENTS.read_text(encoding="utf-8").splitlines()
    for key in (f"- id: {EXAMPLE_EVENT}", "topics:"):
        at = next(i for i, line in enumerate(lines) if line.strip() == key)
        comment = []
        for line in reversed(lines[:at]):
            if not line.strip().startswith("#"):
                break
            comment.append(line)
        assert any("EXAMPLE" in line for line in comment), f"no EXAMPLE comment above {key!r}"
