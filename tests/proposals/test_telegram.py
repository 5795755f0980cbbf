"""Proposals on Telegram, through the real adapter and python-telegram-bot against the fake Bot
API: the private conversation, the group's deep link, the review card's buttons pressed by an
organiser and by someone else, and a restart in the middle of a conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.telegram.adapter import TelegramAdapter
from bot.assembly import Core
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import BOT_USERNAME, FakeBotApi, SentMessage
from tests.proposals.conftest import MEETUP, build, set_organisers_chat
from tests.telegram.conftest import FAST, TOKEN

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ADA, OLGA, EVE = 4242, 42, 5555
GROUP, ORG_GROUP = -1001234567890, -100999


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as fake:
        yield fake


Start = Callable[[], Awaitable[tuple[Core, TelegramAdapter]]]


@pytest.fixture
async def start_bot(api: FakeBotApi, events: Path, db_url: str) -> AsyncIterator[Start]:
    """Start the core and the adapter as the app does (the adapter is the notifier's sender);
    calling it again after `stop` is a restart on the same file and database."""
    set_organisers_chat(events, f"telegram:{ORG_GROUP}")
    running: list[tuple[Core, TelegramAdapter]] = []

    async def start() -> tuple[Core, TelegramAdapter]:
        core = build(events, db_url, FixedClock(NOW), organisers=(f"telegram:{OLGA}",))
        adapter = TelegramAdapter(TOKEN, core.registry, api_url=api.url, options=replace(FAST))
        await adapter.start(core.bot.handle)
        await core.announcements.start([adapter])
        running.append((core, adapter))
        return core, adapter

    yield start
    for core, adapter in running:
        await stop(core, adapter)


async def stop(core: Core, adapter: TelegramAdapter) -> None:
    await core.announcements.stop()
    await adapter.stop()


async def say(api: FakeBotApi, text: str, *, user: int = ADA, chat: int | None = None, expect: int = 1) -> list[str]:
    """Send a message and wait for `expect` more sends; returns their texts."""
    before = len(api.sent)
    api.user_message(text, chat_id=chat if chat is not None else user, user_id=user)
    await api.wait_sent(before + expect)
    return [s.text or "" for s in api.sent[before:]]


async def propose(api: FakeBotApi, title: str) -> None:
    await say(api, "/propose")
    for answer in (title, "How to start with XDP.", "Ada Lovelace"):
        await say(api, answer)
    await say(api, "English")
    await say(api, "yes", expect=2)  # the thanks, and the card in the organisers' group


def card_in(api: FakeBotApi, chat: int) -> SentMessage:
    return next(s for s in reversed(api.sent) if s.chat_id == chat and s.reply_markup)


async def test_a_private_conversation_submits_and_the_organisers_get_an_escaped_card(
    api: FakeBotApi, start_bot: Start
) -> None:
    await start_bot()
    await propose(api, "XDP <b>for</b> & beginners")
    thanks = next(s for s in api.sent if s.chat_id == ADA and "Thank you" in (s.text or ""))
    assert "T1" in (thanks.text or "")
    card = card_in(api, ORG_GROUP)
    assert card.parse_mode == "HTML"
    assert "XDP &lt;b&gt;for&lt;/b&gt; &amp; beginners" in (card.text or "")  # escaped once
    assert "<b>for</b>" not in (card.text or "")
    assert [(b["text"], b["callback_data"]) for b in api.keyboard(card)] == [
        ("Accept", "/accept T1"),
        ("Decline", "/decline T1"),
    ]
    summary = next(s for s in api.sent if "Your talk proposal" in (s.text or ""))
    assert "&lt;b&gt;" in (summary.text or "")


async def test_propose_in_a_group_answers_with_a_deep_link_that_starts_the_conversation(
    api: FakeBotApi, start_bot: Start
) -> None:
    await start_bot()
    [answer] = await say(api, "/propose", chat=GROUP)
    link = next(s for s in api.sent if s.chat_id == GROUP)
    assert "private chat" in answer
    assert api.keyboard(link) == [
        {"text": "Propose a talk privately", "url": f"https://t.me/{BOT_USERNAME}?start=propose"}
    ]
    # Telegram opens the private chat and sends /start with the payload.
    [first] = await say(api, "/start propose")
    assert "1/4 · What is the talk's title?" in first


async def test_buttons_act_only_for_organisers(api: FakeBotApi, start_bot: Start, events: Path) -> None:
    core, _ = await start_bot()
    await propose(api, "Fast paths with XDP")
    card = card_in(api, ORG_GROUP)
    before = events.read_text()
    api.press(card, "Accept", user_id=EVE, first_name="Eve", username="eve")
    await api.wait_calls("answerCallbackQuery", 1)
    assert "only the organisers" in api.answers[0]["text"]
    assert events.read_text() == before and api.edits == []
    sent = len(api.sent)
    api.press(card, "Accept", user_id=OLGA, first_name="Olga", username="olga")
    await api.wait_calls("editMessageText", 1)
    await api.wait_sent(sent + 1)  # the proposer is told privately
    await api.wait_calls("answerCallbackQuery", 2)
    assert "Accepted" in (card.text or "") and api.keyboard(card) == []  # the card, edited in place
    notice = api.sent[-1]
    assert notice.chat_id == ADA and "Good news" in (notice.text or "")
    assert "Fast paths with XDP" in events.read_text()
    served = core.bot.source.current.get(MEETUP)
    assert served is not None and [t.title for t in served.talks] == ["Fast paths with XDP"]


async def test_a_restart_in_the_middle_of_the_conversation_continues_it(api: FakeBotApi, start_bot: Start) -> None:
    core, adapter = await start_bot()
    await say(api, "/propose")
    await say(api, "Surviving restarts")
    await stop(core, adapter)
    await start_bot()
    [question] = await say(api, "The abstract, after the restart.")
    assert "3/4" in question
    await say(api, "Ada Lovelace")
    [summary] = await say(api, "hebrew")
    assert "Surviving restarts" in summary and "The abstract, after the restart." in summary
