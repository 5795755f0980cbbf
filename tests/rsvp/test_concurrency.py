"""Exact counts under concurrent answers: threads on one SQLite file, and two Store instances
(two engines, as two bot processes have) on one PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.rsvp.model import Person, RsvpState
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
CAPACITY = 10


def check(store: Store, event_id: str, wanted: dict[str, bool]) -> None:
    """The invariants: one row per person, never more going than seats, nobody waiting while a
    seat is free, and exactly the people whose last answer was yes hold a seat or wait."""
    people = store.rsvp.attendees(event_id)
    assert len({a.person.key for a in people}) == len(people)
    going = [a for a in people if a.state is RsvpState.GOING]
    waiting = [a for a in people if a.state is RsvpState.WAITLIST]
    assert len(going) == min(CAPACITY, sum(wanted.values()))
    assert len(going) + len(waiting) == sum(wanted.values())
    yes = {a.person.user_id for a in going + waiting}
    assert yes == {user for user, said_yes in wanted.items() if said_yes}
    counts = store.rsvp.counts([event_id])[event_id]
    assert (counts.going, counts.waitlist) == (len(going), len(waiting))


def test_concurrent_presses_from_two_stores_keep_exact_counts(stores: tuple[Store, Store]) -> None:
    rng = random.Random(15)
    users = [str(n) for n in range(40)]
    # Each person answers several times (yes, no, yes...); only the last answer counts.
    script = [(user, rng.random() < 0.7) for user in users for _ in range(3)]
    rng.shuffle(script)
    last = {user: going for user, going in script}
    by_user: dict[str, list[bool]] = {}
    for user, going in script:
        by_user.setdefault(user, []).append(going)

    def person_presses(index: int, user: str) -> None:
        store = stores[index % 2]  # alternate "processes"
        for going in by_user[user]:
            store.rsvp.answer("m", Person("telegram", user, f"P{user}"), going, CAPACITY, NOW)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(person_presses, range(len(users)), users))
    check(stores[0], "m", last)


def test_a_burst_of_yes_fills_exactly_the_seats(stores: tuple[Store, Store]) -> None:
    def press(n: int) -> RsvpState:
        return stores[n % 2].rsvp.answer("burst", Person("slack", f"U{n}"), True, CAPACITY, NOW).after

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(press, range(60)))
    assert outcomes.count(RsvpState.GOING) == CAPACITY and outcomes.count(RsvpState.WAITLIST) == 50
    check(stores[1], "burst", {f"U{n}": True for n in range(60)})
    # The first ten to arrive hold the seats; the waitlist is served in order of arrival.
    waiting = [a for a in stores[0].rsvp.attendees("burst") if a.state is RsvpState.WAITLIST]
    first = waiting[0]
    going = next(a for a in stores[0].rsvp.attendees("burst") if a.state is RsvpState.GOING)
    change = stores[1].rsvp.answer("burst", going.person, False, CAPACITY, NOW)
    assert [a.person for a in change.promoted] == [first.person]


@pytest.mark.postgres
async def test_two_processes_on_one_postgres_fill_exactly_the_seats() -> None:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    store = Store(pg_url(), prefix=prefix)
    store.create()
    try:
        root = Path(__file__).resolve().parents[2]
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.rsvp.presser",
                prefix,
                str(first),
                "60",
                cwd=root,
                env={**os.environ, "RSVP_DATABASE_URL": pg_url()},
            )
            for first in (0, 60)
        ]
        assert [await p.wait() for p in processes] == [0, 0]
        states = [a.state for a in store.rsvp.attendees("m")]
        assert len(states) == 120
        assert states.count(RsvpState.GOING) == CAPACITY and states.count(RsvpState.WAITLIST) == 110
    finally:
        store.drop()
        store.close()
