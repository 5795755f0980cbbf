"""The counts a card shows, read by the statements the RSVP store builds once: one meetup or
several, and always what the other process (a second Store on the same database) just wrote."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.rsvp.model import Counts, Person
from bot.store.store import Store

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


def answer(store: Store, event_id: str, user: str, going: bool, seats: int | None = 2) -> None:
    store.rsvp.answer(event_id, Person("telegram", user), going, seats, NOW)


def test_counts_of_one_and_of_several_meetups(stores: tuple[Store, Store]) -> None:
    first, _ = stores
    for user in "abc":
        answer(first, "m1", user, True)  # two seats: c waits
    answer(first, "m1", "d", False)
    answer(first, "m2", "a", True)
    assert first.rsvp.counts(["m1"]) == {"m1": Counts(going=2, waitlist=1, not_going=1)}
    several = first.rsvp.counts(["m2", "m1", "none", "m2"])
    assert several == {"m2": Counts(going=1), "m1": Counts(2, 1, 1), "none": Counts()}
    assert list(several) == ["m2", "m1", "none"]  # in the order asked, each once
    assert first.rsvp.counts([]) == {}


def test_a_card_read_in_one_process_shows_what_the_other_just_wrote(stores: tuple[Store, Store]) -> None:
    first, second = stores
    assert second.rsvp.counts(["m"]) == {"m": Counts()}  # the statement is compiled and cached now
    answer(first, "m", "a", True)
    assert second.rsvp.counts(["m"]) == {"m": Counts(going=1)}
    answer(first, "m", "b", True)
    answer(first, "m", "a", False)  # a gives up the seat
    assert second.rsvp.counts(["m"])["m"] == Counts(going=1, not_going=1)
    assert second.rsvp.counts(["m", "x"])["m"] == Counts(going=1, not_going=1)
