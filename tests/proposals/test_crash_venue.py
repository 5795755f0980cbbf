"""kill -9 after the calendar was written, for `/accept V<n> <meetup> venue=<existing id>`: the
meetup is held at a venue already in events.yaml whose name is not the offer's, so the restart
must recognise the edit by the venue id it set, never by the offer's name. Also the same accept
failing in-process after the file was replaced: settled from the file at once.

The subprocess drill is tests/proposals/test_crash.py's (`run_bot`, MEETUP_BOT_TEST_KILL_AT).
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.calendar.loader import load_calendar_data
from bot.proposals.model import Kind, Proposal, Status, notice_key
from bot.store.store import SENT, Store
from tests.proposals.conftest import MEETUP, NOW, ORGANISER, Chat
from tests.proposals.test_crash import GOOD_NEWS, run_bot

EXISTING = "sqlink-ramat-gan"  # the shipped file's venue, named "SQLink"
OFFER = "Acme Labs"  # the offer's name: not the existing venue's


def venue_of(events: Path) -> str | None:
    event = next(e for e in load_calendar_data(events, cache=False).events if e.id == MEETUP)
    return event.venue.id if event.venue is not None else None


@pytest.mark.slow
def test_kill_after_the_write_onto_an_existing_venue_of_another_name(events: Path, db_url: str) -> None:
    original = events.read_text(encoding="utf-8")
    assert venue_of(events) is None
    store = Store(db_url)
    store.create()
    try:
        offer = Proposal(
            0, Kind.VENUE, Status.NEW, OFFER, "console:local", NOW, from_name="you", address="Acme St 1", capacity=80
        )
        number = store.proposals.add(offer).number
        command = f"/accept V{number} {MEETUP} venue={EXISTING}\n"
        code, first = run_bot(events, db_url, command, kill_at="written")
        assert code == -signal.SIGKILL, first
        cut_off = store.proposals.get(number)
        assert cut_off is not None and cut_off.status is Status.ACCEPTING and cut_off.venue_id == EXISTING
        written = events.read_text(encoding="utf-8")
        assert written != original and venue_of(events) == EXISTING

        _, restart = run_bot(events, db_url, "")
        _, again = run_bot(events, db_url, "")
        stored = store.proposals.get(number)
        assert stored is not None and stored.status is Status.ACCEPTED, (stored, restart)
        assert "waiting for review again" not in restart + again
        # The file has the one change the killed accept made: no second edit, no new venue entry.
        assert events.read_text(encoding="utf-8") == written
        venues = load_calendar_data(events, cache=False).venues
        assert [v.id for v in venues] == [EXISTING] and venues[0].name == "SQLink"
        # The proposer (the console user) is told once, by the first restart.
        assert (first + restart + again).count(GOOD_NEWS) == 1 and GOOD_NEWS in restart, restart
        assert {r.chat_key: r.state for r in store.ledger_rows(notice_key(number))} == {"console:local": SENT}
    finally:
        if store.dialect == "postgresql":
            store.drop()
        store.close()


class FailsAfterReplacing:
    """The writer's step hook: the new file is in place, then the edit raises (as a crash of the
    worker thread would), so the accept must ask the file what happened."""

    def __call__(self, name: str) -> None:
        if name == "replaced":
            raise RuntimeError("failed after the file was replaced")


@pytest.mark.parametrize("kind", [Kind.TALK, Kind.VENUE])
async def test_an_accept_failing_after_the_write_is_settled_from_the_file(chat: Chat, kind: Kind) -> None:
    if kind is Kind.TALK:
        await chat.propose()
        command = f"/accept T1 {MEETUP}"
    else:
        for line in ("/host", OFFER, "Acme St 1", "80", "-", "yes"):
            await chat.say(line)
        command = f"/accept V1 {MEETUP} venue={EXISTING}"
    writer = chat.core.proposals.writer
    assert writer is not None
    writer.step = FailsAfterReplacing()
    answer = await chat.say(command, ORGANISER)
    stored = chat.core.announcements.store.proposals.get(1)
    assert stored is not None and stored.status is Status.ACCEPTED, answer
    assert "the calendar has it" in answer and "did not accept" not in answer
    assert sum(GOOD_NEWS in t for t in chat.sender.to("4242")) == 1
