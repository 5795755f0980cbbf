"""Sending through PTB to the fake Bot API, and what the adapter does with each failure."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import pytest
from telegram import LinkPreviewOptions, ReplyParameters

from adapters.telegram.adapter import TelegramAdapter, TelegramOptions
from adapters.telegram.buttons import keyboard
from adapters.telegram.render import TelegramText, render
from bot.announce.outbound import ChatGone, SendError
from bot.chat.messages import ChatRef
from bot.chat.reply import Bold, Button, Buttons, Paragraph, Reply, Text, text_reply
from tests.fakes import PATIENCE
from tests.fakes.telegram_api import Failure, FakeBotApi
from tests.telegram.conftest import FAST, GROUP, TOKEN, Factory, RecordingStatus, build_core

# PTB itself builds RetryAfter through its deprecated int accessor; nothing we can change.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = ChatRef("telegram", str(GROUP), title="The group")
CARD = Reply((Paragraph((Bold("Tags <b>&"), Text(" and more"))),))


async def test_send_returns_a_receipt(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    receipt = await telegram.send(CHAT, CARD)
    assert receipt.chat == CHAT
    assert receipt.message_ids == ("1",)
    assert api.sent[0].text == "<b>Tags &lt;b&gt;&amp;</b> and more"


async def test_flood_control_waits_retry_after_then_sends(
    api: FakeBotApi, telegram: TelegramAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail(Failure.retry_after(1), chat_id=GROUP)
    began = time.monotonic()
    receipt = await telegram.send(CHAT, CARD)
    assert time.monotonic() - began >= 1.0  # it honoured retry_after
    assert receipt.chat == CHAT
    assert api.rejected_429 == 1
    assert len(api.sent) == 1  # posted once, after the wait
    assert "flood control" in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # handled, not an error


async def test_sends_are_paced_within_telegrams_limits() -> None:
    async with FakeBotApi(TOKEN, enforce_limits=True) as strict:  # answers 429 past 30 sends in any 1 s
        adapter = TelegramAdapter(
            TOKEN,
            build_core().registry,
            api_url=strict.url,
            options=replace(
                FAST, pace_burst=TelegramOptions().pace_burst, pace_overall_burst=TelegramOptions().pace_overall_burst
            ),
        )
        await adapter.start(build_core().handle)
        try:
            began = time.monotonic()
            chats = [ChatRef("telegram", str(1000 + i)) for i in range(45)]
            receipts = await asyncio.gather(*(adapter.send(chat, CARD) for chat in chats))
            elapsed = time.monotonic() - began
        finally:
            await adapter.stop()
    assert len(receipts) == len(strict.sent) == 45
    assert strict.rejected_429 == 0  # the limiter kept every 1 s window under 30
    assert elapsed > 1.0  # and it did so by pacing: 45 sends cannot all go at once


async def test_flood_control_beyond_the_bound_is_handed_back(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    api.fail(Failure.retry_after(3600), chat_id=GROUP)
    with pytest.raises(SendError) as raised:
        await telegram.send(CHAT, CARD)
    assert raised.value.retryable and not raised.value.maybe_delivered
    assert api.sent == []


async def test_repeated_flood_control_gives_up_after_bounded_tries(api: FakeBotApi, make_adapter: Factory) -> None:
    adapter = await make_adapter(retry_after_attempts=1)
    api.fail(Failure.retry_after(1), chat_id=GROUP, times=-1)
    with pytest.raises(SendError) as raised:
        await adapter.send(CHAT, CARD)
    assert raised.value.retryable
    assert api.rejected_429 == 2  # the first try and one retry


async def test_kicked_is_reported_as_chat_gone(
    api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus
) -> None:
    api.fail(Failure.forbidden(), chat_id=GROUP)
    with pytest.raises(ChatGone) as raised:
        await telegram.send(CHAT, CARD)
    assert not raised.value.retryable
    assert "Forbidden: bot was kicked from the group chat" in str(raised.value)
    # The adapter reports in the exception; the caller's ChatStatus is the one writer.
    assert status.events == []
    assert api.sent == []


async def test_chat_not_found_is_gone_too(api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus) -> None:
    api.fail(Failure.chat_not_found(), chat_id=GROUP)
    with pytest.raises(ChatGone):
        await telegram.send(CHAT, CARD)
    assert status.events == []


async def test_migrated_group_moves_and_the_message_goes_to_the_new_id(
    api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus
) -> None:
    old = ChatRef("telegram", "-555", title="Old group")
    api.fail(Failure.migrate(GROUP), chat_id=-555)
    receipt = await telegram.send(old, CARD)
    assert receipt.chat.chat_id == str(GROUP)
    assert receipt.chat.title == "Old group"
    assert [s.chat_id for s in api.sent] == [GROUP]
    assert status.events == []  # reported in the receipt; the caller records the move


async def test_rejected_html_is_resent_once_as_plain_text(
    api: FakeBotApi, telegram: TelegramAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail(Failure.cant_parse(), chat_id=GROUP)
    await telegram.send(CHAT, CARD)
    [sent] = api.sent
    assert sent.parse_mode is None
    assert sent.text == "Tags <b>& and more"  # the raw text, not escaped
    assert "resending as plain text" in caplog.text


async def test_an_answer_without_the_message_id_is_posted_maybe_and_never_sent_again(
    api: FakeBotApi, telegram: TelegramAdapter
) -> None:
    # The adapter reads only the new message's id from Telegram's answer (adapters/telegram/wire.py).
    api.fail(Failure.answer_without("message_id"), chat_id=GROUP)
    with pytest.raises(SendError) as raised:
        await telegram.send(CHAT, CARD)
    assert raised.value.maybe_delivered
    assert "without a message id" in str(raised.value)
    assert len(api.calls_of("sendMessage")) == 1


async def test_a_card_goes_out_with_every_parameter_send_message_would_send(
    api: FakeBotApi, telegram: TelegramAdapter
) -> None:
    """The lean send (wire.py) puts on the wire what PTB's own send_message puts there."""
    buttons = Buttons((Button("Going", "/going m1"), Button("Not going", "/notgoing m1")))
    card = Reply((Paragraph((Bold("Tags <b>&"), Text(" and more"))), buttons), disable_link_preview=True)
    topic = replace(CHAT, thread_id="7")
    ours = await telegram._send_reply(topic, card, reply_to=42)
    [sent] = api.calls_of("sendMessage")
    [part] = render(card)
    assert isinstance(part, TelegramText)
    await telegram.application.bot.send_message(
        GROUP,
        part.html,
        parse_mode="HTML",
        message_thread_id=7,
        reply_parameters=ReplyParameters(42, allow_sending_without_reply=True),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=keyboard(part.buttons, telegram.username),
    )
    [_, theirs] = api.calls_of("sendMessage")
    assert sent == theirs
    assert ours.message_ids == ("1",)


async def test_rejected_plain_text_is_not_retried_forever(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    api.fail(Failure.cant_parse(), chat_id=GROUP, times=2)
    with pytest.raises(SendError):
        await telegram.send(CHAT, CARD)
    assert len(api.calls_of("sendMessage")) == 2


class Logged(logging.Handler):
    """Sets `seen` once a record containing `text` was logged `times` times (on the loop's thread)."""

    def __init__(self, text: str, times: int = 1) -> None:
        super().__init__()
        self.text, self.times = text, times
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.times -= 1
            if self.times <= 0:
                self.seen.set()


async def test_timeout_on_send_is_not_resent(api: FakeBotApi, make_adapter: Factory) -> None:
    adapter = await make_adapter(read_timeout=0.2)
    api.fail(Failure.slow(0.6), chat_id=GROUP)
    with pytest.raises(SendError) as raised:
        await adapter.send(CHAT, CARD)
    assert raised.value.maybe_delivered and not raised.value.retryable
    await api.wait_sent(1)  # Telegram did post it, late: exactly why we must not resend
    # send() has returned: nothing of ours is left running that could send it again.
    assert len(api.calls_of("sendMessage")) == 1


async def test_unreachable_api_is_retried_with_backoff(
    api: FakeBotApi, make_adapter: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = await make_adapter(network_attempts=8, backoff=0.05)
    await api.stop()  # connections are now refused: the request never reaches Telegram
    retrying = Logged("could not reach Telegram", times=2)
    logging.getLogger("adapters.telegram.adapter").addHandler(retrying)
    try:
        sending = asyncio.create_task(adapter.send(CHAT, CARD))
        await asyncio.wait_for(retrying.seen.wait(), 30)  # a guard against a hang, not a timing check
    finally:
        logging.getLogger("adapters.telegram.adapter").removeHandler(retrying)
    assert not sending.done()  # two tries failed, and it is still trying
    await api.start()
    receipt = await asyncio.wait_for(sending, PATIENCE)
    assert receipt.chat == CHAT
    assert len(api.sent) == 1
    assert "could not reach Telegram" in caplog.text


async def test_unreachable_api_gives_up_after_bounded_tries(api: FakeBotApi, make_adapter: Factory) -> None:
    adapter = await make_adapter(network_attempts=3, backoff=0.01)
    await api.stop()
    with pytest.raises(SendError) as raised:
        await adapter.send(CHAT, CARD)
    assert raised.value.retryable and not raised.value.maybe_delivered
    await api.start()  # so that the adapter can shut down cleanly


async def test_pool_timeout_never_left_us_so_it_is_retried(
    api: FakeBotApi, make_adapter: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    # One connection: while a slow send holds it, the next cannot even start (pool timeout).
    adapter = await make_adapter(
        connection_pool_size=1, pool_timeout=0.1, read_timeout=PATIENCE, network_attempts=6, backoff=0.1
    )
    other = ChatRef("telegram", "-100999")
    api.fail(Failure.slow(0.4), chat_id=GROUP)
    first = asyncio.create_task(adapter.send(CHAT, CARD))
    await api.wait_calls("sendMessage", 1)
    second = await adapter.send(other, CARD)
    await first
    assert second.chat == other
    assert sorted(s.chat_id for s in api.sent) == sorted([GROUP, -100999])  # each exactly once
    assert "Pool timeout" in caplog.text and "could not reach Telegram" in caplog.text


async def test_long_reply_is_split_and_sent_in_order(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(100)]  # ~10 000 characters
    receipt = await telegram.send(CHAT, text_reply(*lines))
    assert len(receipt.message_ids) == len(api.sent) >= 3
    assert all(s.text is not None and len(s.text) <= 4096 for s in api.sent)
    joined = "\n\n".join(s.text or "" for s in api.sent)
    assert joined == "\n\n".join(lines)


async def test_failure_after_the_first_part_is_reported_as_maybe_delivered(
    api: FakeBotApi, telegram: TelegramAdapter
) -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(60)]  # two messages
    api.fail(Failure(400, "Bad Request: message is too long"), method="sendMessage", after=1)
    with pytest.raises(SendError) as raised:
        await telegram.send(CHAT, text_reply(*lines))
    # The first part is posted: sending the whole reply again would repeat it.
    assert raised.value.maybe_delivered and not raised.value.retryable
    assert len(api.sent) == 1


async def test_failed_send_in_a_reply_is_logged_not_raised(
    api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api.fail(Failure.forbidden(), chat_id=GROUP)
    api.user_message("/next", chat_id=GROUP)
    api.user_message("/help", chat_id=4242)
    [sent] = await api.wait_sent(1)
    assert sent.chat_id == 4242  # the bot carried on
    assert status.events[0][:2] == ("inactive", str(GROUP))
