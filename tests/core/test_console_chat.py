"""Every command as a chat transcript over the console adapter, on the shipped events.yaml."""

from __future__ import annotations

import io
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.app import App
from adapters.console.adapter import printable
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.conftest import SHIPPED_EVENTS
from tests.fakes.clock import FixedClock

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=TZ)


async def chat(*lines: str, now: datetime = NOW) -> str:
    """Type the lines into a console chat; return everything the bot printed."""
    stdin, stdout = io.StringIO("\n".join(lines) + "\n"), io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            events_file=SHIPPED_EVENTS, scheduler_enabled=False, database_url=f"sqlite:///{tmp}/bot.sqlite3"
        )
        return await _run(settings, stdin, stdout, now)


async def _run(settings: Settings, stdin: io.StringIO, stdout: io.StringIO, now: datetime) -> str:
    app = App(settings, CalendarSource.from_file(SHIPPED_EVENTS), clock=FixedClock(now), stdin=stdin, stdout=stdout)
    assert await app.run() == 0
    return stdout.getvalue()


async def test_next() -> None:
    out = await chat("/next")
    assert out.startswith("Fast Packets - XDP, eBPF and Kernel Bypass\n")
    assert "When: Tuesday, 19 January 2027, 19:00–21:00 IST (in 8 weeks)" in out
    assert "Where: venue to be announced (we are looking for a host!)" in out
    assert "19:15–20:00  🎤 Talk to be announced (yours?)" in out
    assert "🙋 This meetup still needs speakers and a venue. See /cfp to help." in out
    assert "📝 planned, details may change · 🗣 in Hebrew" in out


async def test_next_the_day_before_says_tomorrow() -> None:
    out = await chat("/next", now=datetime(2027, 1, 18, 10, 0, tzinfo=TZ))
    assert "(tomorrow)" in out


async def test_next_while_it_is_happening() -> None:
    out = await chat("/next", now=datetime(2027, 1, 19, 19, 30, tzinfo=TZ))
    assert "(happening now)" in out


async def test_next_when_nothing_is_planned() -> None:
    out = await chat("/next", now=datetime(2030, 1, 1, tzinfo=TZ))
    assert "No meetup is scheduled yet" in out and "/cfp" in out


async def test_next_with_a_seed_meetup_shows_venue_host_talks_badges_and_link() -> None:
    out = await chat("/next", now=datetime(2016, 1, 11, 12, 0, tzinfo=TZ))
    assert "Locking mechanisms and high performance storage devices" in out
    assert "When: Tuesday, 12 January 2016, 19:00–21:25 IST (tomorrow)" in out
    assert "Where: SQLink, SQLink offices, Ramat Gan" in out
    assert "Locking mechanisms in the kernel — Mark Veltzer" in out
    assert "High performance storage devices in kernel — Evgeny Budilovsky" in out
    assert "Parking is available at the location" in out
    assert "🗣 in Hebrew · 🎥 filmed" in out
    assert "RSVP on meetup.com: https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/events/227539106/" in out


async def test_help_lists_every_command_with_its_help_line() -> None:
    out = await chat("/help")
    for line in (
        "/next — The next meetup",
        "/events — Upcoming meetups",
        "/event <id or number> — One meetup in full",
        "/past [n] — Recent meetups",
        "/talks <query> — Search talks",
        "/speaker <name> — A speaker's bio and talks",
        "/venue — Where the next meetup is",
        "/cfp — The call for speakers and venues",
        "/about — About this community",
    ):
        assert line in out


async def test_start_greets() -> None:
    assert "Hi! I am the KernelTLV meetup bot." in await chat("/start")


async def test_events_lists_upcoming_with_ids() -> None:
    out = await chat("/events")
    assert "Upcoming meetups" in out
    assert "1. Tue 19 Jan 2027, 19:00 — Fast Packets" in out and "/event 2027-01-19-fast-packets" in out


async def test_event_by_number_and_by_id() -> None:
    out = await chat("/event 1", "/event 2016-07-12-breaking-the-wall")
    assert "Fast Packets - XDP, eBPF and Kernel Bypass" in out
    assert "Breaking the Wall - Handling Things in Userspace" in out
    assert "userfaultfd and post-copy migration of VMs and containers — Mike Rapoport" in out


async def test_event_with_wrong_arguments_gets_usage() -> None:
    out = await chat("/event", "/event 9", "/event nope")
    assert out.count("Usage: /event <id or number>") == 2
    assert "There is only 1 upcoming meetup: number 1." in out
    assert "No meetup with id “nope”" in out


async def test_past() -> None:
    out = await chat("/past", "/past 1", "/past lots")
    assert "The last 3 meetups" in out
    assert "The last meetup\n  • Sun 4 Sep 2016, 19:00 — Delving Deep" in out
    assert "Usage: /past [n]" in out


async def test_talks_search() -> None:
    out = await chat("/talks preemption", "/talks NVMe", "/talks quantum", "/talks")
    assert "Talks about “preemption”: 2 found" in out and "Preemption models — Liran Ben Haim" in out
    assert "High performance storage devices in kernel — Evgeny Budilovsky" in out
    assert "No talks about “quantum” yet." in out and "/cfp" in out
    assert "Usage: /talks <query>" in out


async def test_speaker() -> None:
    out = await chat("/speaker liran", "/speaker nobody", "/speaker")
    assert "Liran Ben Haim\nCTO at Mabel Technology" in out
    assert "Linux interrupt handling" in out and "Preemption models" in out
    assert "No speaker called “nobody”" in out
    assert "Usage: /speaker <name>" in out


async def test_venue_of_the_next_meetup() -> None:
    assert "The venue is not announced yet." in await chat("/venue")
    seed = await chat("/venue", now=datetime(2016, 1, 1, tzinfo=TZ))
    assert "SQLink offices, Ramat Gan" in seed and "Hosted by SQLink" in seed and "parking ticket" in seed


async def test_cfp_shows_the_standing_call() -> None:
    out = await chat("/cfp")
    assert "always looking for speakers and venues" in out
    assert "XDP and the eXpress Data Path" in out and "DPDK" in out
    assert "still needs speakers and a venue" in out
    assert "Host a meetup:" in out
    assert "Our meetup.com group: https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/" in out


async def test_about() -> None:
    out = await chat("/about")
    assert "Tel Aviv-Yafo Linux Kernel Meetup" in out and "times in Asia/Jerusalem" in out


async def test_unknown_commands_and_chatter_get_a_hint() -> None:
    out = await chat("/frobnicate", "hello bot")
    assert "I don't know /frobnicate. Try /help" in out
    assert "I answer commands. Try /help." in out


@pytest.mark.parametrize(
    "line",
    ["/event " + "x" * 5000, "/talks \x00\x01", "/past -1", "/speaker ((((", "/", "/next@", "/NEXT", "/talks ü"],
)
async def test_nothing_typed_crashes_the_bot(line: str) -> None:
    out = await chat(line, "/about")
    assert "Tel Aviv-Yafo Linux Kernel Meetup" in out  # still answering afterwards
    assert "something went wrong" not in out


async def test_control_characters_and_terminal_escapes_from_input_never_reach_the_terminal() -> None:
    # A query echoed back ("No talks about …") carries what was typed: colours, a title change
    # (OSC), a bell, a backspace, a bidi override, a C1 control.
    typed = "/talks \x1b[31mquantum\x1b[0m\x1b]0;pwned\x07\x08\u202e\x9b2J"
    out = await chat(typed, "/speaker \x1b[2Jnobody\x00")
    assert "quantum" in out and "nobody" in out  # the text itself still gets an answer
    for bad in ("\x1b", "\x07", "\x08", "\x00", "\u202e", "\x9b"):
        assert bad not in out
    assert printable("a\tb\nc\x1b[1md\x1b(B") == "a\tb\ncd"  # newlines and tabs stay
