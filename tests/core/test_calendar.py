"""Calendar queries: next, upcoming, past, by id, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import calendar_from_yaml

TZ = ZoneInfo("Asia/Jerusalem")

CAL = calendar_from_yaml(
    """\
    speakers:
      liran:
        name: Liran Ben Haim
        affiliation: Mabel Technology
      gili:
        name: Gili Yankovitch
    events:
      - id: old
        title: Preemption night
        start: 2016-09-04 19:00
        end: "21:15"
        talks:
          - title: Preemption models
            speakers: [liran]
            tags: [scheduling]
          - title: FreeBSD Drivers
            speakers: [gili]
            abstract: The FreeBSD network stack and how to write drivers.
      - id: long-workshop
        title: Day-long workshop
        start: 2027-01-10 09:00
        end: 2027-01-10 17:00
      - id: cancelled
        title: Cancelled one
        start: 2027-01-11 19:00
        status: cancelled
      - id: soon
        title: The next one
        start: 2027-01-12 19:00
        talks:
          - title: XDP in practice
            tags: [bpf, networking]
    """,
    community="""\
community:
  name: Test
  timezone: Asia/Jerusalem
  topic_aliases:
    bpf: [ebpf, xdp]
""",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_next_is_the_first_meetup_not_yet_ended() -> None:
    assert CAL.next(at("2026-12-01 12:00")).id == "long-workshop"  # type: ignore[union-attr]


def test_a_meetup_in_progress_counts_as_next() -> None:
    assert CAL.next(at("2027-01-10 16:59")).id == "long-workshop"  # type: ignore[union-attr]


def test_cancelled_meetups_are_skipped_by_next() -> None:
    assert CAL.next(at("2027-01-10 17:00")).id == "soon"  # type: ignore[union-attr]


def test_no_next_after_the_last() -> None:
    assert CAL.next(at("2027-02-01 00:00")) is None


def test_next_works_with_any_timezone_for_now() -> None:
    now = at("2027-01-10 16:59").astimezone(UTC)
    assert CAL.next(now).id == "long-workshop"  # type: ignore[union-attr]
    assert CAL.next(now + timedelta(minutes=1)).id == "soon"  # type: ignore[union-attr]


def test_upcoming_includes_cancelled_in_order() -> None:
    assert [e.id for e in CAL.upcoming(at("2026-12-01 12:00"))] == ["long-workshop", "cancelled", "soon"]
    assert [e.id for e in CAL.upcoming(at("2026-12-01 12:00"), limit=1)] == ["long-workshop"]


def test_past_is_most_recent_first_without_cancelled() -> None:
    assert [e.id for e in CAL.past(at("2027-02-01 00:00"))] == ["soon", "long-workshop", "old"]
    assert [e.id for e in CAL.past(at("2027-02-01 00:00"), limit=2)] == ["soon", "long-workshop"]
    assert CAL.past(at("2016-01-01 00:00")) == []


def test_get_by_id_is_case_insensitive() -> None:
    assert CAL.get("OLD") is not None and CAL.get("missing") is None


def test_search_titles_abstracts_speakers_and_tags_case_insensitively() -> None:
    assert [h.talk.title for h in CAL.search("PREEMPTION")] == ["Preemption models"]
    assert [h.talk.title for h in CAL.search("network stack")] == ["FreeBSD Drivers"]
    assert [h.talk.title for h in CAL.search("yankovitch")] == ["FreeBSD Drivers"]
    assert [h.talk.title for h in CAL.search("scheduling")] == ["Preemption models"]
    assert CAL.search("quantum") == []
    assert CAL.search("   ") == []


def test_search_follows_topic_aliases() -> None:
    assert [h.talk.title for h in CAL.search("eBPF")] == ["XDP in practice"]
    assert CAL.expand("ebpf") == ["ebpf", "bpf", "xdp"]


def test_search_is_newest_first() -> None:
    hits = CAL.search("e")  # matches everything
    assert hits[0].event.id == "soon" and hits[-1].event.id == "old"


def test_speakers_by_name_or_part_of_it() -> None:
    assert [s.id for s in CAL.speakers_matching("liran ben haim")] == ["liran"]
    assert [s.id for s in CAL.speakers_matching("ben")] == ["liran"]
    assert CAL.speakers_matching("nobody") == []
    (liran,) = CAL.speakers_matching("liran")
    assert [h.talk.title for h in CAL.talks_by(liran)] == ["Preemption models"]
