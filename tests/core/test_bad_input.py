"""Hostile and odd arguments, typed to every command of the core as the app assembles it:
each gets one short, clear answer, never "something went wrong", never the input echoed whole."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.assembly import assemble
from bot.calendar.source import CalendarSource
from bot.chat.messages import IncomingMessage
from bot.config import Settings
from bot.wording import clip, plural
from tests.conftest import SHIPPED_EVENTS, assemble_core
from tests.core.chat_harness import CHAT, USER, ask_all
from tests.fakes.clock import FixedClock

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=TZ)
FAILED = "something went wrong"


async def say(text: str) -> list[str]:
    return [r.plain_text() for r in await ask_all(text, NOW)]


# ---- numbers: ASCII digits only, bounded length ---------------------------------------------

HUGE_NUMBER = "9" * 5000


@pytest.mark.parametrize(
    "line",
    [f"/event {HUGE_NUMBER}", f"/ics {HUGE_NUMBER}", f"/past {HUGE_NUMBER}", "/event ²", "/ics ²", "/past ①",
     "/event ٣", "/past ٣", "/event 00000000000000000000001", "/past 0"],
)  # fmt: skip
async def test_odd_numbers_get_the_usage_not_a_traceback(line: str, caplog: pytest.LogCaptureFixture) -> None:
    [answer] = await say(line)
    assert FAILED not in answer
    assert "Usage: /" in answer or "No meetup with id" in answer
    assert HUGE_NUMBER[:100] not in answer
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_the_number_of_a_meetup_still_works_and_out_of_range_says_how_many() -> None:
    [first] = await say("/event 1")
    assert first.startswith("Fast Packets")
    [beyond] = await say("/event 2")
    assert "There is only 1 upcoming meetup: number 1." in beyond and "Usage: /event" in beyond
    [past] = await say("/past 2")
    assert past.startswith("The last 2 meetups")


# ---- echoes: capped, one short answer whatever the size ---------------------------------------

LONG_WORD = "q" * 100_000
LONG_WORDS = "lorem " * 20_000


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert clip("bpf") == "bpf"
    assert clip("x" * 80) == "x" * 80
    assert clip("x" * 81) == "x" * 79 + "…"
    assert clip("a\n\nb") == "a b"
    assert clip("a" + " " * 400 + "b" * 1000) == "a…"
    assert len(clip(LONG_WORD)) == 80


def test_plural() -> None:
    assert [plural(n, "venue") for n in (0, 1, 2)] == ["0 venues", "1 venue", "2 venues"]
    assert plural(1, "reply", "replies") == "1 reply" and plural(3, "reply", "replies") == "3 replies"


def every_command() -> list[str]:
    source = CalendarSource.from_file(SHIPPED_EVENTS)
    return [command.name for command in assemble_core(source, FixedClock(NOW)).registry]


@pytest.mark.parametrize("command", every_command())
@pytest.mark.parametrize("argument", [LONG_WORD, LONG_WORDS], ids=["one-word", "many-words"])
async def test_a_huge_argument_gets_one_short_answer(command: str, argument: str) -> None:
    answers = await say(f"/{command} {argument}")
    assert len(answers) == 1
    [answer] = answers
    assert FAILED not in answer
    assert len(answer) < 4000, "more than one Telegram message"
    assert argument[:100] not in answer


async def test_the_echo_is_capped_with_an_ellipsis() -> None:
    [talks] = await say(f"/talks {LONG_WORD}")
    assert f"No talks about “{'q' * 79}…” yet." in talks
    [speaker] = await say(f"/speaker {LONG_WORD}")
    assert f"No speaker called “{'q' * 79}…”" in speaker
    [event] = await say(f"/event {LONG_WORD}")
    assert f"No meetup with id “{'q' * 79}…”" in event


# ---- every command, as an organiser, with numbers `int` cannot read -------------------------

NOT_NUMBERS = ["①", "²", "٣", "T²", "#①", "9" * 5000]


async def converse(lines: list[str], *, organiser: bool = True) -> list[str]:
    """Each line typed in turn, in one private chat with one core (a conversation lasts), by an
    organiser (so the organisers' commands parse their arguments rather than refuse)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'bot.sqlite3'}",
            scheduler_enabled=False,
            organisers=(USER.key,) if organiser else (),
        )
        # A copy: organisers' commands edit the calendar (and commit it, in a git work tree).
        events = Path(tmp) / "events.yaml"
        events.write_bytes(SHIPPED_EVENTS.read_bytes())
        core = assemble(settings, CalendarSource.from_file(events), FixedClock(NOW))
        await core.announcements.open()
        try:
            answers = []
            for line in lines:
                message = IncomingMessage(chat=CHAT, sender=USER, text=line, received_at=NOW)
                answers += [r.plain_text() for r in await core.bot.handle(message)]
            return answers
        finally:
            core.announcements.store.close()


@pytest.mark.parametrize("command", every_command())
async def test_no_command_chokes_on_digits_int_cannot_read(command: str, caplog: pytest.LogCaptureFixture) -> None:
    # Before the fix /withdraw, /proposal, /accept and /decline ended in "something went wrong".
    answers = await converse([f"/{command} {arg}" for arg in NOT_NUMBERS] + [f"/{command} 1 ①"])
    assert answers and not [a for a in answers if FAILED in a]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_a_venue_offer_asks_again_for_seats_it_cannot_read(caplog: pytest.LogCaptureFixture) -> None:
    answers = await converse(["/host", "Acme", "Main Street 1", "²", "9" * 5000, "80"], organiser=False)
    assert not [a for a in answers if FAILED in a]
    assert sum("whole number of people" in a for a in answers) == 2
    assert "4/4" in answers[-1]  # the third try, 80, was taken
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_accept_into_a_meetup_that_does_not_exist_caps_the_echo() -> None:
    # Every caller of find_event answers a missing meetup with the same clipped line; /accept
    # once quoted its second argument whole.
    proposal = ["/propose", "Tracing", "How we trace.", "Noa Katz", "English", "yes"]
    answers = await converse([*proposal, "/proposals", f"/accept T1 {LONG_WORD}"])
    assert "T1" in answers[-2]  # the proposal exists, so the meetup is what is missing
    assert f"No meetup with id “{'q' * 79}…”" in answers[-1]
    assert len(answers[-1]) < 4000
