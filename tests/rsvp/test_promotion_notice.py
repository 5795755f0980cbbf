"""A move up from the waitlist is told only to someone still going (issue 20's ordering drill):
capacity 1; A going, B waitlisted; A can't go, so B moves up, and B says "can't go" at once. B
never reads "A seat freed up: you are going" after their own "Noted: you can't make it"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.calendar.source import CalendarSource
from bot.rsvp.model import RsvpState
from bot.rsvp.service import person_of
from tests.rsvp.conftest import NOW, Chat, assembled, calendar, person

ONE_SEAT = """\
community:
  name: Test Kernel Meetup
  short_name: TKM
  timezone: Asia/Jerusalem
events:
  - {id: one, title: One Seat Meetup, start: 2027-01-19 19:00, capacity: 1}
"""
A, B = person(1), person(2)
FREED = "A seat freed up"


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    async with assembled(CalendarSource(calendar(ONE_SEAT)), tmp_path) as chat:
        try:
            yield chat
        finally:
            chat.sender.release.set()  # whatever a test held goes out before the core stops


async def b_waitlisted_behind_a(chat: Chat) -> None:
    assert "You are going" in await chat.say("/going one", A)
    assert "waitlist" in await chat.say("/going one", B)


async def test_a_can_t_go_answered_while_the_seat_message_is_on_its_way_comes_after_it(chat: Chat) -> None:
    await b_waitlisted_behind_a(chat)
    chat.sender.release.clear()  # private messages stay on their way until released
    await chat.say("/notgoing one", A)  # B moves up; the message to B is on its way
    await chat.sender.wait_in_flight(1)
    sent_before_reply: list[int] = []

    async def b_cannot_go() -> str:
        answer = await chat.say("/notgoing one", B)
        sent_before_reply.append(len(chat.sender.posted))  # the adapter sends the answer now
        return answer

    answering = asyncio.create_task(b_cannot_go())
    people = chat.rsvp._people
    # B's answer either overtakes the message on its way (without the per-person lock) or waits
    # for it: the lock has two users then, the message's send and B's answer.
    while not answering.done() and people.users(B.key) < 2:
        await asyncio.sleep(0.01)
    chat.sender.release.set()
    assert "can't" in (await answering).lower()
    await chat.rsvp.drain()
    freed = [n for n, (key, text) in enumerate(chat.sender.posted) if key == B.key and FREED in text]
    assert freed, "B was going when the message went out, so they were told"
    assert all(n < sent_before_reply[0] for n in freed), "B read 'a seat freed up' after 'can't make it'"
    states = {a.person.user_id: a.state for a in await chat.rsvp.attendees(chat.source.current.get("one"))}  # type: ignore[arg-type]
    assert states == {"1001": RsvpState.NOT_GOING, "1002": RsvpState.NOT_GOING}


async def test_a_can_t_go_recorded_before_the_seat_message_leaves_drops_it(chat: Chat) -> None:
    """B's answer reaches the store (here: of another process sharing it) after B moved up and
    before the message is sent: the message checks B's answer when it is sent, and says nothing."""
    await b_waitlisted_behind_a(chat)
    event = chat.source.current.get("one")
    assert event is not None
    # The service itself: it returns as soon as the move up is recorded and its message spawned,
    # before the message task has run at all.
    change = await chat.rsvp.answer(chat.source.current, event, A, False, NOW)
    assert [a.person.key for a in change.promoted] == [B.key]
    store = chat.core.announcements.store
    store.rsvp.answer(event.id, person_of(B), False, event.seats, NOW)  # at once, no await between
    await chat.rsvp.drain()
    assert [text for key, text in chat.sender.posted if key == B.key and FREED in text] == []
