"""/ics (/calendar) and /talks in a chat, through the bot's core with the archive commands."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import icalendar

from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data, parse_calendar
from bot.calendar.source import CalendarSource
from bot.chat.core import Bot
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Attachment, Reply
from tests.conftest import COMMUNITY_YAML, SHIPPED_EVENTS, assemble_core
from tests.fakes.clock import FixedClock

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CHAT = ChatRef("telegram", "-100123")
USER = UserRef("telegram", "42")

BPF_TALKS = COMMUNITY_YAML + textwrap.dedent("""\
    events:
      - id: 2026-06-02-tracing
        title: Tracing night
        start: 2026-06-02 19:00
        talks:
          - title: Tracing the network stack
            speakers: [{name: Noa Katz}]
            abstract: Where do packets go? We follow them with bpftrace.
            video: https://video.example/tracing
            slides: https://slides.example/tracing
            tags: [bpf, networking]
""")


def bot(calendar: Calendar, public_url: str | None = None) -> Bot:
    return assemble_core(CalendarSource(calendar), FixedClock(NOW), public_url=public_url).bot


async def say(b: Bot, text: str) -> list[Reply]:
    return await b.handle(IncomingMessage(chat=CHAT, sender=USER, text=text, received_at=NOW))


def shipped() -> Calendar:
    return Calendar(load_calendar_data(SHIPPED_EVENTS))


async def test_ics_gives_the_feed_link_from_the_public_url() -> None:
    [reply] = await say(bot(shipped(), "https://bot.example.org/"), "/ics")
    text = reply.plain_text()
    assert "Subscribe to every meetup: https://bot.example.org/calendar.ics" in text
    assert "webcal://bot.example.org/calendar.ics" in text
    [alias] = await say(bot(shipped(), "https://bot.example.org"), "/calendar")
    assert alias.plain_text() == text


async def test_ics_without_a_public_url_says_how_to_get_the_calendar() -> None:
    [reply] = await say(bot(shipped()), "/ics")
    assert "no public address" in reply.plain_text() and "/ics <id or number>" in reply.plain_text()


async def test_ics_for_one_meetup_by_id_or_number_is_an_ics_attachment() -> None:
    for arg, uid in (("2016-09-04-delving-deep", "2016-09-04-delving-deep@kerneltlv"),
                     ("1", "2027-01-19-fast-packets@kerneltlv")):  # fmt: skip
        [reply] = await say(bot(shipped()), f"/ics {arg}")
        [attachment] = [b for b in reply.blocks if isinstance(b, Attachment)]
        assert attachment.mime_type == "text/calendar" and attachment.filename.endswith(".ics")
        [event] = icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")
        assert str(event["UID"]) == uid


async def test_ics_all_and_bad_arguments() -> None:
    [reply] = await say(bot(shipped()), "/ics all")
    [attachment] = [b for b in reply.blocks if isinstance(b, Attachment)]
    assert len(icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")) == 4
    [missing] = await say(bot(shipped()), "/ics nope")
    assert "No meetup with id “nope”" in missing.plain_text()
    [usage] = await say(bot(shipped()), "/ics 7")
    assert "There is only 1 upcoming meetup: number 1." in usage.plain_text()


async def test_talks_finds_by_alias_and_shows_meetup_date_speakers_recording_and_slides() -> None:
    calendar = Calendar(parse_calendar(BPF_TALKS.replace("community:\n", "community:\n  topic_aliases:\n"
                                                         "    bpf: [ebpf, xdp]\n"), "bpf.yaml"))  # fmt: skip
    [reply] = await say(bot(calendar), "/talks ebpf")
    text = reply.plain_text()
    assert "Talks about “ebpf”: 1 found" in text
    assert "Tracing the network stack — Noa Katz" in text
    assert "video <https://video.example/tracing>" in text and "slides <https://slides.example/tracing>" in text
    assert "Tracing night, Tue 2 Jun 2026, 19:00" in text


async def test_talks_search_covers_abstracts_and_speakers() -> None:
    calendar = Calendar(parse_calendar(BPF_TALKS, "bpf.yaml"))
    for query in ("bpftrace", "noa katz", "NETWORKING"):
        [reply] = await say(bot(calendar), f"/talks {query}")
        assert "1 found" in reply.plain_text(), query


async def test_a_wanted_topic_with_no_talks_answers_with_the_call_for_speakers() -> None:
    [reply] = await say(bot(shipped()), "/talks DPDK")
    text = reply.plain_text()
    assert "No talks about “DPDK” yet, but a coming meetup is about it" in text
    assert "It is on our list of wanted topics!" in text
    assert "The call for speakers: /cfp" in text and "Call for speakers and venues" not in text  # a group: short
    private = IncomingMessage(
        chat=ChatRef("telegram", "7", is_private=True), sender=USER, text="/talks DPDK", received_at=NOW
    )
    [whole] = await bot(shipped()).handle(private)
    assert "Call for speakers and venues" in whole.plain_text()
    assert "DPDK and user-space packet processing" in whole.plain_text()
    [other] = await say(bot(shipped()), "/talks quantum")
    assert "No talks about “quantum” yet. Could you give one?" in other.plain_text()


def test_ics_is_listed_once_with_its_alias(tmp_path: Path) -> None:
    registry = assemble_core(CalendarSource(shipped()), FixedClock(NOW)).registry
    names = [c.name for c in registry.listed()]
    assert names.count("ics") == 1 and names.count("talks") == 1
    assert registry.get("calendar") is registry.get("ics")
