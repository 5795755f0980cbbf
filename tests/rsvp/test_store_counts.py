"""The counts a card shows, read by the statements the RSVP store builds once: one meetup or
several, and always what the other process (a second Store on the same database) just wrote."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.rsvp.model import Counts, Person
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database, as two bot processes have."""
    if request.param == "sqlite":
        url, prefix = f"sqlite:///{tmp_path / 'bot.sqlite3'}", "mb_"
    else:
        if not PG_URL:
            pytest.skip("TEST_DATABASE_URL is not set")
        url, prefix = pg_url(), f"t{uuid.uuid4().hex[:10]}_"
    first, second = Store(url, prefix=prefix), Store(url, prefix=prefix)
    first.create()
    second.create()
    try:
        yield first, second
    finally:
        first.drop()
        first.close()
        second.close()


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
