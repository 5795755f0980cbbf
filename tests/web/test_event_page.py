"""The website as the meetup's event page, served by the whole bot (`App`, as `meetup-bot run`
builds it, with PORT and Telegram on the fake Bot API): the going count from the store after two
RSVPs, the "I'm going" deep link with the username getMe gave, and that link followed as a
`/start` payload recording the RSVP, checked in Debian's chromium."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.app import App
from adapters.web.site.render import SiteOptions, SiteRenderer
from bot.calendar.calendar import Calendar
from bot.calendar.source import CalendarSource
from bot.config import Settings
from bot.rsvp.model import RsvpState
from tests.conftest import SHIPPED_EVENTS
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import BOT_USERNAME, FakeBotApi
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT, NOW
from tests.web.test_live import free_port, get

TOKEN = "123456:AAtest-Token_x9"
GROUP = -1001234567890
ADA, BEA = 4242, 5151  # two people: Ada answers in the group, Bea follows the website's link


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Debian's chromium through Playwright's async API (this test runs in an event loop)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found: {INSTALL_HINT}")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip(f"playwright not installed: {INSTALL_HINT}")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[App, FakeBotApi, str]]:
    """`meetup-bot run` with PORT and Telegram (no TELEGRAM_BOT_USERNAME: the name is getMe's)."""
    events = tmp_path / "events.yaml"
    shutil.copy(SHIPPED_EVENTS, events)
    async with FakeBotApi() as api:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
        settings = Settings(events_file=events, port=free_port(), database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                            scheduler_enabled=False, env=env)  # fmt: skip
        app = App(settings, CalendarSource.from_file(events), clock=FixedClock(NOW))
        assert app.http is not None
        app.http.host = "127.0.0.1"
        task = asyncio.create_task(app.run())
        try:
            await asyncio.wait_for(app.ready.wait(), 20)
            yield app, api, f"http://127.0.0.1:{settings.port}"
        finally:
            app.stopping.set()
            assert await asyncio.wait_for(task, 20) == 0


async def test_the_live_page_counts_rsvps_and_its_link_records_one(running: tuple[App, FakeBotApi, str]) -> None:
    app, api, base = running
    calendar = app.source.current
    event = calendar.next(NOW)
    assert event is not None and event.seats is None
    page_path = f"/events/{event.id}/"
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(base + page_path)
        assert (await page.text_content(f"#going-{event.id}")) == "Who is coming: 0 going"
        link = await page.get_attribute("a[href^='https://t.me/']", "href")
        assert link == f"https://t.me/{BOT_USERNAME}?start=going-{event.id}"  # getMe's name, the meetup's id

        # Ada answers in the group; Bea follows the page's link: Telegram sends `/start <payload>`.
        api.user_message(f"/going {event.id}", chat_id=GROUP, user_id=ADA, username="ada")
        await api.wait_sent(1)
        payload = link.split("?start=", 1)[1]
        api.user_message(f"/start {payload}", chat_id=BEA, user_id=BEA, username="bea", first_name="Bea")
        sent = await api.wait_sent(3)
        to_bea = [m for m in sent if m.chat_id == BEA]
        assert len(to_bea) == 2, [m.text for m in sent]
        answer, card = to_bea
        assert answer.text is not None and f"You are going to {event.title}" in answer.text
        assert card.text is not None and event.title in card.text and "2 going" in card.text
        buttons = [b["callback_data"] for row in (card.reply_markup or {})["inline_keyboard"] for b in row]
        assert buttons == [f"/going {event.id}", f"/notgoing {event.id}"]
        people = {a.person.key: a.state for a in await app.rsvp.attendees(event)}
        assert people == {f"telegram:{ADA}": RsvpState.GOING, f"telegram:{BEA}": RsvpState.GOING}

        await page.goto(base + page_path)
        assert (await page.text_content(f"#going-{event.id}")) == "Who is coming: 2 going"
        await page.goto(base + "/")
        assert (await page.text_content(f"#going-{event.id}")) == "Who is coming: 2 going"
    # The static build of the same calendar knows no count and says none.
    static = SiteRenderer(SiteOptions(bot_username=BOT_USERNAME)).render(calendar, page_path, NOW)
    assert static is not None and "going</p>" not in static and f"start=going-{event.id}" in static


async def test_following_the_link_twice_keeps_one_answer(running: tuple[App, FakeBotApi, str]) -> None:
    app, api, base = running
    event = app.source.current.next(NOW)
    assert event is not None
    for _ in range(2):
        api.user_message(f"/start going-{event.id}", chat_id=BEA, user_id=BEA, username="bea")
    sent = await api.wait_sent(4)
    assert sum("already going" in (m.text or "") for m in sent) == 1
    assert [a.person.key for a in await app.rsvp.attendees(event)] == [f"telegram:{BEA}"]
    _, _, body = await get(f"{base}/events/{event.id}/")
    assert b"Who is coming:</span> 1 going" in body


async def test_a_link_to_an_unknown_meetup_says_so(running: tuple[App, FakeBotApi, str]) -> None:
    _, api, _ = running
    api.user_message("/start going-no-such-meetup", chat_id=BEA, user_id=BEA, username="bea")
    [sent] = await api.wait_sent(1)
    assert sent.text is not None and "no-such-meetup" in sent.text


def test_without_telegram_the_page_says_how_to_answer_in_slack(shipped_calendar: Calendar) -> None:
    event = shipped_calendar.next(NOW)
    assert event is not None
    slack = SiteRenderer(SiteOptions(slack_command="/meetup")).render(shipped_calendar, f"/events/{event.id}/", NOW)
    assert slack is not None and "t.me/" not in slack
    assert f"Send <code>/meetup going {event.id}</code> in the community's Slack" in slack
    plain = SiteRenderer(SiteOptions()).render(shipped_calendar, "/", NOW)
    assert plain is not None and f"<code>/going {event.id}</code>" in plain


def test_an_id_telegram_cannot_carry_gets_no_deep_link(shipped_calendar: Calendar) -> None:
    from dataclasses import replace

    event = shipped_calendar.next(NOW)
    assert event is not None
    options = SiteOptions(bot_username=BOT_USERNAME)
    assert options.going_link(event) == f"https://t.me/{BOT_USERNAME}?start=going-{event.id}"
    assert options.going_link(replace(event, id="2027.01.19")) is None  # "." is not a start payload character
    assert options.going_link(replace(event, id="x" * 60)) is None  # over 64 characters with "going-"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", f"going-{event.id}")


async def test_share_images_are_served_live(running: tuple[App, FakeBotApi, str]) -> None:
    app, _, base = running
    event = app.source.current.events[0]
    for path in ("/share.png", f"/events/{event.id}/share.png"):
        status, headers, body = await get(base + path)
        assert status == 200 and headers["Content-Type"] == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n", path
    assert (await get(f"{base}/events/no-such-meetup/share.png"))[0] == 404


async def test_the_live_server_renders_a_search_filtered_even_without_javascript(
    running: tuple[App, FakeBotApi, str],
) -> None:
    app, _, base = running
    calendar = app.source.current
    found = {h.talk.title for h in calendar.search("locking")}
    async with chromium() as browser:
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        await page.goto(f"{base}/talks/?q=nomatch")
        shown = "els => els.filter(e => e.checkVisibility()).map(e => e.textContent.trim())"
        assert await page.eval_on_selector_all(".talk", shown) == []
        assert await page.eval_on_selector_all("#no-match h2", shown) == ["No talk on it yet"]
        assert await page.input_value("#q") == "nomatch"
        await page.goto(f"{base}/talks/?q=locking")
        assert set(await page.eval_on_selector_all(".talk h2", shown)) == found
        assert await page.eval_on_selector_all("#no-match", shown) == []
        await context.close()
