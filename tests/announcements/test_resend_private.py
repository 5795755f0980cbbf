"""`/resend <key>` for the private messages in the delivery ledger (bot/resend.py): a move notice,
a check-in code, a proposer's decision notice and a /tellgoing text in doubt are rebuilt by their
owners and sent once more to the people in doubt only, through the send-once claim; what cannot
be rebuilt is said, with why, and a key of no known kind gets a clear answer.

The core is assembled as `meetup-bot run` assembles it (tests/rsvp/conftest.py `assembled`), and
the far side of the Sender protocol is a RecordingSender whose `script` makes a send time out
(`SendError(maybe_delivered=True)`): the platform may or may not have posted it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from bot.announce.outbound import Sender, SendError
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef, UserRef
from bot.resend import Rebuilders, Rebuilt, send_again
from bot.rsvp.private import Sent
from bot.store.kinds import LedgerState
from tests.rsvp.conftest import CALENDAR, NOW, ORGANISER, Chat, assembled, calendar, person

SECOND_ORGANISER = UserRef("telegram", "43", "Dana Organiser", "dana")
ORGANISERS = CALENDAR.replace('organisers: ["telegram:42"]', 'organisers: ["telegram:42", "telegram:43"]')
MOVED = ORGANISERS.replace("start: 2027-01-19 19:00, capacity: 2", "start: 2027-01-20 19:30, capacity: 2")
MOVED_AGAIN = ORGANISERS.replace("start: 2027-01-19 19:00, capacity: 2", "start: 2027-01-21 19:30, capacity: 2")
MOVE_KEY = "rsvp-moved:tiny:2027-01-20T17:30:00+00:00"  # 19:30 in Tel Aviv is 17:30 UTC in January
NOT_AN_ORGANISER = person(9)


def private(user: UserRef) -> ChatRef:
    return ChatRef(user.platform, user.user_id, is_private=True)


def times_out(chat: Chat, *people: UserRef) -> Callable[[ChatRef, int], SendError | None]:
    """A script: the next send to each of `people` times out (it may have been posted); every
    other send, and every later one to them, goes through."""
    before = dict(chat.sender.attempts)
    keys = {p.key for p in people}

    def script(target: ChatRef, attempt: int) -> SendError | None:
        if target.key in keys and attempt == before.get(target.key, 0) + 1:
            return SendError("no answer from Telegram; it may have been delivered", maybe_delivered=True)
        return None

    return script


def states(chat: Chat, key: str) -> dict[str, LedgerState]:
    return {r.chat_key: r.state for r in chat.core.announcements.store.ledger_rows(key)}


async def resend(chat: Chat, key: str, by: UserRef = ORGANISER) -> str:
    return await chat.say(f"/resend {key}", by, private(by))


def moves(chat: Chat, user: UserRef) -> list[str]:
    return [t for t in chat.private(user) if "📅 Moved: Tiny Meetup" in t]


async def move_in_doubt_for(chat: Chat, *people: UserRef) -> None:
    """Persons 1-3 said yes to Tiny Meetup (1 and 2 going, 3 waiting); it moves, and the notice
    to each of `people` times out."""
    for n in (1, 2, 3):
        await chat.say("/going tiny", person(n))
    chat.sender.script = times_out(chat, *people)
    chat.source.replace(calendar(MOVED))
    await chat.rsvp.drain()


# ---- a move notice ----------------------------------------------------------------------------


async def test_a_move_notice_in_doubt_is_resent_once_to_that_person_only(tmp_path: Path) -> None:
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        doubtful = person(2)
        await move_in_doubt_for(chat, doubtful)
        assert states(chat, MOVE_KEY) == {
            person(1).key: LedgerState.SENT,
            doubtful.key: LedgerState.UNCERTAIN,
            person(3).key: LedgerState.SENT,
        }
        assert [len(moves(chat, person(n))) for n in (1, 2, 3)] == [1, 0, 1]

        refused = await resend(chat, MOVE_KEY, NOT_AN_ORGANISER)
        assert "only the community's organisers" in refused
        assert states(chat, MOVE_KEY)[doubtful.key] is LedgerState.UNCERTAIN and moves(chat, doubtful) == []

        answer = await resend(chat, MOVE_KEY)
        assert answer == f"🔁 Resent {MOVE_KEY} to 1 person ({doubtful.key})."
        [notice] = moves(chat, doubtful)
        assert "now on Wed 20 Jan 2027, 19:30" in notice and "/notgoing tiny" in notice
        assert [len(moves(chat, person(n))) for n in (1, 3)] == [1, 1]  # the others: not again
        assert set(states(chat, MOVE_KEY).values()) == {LedgerState.SENT}

        again = await resend(chat, MOVE_KEY)
        assert (
            again
            == f"Nothing of {MOVE_KEY} is in doubt: it reached every chat or person it was for, or it was never sent."
        )
        assert len(moves(chat, doubtful)) == 1


async def test_two_organisers_resending_at_once_send_it_once(tmp_path: Path) -> None:
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        doubtful = person(2)
        await move_in_doubt_for(chat, doubtful)
        answers = await asyncio.gather(resend(chat, MOVE_KEY), resend(chat, MOVE_KEY, SECOND_ORGANISER))
        assert len(moves(chat, doubtful)) == 1, answers
        assert sum("🔁 Resent" in a and "to 1 person" in a for a in answers) == 1, answers
        assert states(chat, MOVE_KEY)[doubtful.key] is LedgerState.SENT


async def test_two_resends_both_past_the_ledger_read_still_send_it_once(tmp_path: Path) -> None:
    """The race above, pinned: both /resend read the row in doubt before either reopens it. The
    reopen (one conditional update) gives the row to one of them, and the send-once claim would
    stop the other even so."""
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        doubtful = person(2)
        await move_in_doubt_for(chat, doubtful)
        command = chat.core.registry.get("resend")
        assert command is not None
        rebuilders: Rebuilders = command.handler.__self__.rebuilders  # type: ignore[attr-defined]
        rebuild = rebuilders.find(MOVE_KEY)
        assert rebuild is not None
        rebuilt = await rebuild(MOVE_KEY, [doubtful.key], chat.source.current, chat.clock())
        assert isinstance(rebuilt, Rebuilt)
        store, delivery = chat.core.announcements.store, chat.core.announcements.delivery

        def senders() -> Mapping[str, Sender]:
            return delivery.senders

        both = await asyncio.gather(
            *(send_again(store, senders, delivery.owner, MOVE_KEY, [doubtful.key], rebuilt) for _ in "ab")
        )
        assert len(moves(chat, doubtful)) == 1
        outcomes = [r.results.get(doubtful.key) for r in both]
        assert outcomes.count(Sent.SENT) == 1 and set(outcomes) <= {Sent.SENT, Sent.ALREADY, None}, outcomes
        assert sum(doubtful.key in r.raced or r.results.get(doubtful.key) is Sent.ALREADY for r in both) == 1
        assert states(chat, MOVE_KEY)[doubtful.key] is LedgerState.SENT


async def test_a_person_who_has_since_said_no_is_not_sent_it_again(tmp_path: Path) -> None:
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        await move_in_doubt_for(chat, person(2), person(3))
        await chat.say("/notgoing tiny", person(3))  # on the waitlist, now not coming at all
        answer = await resend(chat, MOVE_KEY)
        assert f"Resent {MOVE_KEY} to 1 person ({person(2).key})." in answer
        assert f"Not resent to {person(3).key}: they have since said they can't come." in answer
        assert len(moves(chat, person(2))) == 1 and moves(chat, person(3)) == []
        assert states(chat, MOVE_KEY)[person(3).key] is LedgerState.UNCERTAIN  # left as it was


async def test_a_move_notice_the_meetup_moved_on_from_is_not_rebuilt(tmp_path: Path) -> None:
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        await move_in_doubt_for(chat, person(2))
        chat.source.replace(calendar(MOVED_AGAIN))  # the next move is told (person 2 too)
        await chat.rsvp.drain()
        sent = len(chat.sender.posted)
        answer = await resend(chat, MOVE_KEY)
        assert answer.startswith(f"I cannot send {MOVE_KEY} again: Tiny Meetup has moved again since")
        assert "rsvp-moved:tiny:2027-01-21T17:30:00+00:00" in answer
        assert "calendar no longer has it" not in answer
        assert len(chat.sender.posted) == sent
        assert states(chat, MOVE_KEY)[person(2).key] is LedgerState.UNCERTAIN


async def test_a_move_notice_is_not_rebuilt_once_the_meetup_is_cancelled_or_gone(tmp_path: Path) -> None:
    cancelled = MOVED.replace(
        "start: 2027-01-20 19:30, capacity: 2}", "start: 2027-01-20 19:30, capacity: 2, status: cancelled}"
    )
    gone = "\n".join(line for line in MOVED.splitlines() if "id: tiny" not in line)
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        await move_in_doubt_for(chat, person(2))
        chat.source.replace(calendar(cancelled))
        await chat.rsvp.drain()
        sent = len(chat.sender.posted)
        answer = await resend(chat, MOVE_KEY)
        assert answer.startswith(f"I cannot send {MOVE_KEY} again: Tiny Meetup has been cancelled since.")
        assert "told that instead (rsvp-cancelled:tiny)" in answer
        chat.source.replace(calendar(gone))
        answer = await resend(chat, MOVE_KEY)
        assert answer.startswith(f"I cannot send {MOVE_KEY} again: the meetup tiny is no longer in the calendar.")
        assert len(chat.sender.posted) == sent
        assert states(chat, MOVE_KEY)[person(2).key] is LedgerState.UNCERTAIN


async def test_someone_on_a_platform_not_running_here_is_left_in_doubt(tmp_path: Path) -> None:
    on_slack = UserRef("slack", "U0SLACK1", "Sam")
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        await chat.say("/going tiny", on_slack, ChatRef("slack", "C0GROUP"))
        await move_in_doubt_for(chat, person(2))
        # A process serving Slack crashed mid-send: its claim expired into doubt.
        store = chat.core.announcements.store
        assert store.claim(MOVE_KEY, on_slack.key, "crashed")
        assert store.mark_uncertain(MOVE_KEY, on_slack.key, "crashed", "claim expired")
        answer = await resend(chat, MOVE_KEY)
        assert f"Resent {MOVE_KEY} to 1 person ({person(2).key})." in answer
        assert f"Not resent to {on_slack.key}: I am not connected to slack right now." in answer
        # Not reopened: a process that serves Slack may resend it once an organiser asks there.
        assert states(chat, MOVE_KEY)[on_slack.key] is LedgerState.UNCERTAIN


# ---- a cancellation notice --------------------------------------------------------------------


async def test_a_cancellation_in_doubt_is_resent_and_not_once_the_meetup_is_back_on(tmp_path: Path) -> None:
    key = "rsvp-cancelled:tiny"
    cancelled = ORGANISERS.replace("capacity: 2}", "capacity: 2, status: cancelled}")
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        for n in (1, 2):
            await chat.say("/going tiny", person(n))
        chat.sender.script = times_out(chat, person(1), person(2))
        chat.source.replace(calendar(cancelled))
        await chat.rsvp.drain()
        assert set(states(chat, key).values()) == {LedgerState.UNCERTAIN}

        def told(user: UserRef) -> list[str]:
            return [t for t in chat.private(user) if "❌ Cancelled: Tiny Meetup" in t]

        assert await resend(chat, key) == f"🔁 Resent {key} to 2 people ({person(1).key}, {person(2).key})."
        assert [len(told(person(n))) for n in (1, 2)] == [1, 1]

        # One more in doubt (a crash mid-send), and then the meetup is back on.
        store = chat.core.announcements.store
        assert store.claim(key, person(3).key, "crashed") and store.mark_uncertain(key, person(3).key, "crashed", "?")
        chat.source.replace(calendar(ORGANISERS))
        answer = await resend(chat, key)
        assert answer.startswith(f"I cannot send {key} again: Tiny Meetup is not cancelled in the calendar any more")
        assert "/tellgoing tiny <text>" in answer
        assert told(person(3)) == []


# ---- a check-in code --------------------------------------------------------------------------


async def test_a_check_in_code_in_doubt_is_resent_once_to_that_person_only(tmp_path: Path) -> None:
    key = "checkin-code:tiny"
    day_before = datetime(2027, 1, 18, 8, 0, tzinfo=NOW.tzinfo)  # within two days: codes go out
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path, day_before) as chat:
        doubtful, sure = person(2), person(1)
        await chat.say("/help", ORGANISER, ChatRef("telegram", "42", is_private=True))  # where to tell her
        chat.sender.script = times_out(chat, doubtful)
        for who in (sure, doubtful):
            await chat.say("/going tiny", who)
        await chat.rsvp.drain()
        assert states(chat, key) == {sure.key: LedgerState.SENT, doubtful.key: LedgerState.UNCERTAIN}
        # The organisers are told, with what to type once they checked.
        [doubt] = [t for t in chat.private(ORGANISER) if "may or may not have reached" in t]
        assert "The check-in code for Tiny Meetup may or may not have reached Person 2." in doubt
        assert f"/resend {key}" in doubt

        def codes(user: UserRef) -> list[str]:
            return [t for t in chat.private(user) if "Your check-in code for Tiny Meetup" in t]

        assert len(codes(sure)) == 1 and codes(doubtful) == []

        assert "only the community's organisers" in await resend(chat, key, NOT_AN_ORGANISER)
        assert codes(doubtful) == []

        assert await resend(chat, key) == f"🔁 Resent {key} to 1 person ({doubtful.key})."
        token = chat.core.announcements.store.guests.code("tiny", doubtful.key)
        [code] = codes(doubtful)
        assert f"Code: {token}" in code  # their own code, the one the door knows
        assert len(codes(sure)) == 1

        assert "Nothing of checkin-code:tiny is in doubt" in await resend(chat, key)
        assert len(codes(doubtful)) == 1


async def test_a_check_in_code_is_not_resent_to_someone_without_a_seat_nor_after_the_meetup(tmp_path: Path) -> None:
    key = "checkin-code:tiny"
    day_before = datetime(2027, 1, 18, 8, 0, tzinfo=NOW.tzinfo)
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path, day_before) as chat:
        chat.sender.script = times_out(chat, person(1), person(2))
        for n in (1, 2):
            await chat.say("/going tiny", person(n))
        await chat.rsvp.drain()
        await chat.say("/notgoing tiny", person(2))
        sent = len(chat.sender.posted)
        chat.clock.advance(timedelta(days=2))  # 2027-01-20: Tiny Meetup is over
        over = await resend(chat, key)
        assert over.startswith(f"I cannot send {key} again: Tiny Meetup is over.")
        assert len(chat.sender.posted) == sent
        chat.clock.now = day_before
        answer = await resend(chat, key)
        assert f"Resent {key} to 1 person ({person(1).key})." in answer
        assert f"Not resent to {person(2).key}: they have no seat any more." in answer
        assert len(chat.sender.posted) == sent + 1


# ---- a proposer's decision notice -------------------------------------------------------------


async def propose(chat: Chat, user: UserRef, title: str) -> None:
    for line in ("/propose", title, "What it covers.", user.display_name or "A speaker", "english", "yes"):
        await chat.say(line, user, private(user))


async def test_a_decision_notice_in_doubt_is_resent_once_to_its_proposer_only(tmp_path: Path) -> None:
    ada, bob = UserRef("telegram", "4242", "Ada"), UserRef("telegram", "4343", "Bob")
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        await propose(chat, ada, "XDP for beginners")
        await propose(chat, bob, "eBPF in anger")
        chat.sender.script = times_out(chat, bob)
        assert "I could not" not in await chat.say("/decline T1 Full this season", ORGANISER, private(ORGANISER))
        decided = await chat.say("/decline T2 Full this season", ORGANISER, private(ORGANISER))
        assert "may or may not have got my message" in decided and "/resend proposal-decided:2" in decided
        key = "proposal-decided:2"
        assert states(chat, key) == {bob.key: LedgerState.UNCERTAIN}

        def notices(user: UserRef) -> list[str]:
            return [t for t in chat.private(user) if "The organisers decided not to take it" in t]

        assert len(notices(ada)) == 1 and notices(bob) == []

        assert "only the community's organisers" in await resend(chat, key, ada)
        assert notices(bob) == []

        assert await resend(chat, key) == f"🔁 Resent {key} to 1 person ({bob.key})."
        [notice] = notices(bob)
        assert "eBPF in anger" in notice and "Their reason: Full this season" in notice
        assert len(notices(ada)) == 1  # the other proposer: not again
        assert states(chat, key) == {bob.key: LedgerState.SENT}

        assert "Nothing of proposal-decided:2 is in doubt" in await resend(chat, key)
        assert len(notices(bob)) == 1


# ---- a /tellgoing text ------------------------------------------------------------------------


async def test_a_tellgoing_text_in_doubt_is_resent_and_one_since_forgotten_is_explained(tmp_path: Path) -> None:
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        for n in (1, 2, 3):
            await chat.say("/going open", person(n))
        chat.sender.script = times_out(chat, person(2), person(3), person(4))
        await chat.say("/going open", person(4))
        told = await chat.say("/tellgoing open The room moved to floor 3.", ORGANISER, private(ORGANISER))
        assert "In doubt, not resent" in told and "If they did not get it: /resend tellgoing:open:1" in told
        await chat.say("/notgoing open", person(4))

        def texts(user: UserRef) -> list[str]:
            return [t for t in chat.private(user) if "The room moved to floor 3." in t]

        answer = await resend(chat, "tellgoing:open:1")
        assert answer.startswith(f"🔁 Resent tellgoing:open:1 to 2 people ({person(2).key}, {person(3).key}).")
        assert f"Not resent to {person(4).key}: they are no longer going." in answer
        assert [len(texts(person(n))) for n in (1, 2, 3, 4)] == [1, 1, 1, 0]

        # A second text in doubt, whose author then asks to be forgotten: the text is gone.
        chat.sender.script = times_out(chat, person(2))
        await chat.say("/tellgoing open Bring your ID.", SECOND_ORGANISER, private(SECOND_ORGANISER))
        await chat.say("/forget", SECOND_ORGANISER, private(SECOND_ORGANISER))
        sent = len(chat.sender.posted)
        gone = await resend(chat, "tellgoing:open:2")
        assert gone.startswith("I cannot send tellgoing:open:2 again: its text is no longer stored")
        assert "asked me to forget" in gone and "/tellgoing open <text>" in gone
        assert len(chat.sender.posted) == sent


# ---- keys of no known kind --------------------------------------------------------------------


async def test_a_key_of_no_known_kind_gets_a_clear_answer(tmp_path: Path) -> None:
    async with assembled(CalendarSource(calendar(ORGANISERS)), tmp_path) as chat:
        for typed in ("hello:world", "T2"):
            answer = await resend(chat, typed)
            assert answer.startswith(f"I don't know what “{typed}” is, so nothing was sent."), answer
            for kind in ("reminder:", "broadcast:", "rsvp-moved:", "checkin-code:", "proposal-decided:", "tellgoing:"):
                assert kind in answer
        assert "only the community's organisers" in await resend(chat, "hello:world", NOT_AN_ORGANISER)
        assert chat.sender.posted == []
        # A known kind with nothing in the ledger: nothing in doubt, as for an announcement.
        assert "Nothing of checkin-code:nowhere is in doubt" in await resend(chat, "checkin-code:nowhere")
