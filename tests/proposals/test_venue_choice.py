"""The organiser's choice for a venue offer that looks like a venue already in the file (issue
19, item 6), through the assembled core: the refusal names the exact commands, and
`/accept V1 <meetup> venue=<id>` or `venue=new` makes the choice."""

from __future__ import annotations

from pathlib import Path

from bot.calendar.loader import load_calendar_data, parse_calendar
from bot.proposals.model import Status
from tests.conftest import SHIPPED_EVENTS
from tests.proposals.conftest import MEETUP, ORGANISER, Chat

EXISTING = "sqlink-ramat-gan"  # the shipped file's venue: name and host "SQLink"


async def offer(chat: Chat, name: str = "SQLink") -> None:
    for line in ("/host", name, "Other offices, Tel Aviv", "120", "-"):
        await chat.say(line)
    assert "Your venue offer is V1" in await chat.say("yes")


def calendar_file(chat: Chat) -> Path:
    path = chat.core.bot.source.path
    assert path is not None
    return path


def status(chat: Chat) -> Status:
    found = chat.core.announcements.store.proposals.get(1)
    assert found is not None
    return found.status


async def test_the_refusal_names_the_commands_and_changes_nothing(chat: Chat) -> None:
    await offer(chat)
    before = calendar_file(chat).read_text()
    answer = await chat.say(f"/accept V1 {MEETUP}", ORGANISER)
    assert f"already has a venue {EXISTING} (SQLink, SQLink offices, Ramat Gan)" in answer
    assert f"/accept V1 {MEETUP} venue={EXISTING}" in answer
    assert f"/accept V1 {MEETUP} venue=new" in answer
    assert calendar_file(chat).read_text() == before and status(chat) is Status.NEW
    # Without a meetup named (the button), the commands name the meetup the accept chose.
    assert f"/accept V1 {MEETUP} venue={EXISTING}" in await chat.say("/accept V1", ORGANISER)


async def test_venue_existing_holds_the_meetup_there(chat: Chat) -> None:
    await offer(chat)
    answer = await chat.say(f"/accept V1 {MEETUP} venue={EXISTING}", ORGANISER)
    assert "Accepted" in answer and status(chat) is Status.ACCEPTED
    data = load_calendar_data(calendar_file(chat))
    event = next(e for e in data.events if e.id == MEETUP)
    assert event.venue is not None and event.venue.id == EXISTING
    assert data.venues == parse_calendar(SHIPPED_EVENTS.read_text(), "events.yaml").venues  # no entry added or changed


async def test_venue_new_adds_the_offer_beside_it(chat: Chat) -> None:
    await offer(chat)
    answer = await chat.say(f"/accept V1 venue=new {MEETUP}", ORGANISER)  # in either order
    assert "Accepted" in answer and status(chat) is Status.ACCEPTED
    data = load_calendar_data(calendar_file(chat))
    event = next(e for e in data.events if e.id == MEETUP)
    assert event.venue is not None and event.venue.id != EXISTING
    assert (event.venue.name, event.venue.address, event.venue.capacity) == ("SQLink", "Other offices, Tel Aviv", 120)
    assert {v.id for v in data.venues} == {EXISTING, event.venue.id}


async def test_a_wrong_choice_is_refused_in_one_line_and_the_offer_waits(chat: Chat) -> None:
    await offer(chat)
    before = calendar_file(chat).read_text()
    assert "There is no venue nowhere" in await chat.say(f"/accept V1 {MEETUP} venue=nowhere", ORGANISER)
    assert "Which venue?" in await chat.say(f"/accept V1 {MEETUP} venue=", ORGANISER)
    assert "/accept V1 [meetup] [venue=" in await chat.say(f"/accept V1 {MEETUP} venue=a venue=b", ORGANISER)
    await chat.propose()
    assert "venue= is for venue offers; T2 is a talk" in await chat.say(f"/accept T2 {MEETUP} venue=new", ORGANISER)
    assert calendar_file(chat).read_text() == before and status(chat) is Status.NEW


async def test_help_shows_the_choice_to_organisers(chat: Chat) -> None:
    assert "/accept <id> [meetup] [venue=<venue id>|venue=new]" in await chat.say("/help", ORGANISER)
