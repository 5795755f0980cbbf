"""Names for the building: a venue with `guest_list: full_names` makes the first /going ask for a
full name privately, once; the answer (or /myname) is on the guest list, someone who never gives
one is listed with a marker, and /forget deletes it. Through `meetup-bot run`'s console and the
`meetup-bot attendees` and `check` commands production runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from adapters.cli import main
from bot.chat.messages import ChatRef
from bot.rsvp.views import NO_NAME
from tests.host.conftest import open_store, run_console
from tests.rsvp.conftest import Chat, person

ASK = "lets in only the names given in advance"


def guest_list(capsys: pytest.CaptureFixture[str], meetup: str, fmt: str = "csv") -> str:
    capsys.readouterr()
    assert main(["attendees", meetup, "--format", fmt]) == 0
    return capsys.readouterr().out


async def test_a_full_names_venue_asks_once_and_the_csv_has_the_name(
    events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = await run_console(events, "/going tower-night\nDana Levi\n/going cafe-night\n/going tower-again\n")
    assert said.count(ASK) == 1  # asked once: not for the café, not again for the second tower meetup
    assert "Thanks: Dana Levi is the name on the hosts' guest lists." in said

    rows = list(csv.DictReader(io.StringIO(guest_list(capsys, "tower-night"))))
    assert [(r["name"], r["full_name"], r["status"]) for r in rows] == [("you", "Dana Levi", "going")]
    listed = json.loads(guest_list(capsys, "tower-again", "json"))
    assert [a["full_name"] for a in listed["attendees"]] == ["Dana Levi"]
    cafe = list(csv.DictReader(io.StringIO(guest_list(capsys, "cafe-night"))))
    assert [r["full_name"] for r in cafe] == [""]  # the café needs no names: the column is empty

    said = await run_console(events, "/myname Dana B. Levi\n/myname\n/attendees tower-night\n")
    assert "Your full name for hosts: Dana B. Levi." in said
    assert "1. you — console · full name: Dana B. Levi" in said  # the organiser's /attendees
    assert ASK not in said

    said = await run_console(events, "/forget\n")
    assert "your full name for hosts" in said
    store = open_store(events.parent / "bot.sqlite3")
    try:
        assert store.guests.full_names(["console:local"]) == {}
    finally:
        store.close()


async def test_someone_who_never_gives_a_name_is_listed_with_a_marker(chat: Chat) -> None:
    dana, noname = person(1), person(2)
    await chat.say("/going tower-night", dana, ChatRef("telegram", "-1001"))
    await chat.say("/going tower-night", noname, ChatRef("telegram", "-1001"))
    await chat.rsvp.drain()
    assert any(ASK in text for text in chat.private(noname))  # asked privately, in a group /going
    private = ChatRef("telegram", dana.user_id, is_private=True)
    assert "Thanks: Dana Levi" in await chat.say("Dana Levi", dana, private)
    answer = await chat.say("/attendees tower-night", chat_organiser(), ChatRef("telegram", "42", is_private=True))
    assert "Person 1 (@p1) — telegram · full name: Dana Levi" in answer
    assert f"Person 2 (@p2) — telegram · full name: {NO_NAME}" in answer


async def test_a_plain_message_is_taken_as_a_name_only_after_the_ask(chat: Chat) -> None:
    someone = person(3)
    private = ChatRef("telegram", someone.user_id, is_private=True)
    assert await chat.say("Dana Levi", someone, private) == "I answer commands. Try /help."
    await chat.say("/going cafe-night", someone, private)  # no names needed there: no ask
    assert await chat.say("Dana Levi", someone, private) == "I answer commands. Try /help."


def chat_organiser() -> object:
    from tests.rsvp.conftest import ORGANISER

    return ORGANISER


def test_check_documents_and_validates_guest_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "community: {name: T, timezone: UTC}\nvenues:\n  tower: {name: Tower, guest_list: full_names}\n"
        "events:\n  - {id: a, title: A, start: 2027-01-11 19:00, venue: tower, guest_list: full_names}\n",
        encoding="utf-8",
    )
    assert main(["check", str(good)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text(encoding="utf-8").replace("guest_list: full_names}", "guest_list: fullnames}", 1))
    assert main(["check", "--events", str(bad)]) == 1
    assert "venues.tower.guest_list: expected full_names, got 'fullnames'" in capsys.readouterr().out
