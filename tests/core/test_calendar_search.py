"""The talk index answers exactly what a scan of every talk's text would, in the same order."""

from __future__ import annotations

import random

from bot.calendar.calendar import Calendar, TalkHit
from bot.calendar.model import Event, Speaker, Talk
from tests.conftest import calendar_from_yaml

WORDS = ("ebpf", "xdp", "bpf-based", "kernel,", "Scheduling", "rust", "io_uring", "memory", "a", "and")


def random_calendar(seed: int, meetups: int = 40) -> Calendar:
    rng = random.Random(seed)
    people = "\n".join(f"  p{i}:\n    name: Person {rng.choice(WORDS)} {i}\n    affiliation: Org {i}" for i in range(6))
    events = []
    for i in range(meetups):
        talks = "\n".join(
            f"      - title: {' '.join(rng.choices(WORDS, k=3))}\n"
            f"        abstract: {' '.join(rng.choices(WORDS, k=rng.randint(0, 6))) or '~'}\n"
            f"        speakers: [p{rng.randrange(6)}]\n"
            f"        tags: [{rng.choice(WORDS).lower()}]"
            for _ in range(rng.randint(0, 3))
        )
        events.append(
            f"  - id: m{i}\n    title: Meetup {i}\n    start: 2027-{1 + i % 12:02d}-{1 + i % 27:02d} 19:00\n"
            + (f"    talks:\n{talks}\n" if talks else "")
        )
    community = "community:\n  name: T\n  timezone: UTC\n  topic_aliases:\n    bpf: [ebpf, xdp]\n    rust: [rustlang]\n"
    return calendar_from_yaml("speakers:\n" + people + "\nevents:\n" + "".join(events), community=community)


def scan(calendar: Calendar, query: str) -> list[TalkHit]:
    """The definition: every talk whose text contains the query or one of its aliases."""
    terms = calendar.expand(query)
    if not terms[0]:
        return []
    pairs = [(e, t) for e in calendar.events for t in e.talks]
    return [TalkHit(e, t) for e, t in reversed(pairs) if any(term in text_of(e, t) for term in terms)]


def text_of(event: Event, talk: Talk) -> str:
    names = [part for s in talk.speakers for part in (s.name, s.affiliation or "")]
    return "\n".join([talk.title, talk.abstract or "", " ".join(talk.tags), *names]).lower()


def test_the_index_finds_what_a_full_scan_finds() -> None:
    queries = [
        "ebpf", "EBPF", "bpf", "xdp", "rustlang", "rust", "e", "pf-b", "kernel", "kernel,", "io_", "memory rust",
        "kernel, rust", "y me", "person", "org 3", "nothing-here", "a", "and a", " a ", "ling", "9",
    ]  # fmt: skip
    found = 0
    for seed in range(5):
        calendar = random_calendar(seed)
        for query in queries:
            expected = scan(calendar, query)
            assert calendar.search(query) == expected, (seed, query)
            found += len(expected)
    assert found > 1000  # the queries do find talks


def test_aliases_widen_a_query_but_not_a_word_that_contains_one() -> None:
    calendar = random_calendar(1)
    assert calendar.search("xdp") == calendar.search("ebpf") == calendar.search("bpf")
    assert {h.talk for h in calendar.search("bpf-based")} <= {h.talk for h in calendar.search("bpf")}
    assert calendar.search("bpf-based") == scan(calendar, "bpf-based")


def test_talks_by_a_speaker_newest_first() -> None:
    calendar = random_calendar(2)
    for i in range(6):
        speaker = Speaker(f"p{i}", "")
        expected = [h for h in reversed_all(calendar) if speaker.id in ids(h)]
        assert calendar.talks_by(speaker) == expected
        assert expected or i == 5


def reversed_all(calendar: Calendar) -> list[TalkHit]:
    return [TalkHit(e, t) for e in reversed(calendar.events) for t in reversed(e.talks)]


def ids(hit: TalkHit) -> set[str]:
    return {s.id for s in hit.talk.speakers}


def test_an_accent_typed_either_way_finds_the_same_talks() -> None:
    # "é" as one character (NFC) and as "e" with a combining acute (NFD): the same search.
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    calendar = calendar_from_yaml(
        "events:\n"
        "  - id: m1\n    title: One\n    start: 2027-01-05 19:00\n"
        f"    talks:\n      - title: Kernel {decomposed} hours\n"
        "  - id: m2\n    title: Two\n    start: 2027-02-05 19:00\n"
        f"    talks:\n      - title: The {composed.upper()} scheduler\n"
    )
    for query in (composed, decomposed, composed.upper(), f"{decomposed} hours"):
        found = [hit.event.id for hit in calendar.search(query)]
        assert found == (["m1"] if "hours" in query else ["m2", "m1"]), query
