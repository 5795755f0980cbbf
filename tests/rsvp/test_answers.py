"""/going, /notgoing, /mine, /attendees through the assembled core: capacity, waitlist,
promotion with a private message, one answer per person, closing at the start, cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.announce.rules import Kind, due_between
from bot.chat.messages import ChatRef
from bot.chat.reply import Buttons, ReplyTarget
from bot.rsvp.model import RsvpState
from tests.rsvp.conftest import CALENDAR, GROUP, ORGANISER, Chat, calendar, person

PRIVATE = ChatRef("telegram", "42", is_private=True)


async def states(chat: Chat, event_id: str) -> dict[str, RsvpState]:
    return {a.person.user_id: a.state for a in await chat.rsvp.attendees(chat.source.current.get(event_id))}  # type: ignore[arg-type]


async def test_capacity_two_with_three_answers_gives_a_waitlist_and_promotion(chat: Chat) -> None:
    assert "You are going to Tiny Meetup" in await chat.say("/going tiny", person(1))
    assert "You are going" in await chat.say("/going tiny", person(2))
    third = await chat.say("/going tiny", person(3))
    assert "full: you are number 1 on the waitlist" in third
    assert await states(chat, "tiny") == {"1001": "going", "1002": "going", "1003": "waitlist"}

    assert "Your seat goes to the next person" in await chat.say("/notgoing tiny", person(1))
    assert await states(chat, "tiny") == {"1001": "not_going", "1002": "going", "1003": "going"}
    await chat.rsvp.drain()
    told = chat.private(person(3))
    assert len(told) == 1 and "A seat freed up: you are going to Tiny Meetup" in told[0]
    assert chat.private(person(1)) == [] and chat.private(person(2)) == []


async def test_one_answer_per_person(chat: Chat) -> None:
    await chat.say("/going tiny", person(1))
    again = await chat.say("/going tiny", person(1))
    assert "already going" in again
    # The same person pressing on two messages in two chats: still one answer.
    for message_id, where in (("7", ChatRef("telegram", "-1001")), ("9", ChatRef("telegram", "-2002"))):
        await chat.replies("/going tiny", person(1), where, pressed=True, message_id=message_id)
    assert (await chat.rsvp.counts([chat.source.current.get("tiny")]))["tiny"].going == 1  # type: ignore[list-item]


async def test_no_name_means_the_next_meetup_and_mine_lists_it(chat: Chat) -> None:
    assert "Tiny Meetup" in await chat.say("/going", person(1))
    await chat.say("/going open", person(1))
    mine = await chat.say("/mine", person(1))
    assert mine.index("Tiny Meetup") < mine.index("Open Meetup")
    await chat.say("/notgoing", person(1))
    assert "Tiny Meetup" not in await chat.say("/mine", person(1))
    assert "not said you are going" in await chat.say("/mine", person(2))


async def test_capacity_comes_from_the_venue(chat: Chat) -> None:
    for n in range(1, 5):
        await chat.say("/going roomy", person(n))
    assert list((await states(chat, "roomy")).values()).count(RsvpState.WAITLIST) == 1


async def test_answers_close_when_the_meetup_starts(chat: Chat) -> None:
    chat.clock.advance(timedelta(days=9, hours=9))  # 19 Jan 19:00 local is 17:00 UTC
    assert "has started" in await chat.say("/going tiny", person(1))
    assert "answers are closed" in await chat.say("/notgoing tiny", person(1))
    assert "Old Meetup has started" in await chat.say("/going old", person(1))


async def test_press_updates_the_card_in_place_and_answers_the_presser(chat: Chat) -> None:
    first = await chat.replies("/going tiny", person(1), pressed=True, message_id="5")
    second = await chat.replies("/going tiny", person(2), pressed=True, message_id="5")
    card, note = second
    assert card.target is ReplyTarget.SOURCE_MESSAGE and note.target is ReplyTarget.PRESSER
    assert "2 going · full" in card.plain_text() and "You are going" in note.plain_text()
    assert card.revision is not None and first[0].revision is not None and card.revision > first[0].revision
    buttons = [b for block in card.blocks if isinstance(block, Buttons) for b in block.buttons]
    assert [b.command for b in buttons] == ["/going tiny", "/notgoing tiny"]


async def test_next_and_event_cards_carry_count_and_buttons(chat: Chat) -> None:
    await chat.say("/going tiny", person(1))
    card = await chat.say("/next", person(2))
    assert "👥 1 going · 2 seats" in card and "[✅ Going: /going tiny]" in card
    assert "👥 0 going" in await chat.say("/event open", person(2))
    old = await chat.say("/event old", person(2))
    assert "Going" not in old and "👥" not in old  # past, nobody answered: no line, no buttons


async def test_a_press_on_a_cancelled_meetup_shows_its_current_state(chat: Chat) -> None:
    await chat.say("/going tiny", person(1))
    chat.source.replace(calendar(CALENDAR.replace("capacity: 2}", "capacity: 2, status: cancelled}")))
    card, note = await chat.replies("/going tiny", person(2), pressed=True, message_id="5")
    assert card.target is ReplyTarget.SOURCE_MESSAGE and "CANCELLED" in card.plain_text()
    assert not any(isinstance(b, Buttons) for b in card.blocks)
    assert "is cancelled" in note.plain_text()


async def test_a_cancelled_meetup_tells_who_said_yes_privately_once(chat: Chat) -> None:
    for n in (1, 2, 3):
        await chat.say("/going tiny", person(n))  # two going, one waiting
    await chat.say("/notgoing open", person(4))
    await chat.say("/going open", person(5))
    cancelled = calendar(CALENDAR.replace("capacity: 2}", "capacity: 2, status: cancelled}"))
    chat.source.replace(cancelled)
    await chat.rsvp.drain()
    for n in (1, 2, 3):
        assert [t for t in chat.private(person(n)) if "Cancelled: Tiny Meetup" in t] != []
    assert chat.private(person(4)) == [] and chat.private(person(5)) == []
    chat.source.replace(cancelled)  # another reload, or another process: nobody is told twice
    chat.rsvp.start(cancelled)
    await chat.rsvp.drain()
    assert sum(len(chat.private(person(n))) for n in (1, 2, 3)) == 3


async def test_attendees_is_for_organisers_and_names_only_in_private(chat: Chat) -> None:
    await chat.say("/going tiny", person(1))
    await chat.say("/going tiny", person(2))
    await chat.say("/going tiny", person(3))
    assert "Only the community's organisers" in await chat.say("/attendees tiny", person(1))
    in_group = await chat.say("/attendees tiny", ORGANISER)
    assert "2 going · full · 1 on the waitlist" in in_group and "Person 1" not in in_group
    private = await chat.say("/attendees tiny", ORGANISER, PRIVATE)
    assert private.index("1. Person 1 (@p1)") < private.index("2. Person 2") < private.index("Waitlist")
    assert "1. Person 3 (@p3)" in private.split("Waitlist")[1]
    assert "said they were coming" in await chat.say("/attendees old", ORGANISER, PRIVATE)


async def test_forget_deletes_answers_and_frees_the_seat(chat: Chat) -> None:
    for n in (1, 2, 3):
        await chat.say("/going tiny", person(n))
    await chat.say("/notgoing open", person(1))
    said = await chat.say("/forget", person(1))
    assert "your answers to 2 meetups" in said
    assert await states(chat, "tiny") == {"1002": "going", "1003": "going"}
    await chat.rsvp.drain()
    assert len(chat.private(person(3))) == 1


async def test_bad_arguments_get_a_clear_answer(chat: Chat) -> None:
    assert "No meetup with id “nope”" in await chat.say("/going nope", person(1))
    assert "Usage: /going [meetup]" in await chat.say("/going a b", person(1))
    assert "There are 3 upcoming meetups" in await chat.say("/notgoing 9", person(1))


async def test_a_reminder_carries_the_count_and_the_buttons(chat: Chat) -> None:
    await chat.say("/going tiny", person(1))
    plan = due_between(chat.source.current, datetime(2027, 1, 18, tzinfo=UTC), datetime(2027, 1, 19, tzinfo=UTC))
    [reminder] = [a for a in plan if a.kind is Kind.REMINDER]
    outcome = await chat.core.announcements.announcer.run(reminder, [GROUP])
    assert outcome.sent == 1
    [(where, text)] = chat.sender.posted
    assert where == GROUP.key and text.startswith("⏰ Reminder: Tiny Meetup")
    assert "👥 1 going · 2 seats" in text and "[✅ Going: /going tiny]" in text


async def test_a_press_on_a_moved_meetup_answers_with_its_new_date(chat: Chat) -> None:
    chat.source.replace(calendar(CALENDAR.replace("start: 2027-01-19 19:00", "start: 2027-01-21 18:30")))
    card, note = await chat.replies("/going tiny", person(1), pressed=True, message_id="5")
    assert "Thursday, 21 January 2027, 18:30" in card.plain_text() and "1 going · 2 seats" in card.plain_text()
    assert "(Thu 21 Jan 2027, 18:30)" in note.plain_text()


async def test_a_capacity_raised_in_events_yaml_moves_the_waitlist_up(chat: Chat) -> None:
    for n in (1, 2, 3, 4):
        await chat.say("/going tiny", person(n))
    chat.source.replace(calendar(CALENDAR.replace("capacity: 2}", "capacity: 3}")))
    assert "2 going" not in await chat.say("/going tiny", person(1))  # the next answer applies it
    assert list((await states(chat, "tiny")).values()).count(RsvpState.GOING) == 3
    await chat.rsvp.drain()
    assert len(chat.private(person(3))) == 1 and chat.private(person(4)) == []
