"""What people read: a past meetup shows what happened, /event shows the talks' abstracts in full,
/talks the first lines of each; long abstracts still fit Telegram's and Slack's limits.

Driven through the core as the app assembles it (tests/core/chat_harness.py), on the shipped events.yaml
or on a small calendar written here."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.slack import render as slack_render
from adapters.telegram import render as telegram_render
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.chat.reply import Reply
from tests.conftest import calendar_from_yaml
from tests.core.chat_harness import ask_all

TZ = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=TZ)

FREEBSD_ABSTRACT_END = "the network buffers API, and L2 and L3 hooking."
LONG_ABSTRACT = " ".join(f"Sentence {i} of a very long abstract about page tables." for i in range(400))

ARCHIVE = """\
    events:
      - id: 2026-03-03-tracing
        title: Tracing night
        start: 2026-03-03 19:00
        status: planned
        filmed: true
        needs: [venue]
        url: https://www.meetup.com/Test-Kernel-Meetup/events/1/
        notes: [Please don't be late.]
        talks:
          - title: Tracing the network stack
            speakers: [{name: Noa Katz}]
            abstract: Where do packets go? We follow them with bpftrace.
            video: https://video.example/tracing
            slides: https://slides.example/tracing
            tags: [bpf]
          - title: Page tables from the inside
            speakers: [{name: Dan Levi}]
            abstract: %s
            tags: [memory]
      - id: 2027-03-03-next
        title: Next time
        start: 2027-03-03 19:00
        url: https://www.meetup.com/Test-Kernel-Meetup/events/2/
        talks:
          - title: Page tables again
            speakers: [{name: Dan Levi}]
            abstract: %s
""" % (LONG_ABSTRACT, LONG_ABSTRACT)  # noqa: UP031 (the YAML's braces)


async def ask(text: str, source: CalendarSource | None = None, now: datetime = NOW) -> Reply:
    [reply] = await ask_all(text, now, source)
    return reply


def archive() -> CalendarSource:
    calendar: Calendar = calendar_from_yaml(textwrap.dedent(ARCHIVE))
    return CalendarSource(calendar)


# ---- 20: a past meetup shows what happened ---------------------------------------------------


async def test_a_past_meetup_does_not_read_as_if_it_were_coming() -> None:
    text = (await ask("/event 2016-07-12-breaking-the-wall")).plain_text()
    assert "(10 years ago)" in text
    assert "venue to be announced" not in text and "looking for a host" not in text
    assert "RSVP" not in text
    assert "userfaultfd and post-copy migration of VMs and containers — Mike Rapoport" in text
    assert "The meetup on meetup.com: https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/events/232058698/" in (
        text
    )


async def test_a_past_filmed_meetup_points_to_the_recordings_and_drops_advice_for_attendees() -> None:
    text = (await ask("/event 2016-01-12-locking-mechanisms")).plain_text()
    assert "Recordings on YouTube: https://www.youtube.com/channel/UCZ1CZFWC1jM3-1z9VdlSdoQ" in text
    assert "please don't be late" not in text and "bring your parking ticket" not in text
    assert "Where: SQLink, SQLink offices, Ramat Gan" in text  # where it happened still holds


async def test_a_past_meetup_shows_each_talks_video_and_slides_and_no_plans_or_needs() -> None:
    text = (await ask("/event 2026-03-03-tracing", archive())).plain_text()
    assert "video <https://video.example/tracing>" in text and "slides <https://slides.example/tracing>" in text
    assert "still needs" not in text and "planned, details may change" not in text and "RSVP" not in text
    assert "Recordings on YouTube" not in text  # the talks' own videos are shown instead
    assert "Don't be late" not in text.title()


async def test_an_upcoming_meetup_still_invites_people() -> None:
    text = (await ask("/event 2016-01-12-locking-mechanisms", now=datetime(2016, 1, 11, tzinfo=TZ))).plain_text()
    assert "RSVP on meetup.com: https://www.meetup.com/" in text and "please don't be late" in text
    upcoming = (await ask("/next")).plain_text()
    assert "Where: venue to be announced (we are looking for a host!)" in upcoming


# ---- 21: abstracts ------------------------------------------------------------------------------


async def test_event_shows_every_abstract_in_full() -> None:
    text = (await ask("/event 2016-09-04-delving-deep")).plain_text()
    assert "Have you ever heard of FreeBSD? Probably." in text and FREEBSD_ABSTRACT_END in text
    assert "how to take correct measurements." in text
    upcoming = (await ask("/event 2016-09-04-delving-deep", now=datetime(2016, 9, 1, tzinfo=TZ))).plain_text()
    assert FREEBSD_ABSTRACT_END in upcoming


async def test_talks_shows_the_first_lines_of_each_abstract() -> None:
    text = (await ask("/talks freebsd")).plain_text()
    assert "FreeBSD Drivers — Gili Yankovitch" in text
    assert "Have you ever heard of FreeBSD? Probably." in text
    assert FREEBSD_ABSTRACT_END not in text and "…" in text
    memory = (await ask("/talks page tables", archive())).plain_text()
    assert "Sentence 0 of a very long abstract" in memory and "Sentence 5 " not in memory


async def test_a_card_with_long_abstracts_fits_telegram_and_slack() -> None:
    reply = await ask("/event 2026-03-03-tracing", archive())
    assert LONG_ABSTRACT in reply.plain_text()
    telegram = telegram_render.render(reply)
    assert len(telegram) >= 2
    assert all(isinstance(p, telegram_render.TelegramText) for p in telegram)
    assert all(telegram_render.tg_len(p.plain) <= 4096 for p in telegram if isinstance(p, telegram_render.TelegramText))
    told = "".join(p.plain for p in telegram if isinstance(p, telegram_render.TelegramText))
    assert "Sentence 399 of a very long abstract" in told
    slack = slack_render.render(reply)
    sections = [b["text"]["text"] for p in slack if isinstance(p, slack_render.SlackMessage) for b in p.blocks
                if b["type"] == "section"]  # fmt: skip
    assert sections and all(len(s) <= slack_render.SECTION_MAX for s in sections)
    assert any("Sentence 399 of a very long abstract" in s for s in sections)


async def test_a_topic_with_no_talks_yet_points_to_the_coming_meetup_on_it() -> None:
    text = (await ask("/talks bpf")).plain_text()
    assert (
        "No talks about “bpf” yet, but a coming meetup is about it: Fast Packets - XDP, eBPF and Kernel Bypass,"
        " Tue 19 Jan 2027, 19:00 (/event 2027-01-19-fast-packets).\nIt is on our list of wanted topics!"
    ) in text
    assert "coming meetup" not in (await ask("/talks quantum")).plain_text()
