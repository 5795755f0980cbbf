"""Hostile and mistyped input to the host's commands, through `meetup-bot run`'s console: each
gets one clear line and the events file is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rsvp import names
from tests.host.conftest import run_console

NOT_A_TIME = "is not a date and a time such as 2027-01-26 19:00."


@pytest.mark.parametrize(
    "when",
    [
        "2027-02-03 19:00+05:00",  # time.fromisoformat takes an offset: the edit failed with a traceback
        "2027-02-03 19:00:30",  # seconds were dropped without a word
        "2027-02-03 19",
        "2027-W06-3 19:00",  # date.fromisoformat takes ISO week dates
        "٢٠٢٧-٠٢-٠٣ 19:00",
        "2027-02-03 ١٩:٠٠",
        "2027-02-30 19:00",
        "2027-02-03 25:00",
    ],
)
async def test_move_takes_only_a_plain_date_and_time(events: Path, when: str) -> None:
    before = events.read_bytes()
    said = await run_console(events, f"/move cafe-night {when}\n")
    assert NOT_A_TIME in said and "Usage: /move" in said
    assert "Sorry, something went wrong" not in said
    assert events.read_bytes() == before


async def test_move_accepts_an_hour_of_one_digit(events: Path) -> None:
    said = await run_console(events, "/move cafe-night 2027-02-17 9:30\n")
    assert "moved it to Wed 17 Feb 2027, 09:30" in said
    assert "start: 2027-02-17 09:30" in events.read_text(encoding="utf-8")


async def test_a_time_the_clocks_skip_is_one_sentence(events: Path) -> None:
    before = events.read_bytes()
    said = await run_console(events, "/move cafe-night 2027-03-26 02:30\n")  # Israel springs forward at 02:00
    assert "Nothing changed: 2027-03-26 02:30 does not exist in Asia/Jerusalem (the clocks skip it).\n" in said
    assert events.read_bytes() == before


async def test_help_names_a_meetup_argument_alike(events: Path) -> None:
    said = await run_console(events, "/help\n/attendees 99\n")  # console:local is an organiser here
    assert "/going [meetup]" in said and "/attendees [meetup]" in said  # was "/attendees [id]"
    assert "Usage: /attendees [meetup]" in said


async def test_cancel_reason_is_bounded_and_a_blank_one_is_none(events: Path) -> None:
    before = events.read_bytes()
    said = await run_console(events, "/cancelmeetup cafe-night " + "y" * 100_000 + "\n")  # went into the file
    assert "That reason is 100000 characters; please keep it under 300." in said and len(said) < 500
    assert events.read_bytes() == before
    said = await run_console(events, "/cancelmeetup cafe-night \u200b\u202e\n")
    assert "✅ Cafe Night: cancelled it.\n" in said  # no "()" for a blank reason
    text = events.read_text(encoding="utf-8")
    assert "status: cancelled" in text and "\u200b" not in text and "Cancelled: " not in text


@pytest.mark.parametrize("blank", ["\u200b", "\u2060\ufeff"])  # the console leaves these in, as Telegram does
async def test_an_invisible_full_name_or_walk_in_is_refused(events: Path, blank: str) -> None:
    said = await run_console(events, f"/myname {blank}\n/myname\n/checkin {blank}\n/attendees tower-night\n")
    assert "I have no full name of yours." in said  # nothing was kept
    assert "Whom? /checkin <code>, or /checkin <name>" in said
    assert " is in " not in said and "came" not in said.split("Attendees:")[1]


def test_a_full_name_keeps_no_bidi_override_nor_control() -> None:
    # Telegram and Slack pass these through (the console drops them before the core sees them).
    assert names.clean("\u202eDana Levi\u202c") == "Dana Levi"  # the override would reverse a guest list line
    assert names.clean("Dana\x00 Levi") == "Dana Levi"
    assert names.clean("\u200b") is None and names.clean("\u202e") is None
    assert names.clean("דנה לוי") == "דנה לוי"  # right-to-left text itself is a name
