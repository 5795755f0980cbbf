"""Check-in by hand (`/checkin <code or name>`), walk-ins, who came on the guest list and on a past
meetup's card, and the race of two organisers scanning one code at once."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.cli import main
from bot.chat.messages import ChatRef
from bot.store.store import Store
from tests.host.conftest import NOW
from tests.rsvp.conftest import GROUP, ORGANISER, Chat, person

HERE = ChatRef("telegram", "42", is_private=True)  # the organiser's private chat


async def test_checkin_by_name_token_and_walk_in(chat: Chat) -> None:
    dana, daniel = person(1), person(2)
    for who in (dana, daniel):
        await chat.say("/going tower-night", who, GROUP)
    await chat.say("/myname Dana Levi", dana, ChatRef("telegram", dana.user_id, is_private=True))

    assert "only the community's organisers" in await chat.say("/checkin Dana Levi", daniel, GROUP)
    assert await chat.say("/checkin dana levi", ORGANISER, HERE) == "✅ Dana Levi is in — 1 of 2."
    assert "2 people match “Person”" in await chat.say("/checkin Person", ORGANISER, HERE)
    assert await chat.say("/checkin @p2", ORGANISER, HERE) == "✅ Person 2 is in — 2 of 2."
    walk_in = await chat.say("/checkin Walter Walker", ORGANISER, HERE)
    assert walk_in == "✅ Walter Walker is in (walk-in: not on the list) — 3 of 2."
    assert "already" in await chat.say("/checkin walter walker", ORGANISER, HERE)  # the walk-in, found again

    store = chat.core.announcements.store
    token = store.guests.code("tower-night", daniel.key)
    assert "Person 2 was checked in already" in await chat.say(f"/checkin {token}", ORGANISER, HERE)

    listed = await chat.say("/attendees tower-night", ORGANISER, HERE)
    assert "2 came" not in listed and "3 came" in listed  # the walk-in counts
    assert "Person 1 (@p1) — telegram · full name: Dana Levi · ✅ came" in listed
    assert "Walter Walker — ✅ came" in listed


async def test_the_code_reaches_a_person_going_once_and_checkin_alone_shows_it_again(chat: Chat) -> None:
    dana = person(1)
    await chat.say("/going tower-night", dana, GROUP)
    await chat.rsvp.drain()
    codes = [t for t in chat.private(dana) if "Your check-in code for Tower Night" in t]
    assert len(codes) == 1 and "checkin-tower-night.png" in codes[0]
    await chat.say("/notgoing tower-night", dana, GROUP)
    await chat.say("/going tower-night", dana, GROUP)
    await chat.rsvp.run_periodic()  # the job that sends codes falling due: nothing twice
    await chat.rsvp.drain()
    assert len([t for t in chat.private(dana) if "Your check-in code" in t]) == 1
    again = await chat.say("/checkin", dana, ChatRef("telegram", dana.user_id, is_private=True))
    token = chat.core.announcements.store.guests.code("tower-night", dana.key)
    assert f"Code: {token}" in again


async def test_codes_fall_due_two_days_ahead(chat: Chat) -> None:
    early = person(5)
    await chat.say("/going cafe-night", early, GROUP)  # five weeks ahead: no code yet
    await chat.rsvp.drain()
    assert not [t for t in chat.private(early) if "check-in code" in t]
    chat.clock.advance(timedelta(days=36))  # 2027-02-15: the day before Cafe Night
    await chat.rsvp.run_periodic()
    await chat.rsvp.drain()
    assert len([t for t in chat.private(early) if "Your check-in code for Cafe Night" in t]) == 1


async def test_a_past_meetups_card_shows_how_many_came_and_the_csv_has_it(
    chat: Chat, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (1, 2, 3):
        await chat.say("/going tower-night", person(n), GROUP)
    await chat.say("/checkin @p1", ORGANISER, HERE)
    await chat.say("/checkin @p3", ORGANISER, HERE)
    chat.clock.advance(timedelta(days=2))  # the evening is over
    card = await chat.say("/event tower-night", person(9), GROUP)
    assert "👥 3 said they were coming · 2 came" in card

    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("EVENTS_FILE", str(tmp_path / "events.yaml"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    capsys.readouterr()
    assert main(["attendees", "tower-night"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    came = {r["username"]: r["checked_in_at"] for r in rows}
    assert came["p1"].startswith("2027-01-10T10:00:00+02:00") and came["p2"] == ""


@pytest.mark.parametrize("round_", range(3))
def test_two_organisers_scanning_one_code_at_once_check_in_once(stores: tuple[Store, Store], round_: int) -> None:
    """Two processes (two stores on one database: SQLite, then PostgreSQL) check the same person in
    at the same instant: exactly one is told "is in". Without `WHERE checked_in_at IS NULL` in
    GuestStore.check_in both are."""
    first, second = stores
    first.guests.code("m", "telegram:1")
    barrier = threading.Barrier(2)
    results = []

    def scan(store: Store, by: str) -> None:
        barrier.wait()
        results.append(store.guests.check_in("m", "telegram:1", by, NOW))

    threads = [threading.Thread(target=scan, args=(s, f"telegram:{n}")) for s, n in ((first, 42), (second, 43))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.first for r in results) == [False, True]
    assert first.guests.came(["m"]) == {"m": 1}


async def test_tokens_are_unguessable_and_per_person_per_meetup(chat: Chat) -> None:
    guests = chat.core.announcements.store.guests
    tokens = {await asyncio.to_thread(guests.code, m, f"telegram:{n}") for m in ("a", "b") for n in range(50)}
    assert len(tokens) == 100 and all(len(t) >= 22 for t in tokens)
    assert guests.code("a", "telegram:1") == guests.code("a", "telegram:1")


def test_two_answers_at_once_ask_for_the_full_name_once(stores: tuple[Store, Store]) -> None:
    """Two /going of one person handled at once (two processes): one asks. The insert's primary
    key decides (GuestStore.ask_once); a read-then-write would let both ask."""
    barrier = threading.Barrier(2)
    asked = []

    def ask(store: Store) -> None:
        barrier.wait()
        asked.append(store.guests.ask_once("telegram:1", NOW))

    threads = [threading.Thread(target=ask, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(asked) == [False, True]
