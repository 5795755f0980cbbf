"""adapter.send (what reminders use) against each failure shape the fake Web API returns."""

from __future__ import annotations

import socket

import pytest

from adapters.slack.adapter import GONE_ERRORS, SlackAdapter
from adapters.web.server import HttpServer
from bot.announce.outbound import ChatGone, SendError
from bot.chat.commands import CommandRegistry
from bot.chat.messages import ChatRef
from bot.chat.reply import Actions, Attachment, LinkText, Reply, paragraph, text_reply
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RecordingStatus

CHANNEL = ChatRef("slack", "C0ANNOUNCE")


async def test_send_posts_and_returns_the_message_ts(sender: SlackAdapter, fake: FakeSlack) -> None:
    receipt = await sender.send(CHANNEL, text_reply("Reminder: meetup tomorrow"))
    assert receipt.chat == CHANNEL
    assert len(receipt.message_ids) == 1 and receipt.message_ids[0].startswith("1700000000.")
    post = fake.posted()[0]
    assert post["channel"] == "C0ANNOUNCE"
    assert post["text"] == "Reminder: meetup tomorrow"
    assert post["unfurl_links"] is True


async def test_send_to_a_thread_without_previews(sender: SlackAdapter, fake: FakeSlack) -> None:
    chat = ChatRef("slack", "C0ANNOUNCE", thread_id="1700000000.000001")
    await sender.send(chat, Reply((paragraph("x"),), disable_link_preview=True))
    post = fake.posted()[0]
    assert post["thread_ts"] == "1700000000.000001"
    assert (post["unfurl_links"], post["unfurl_media"]) == (False, False)


async def test_rate_limited_then_success(sender: SlackAdapter, fake: FakeSlack, status: RecordingStatus) -> None:
    fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=0)
    receipt = await sender.send(CHANNEL, text_reply("hello"))
    calls = fake.called("chat.postMessage")
    assert [c.args["_ok"] for c in calls] == [False, True]  # the retry handler waited and tried again
    assert len(receipt.message_ids) == 1
    assert status.inactive == []


async def test_rate_limited_beyond_the_retries_is_a_retryable_error(sender: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=2)
    with pytest.raises(SendError) as caught:
        await sender.send(CHANNEL, text_reply("hello"))
    assert not isinstance(caught.value, ChatGone)
    assert caught.value.retryable and not caught.value.maybe_delivered
    assert "ratelimited" in str(caught.value)
    assert len(fake.called("chat.postMessage")) == 2


@pytest.mark.parametrize("error", sorted(GONE_ERRORS))
async def test_gone_chats_are_reported_as_chat_gone(
    sender: SlackAdapter, fake: FakeSlack, status: RecordingStatus, error: str
) -> None:
    fake.fail("chat.postMessage", error)
    with pytest.raises(ChatGone) as caught:
        await sender.send(CHANNEL, text_reply("hello"))
    assert not caught.value.retryable and error in str(caught.value)
    assert status.inactive == []  # reported in the exception; the caller's ChatStatus writes
    assert len(fake.called("chat.postMessage")) == 1  # no retry: it cannot help


async def test_server_error_is_retryable_and_may_have_been_delivered(sender: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "internal_error", status=500, raw_body="<html>Internal Server Error</html>")
    with pytest.raises(SendError) as caught:
        await sender.send(CHANNEL, text_reply("hello"))
    assert caught.value.retryable and caught.value.maybe_delivered


async def test_service_unavailable_was_not_delivered(sender: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "service_unavailable", status=503)
    with pytest.raises(SendError) as caught:
        await sender.send(CHANNEL, text_reply("hello"))
    assert caught.value.retryable and not caught.value.maybe_delivered


@pytest.mark.parametrize("error", ["invalid_blocks", "msg_too_long", "restricted_action"])
async def test_request_errors_are_not_retryable(
    sender: SlackAdapter, fake: FakeSlack, status: RecordingStatus, error: str
) -> None:
    fake.fail("chat.postMessage", error)
    with pytest.raises(SendError) as caught:
        await sender.send(CHANNEL, text_reply("hello"))
    assert not isinstance(caught.value, ChatGone)
    assert not caught.value.retryable
    assert status.inactive == []


async def test_wrong_token_is_not_retryable(fake: FakeSlack, registry: CommandRegistry) -> None:
    adapter = SlackAdapter(
        "xoxb-wrong",
        registry,
        signing_secret=SIGNING_SECRET,
        api_url=fake.api_url,
        http_server=HttpServer("127.0.0.1", 0),
    )
    with pytest.raises(SendError) as caught:
        await adapter.send(CHANNEL, text_reply("hello"))
    assert "invalid_auth" in str(caught.value) and not caught.value.retryable


async def test_unreachable_api_is_retryable_and_not_delivered(registry: CommandRegistry) -> None:
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = SlackAdapter(
        BOT_TOKEN,
        registry,
        signing_secret=SIGNING_SECRET,
        api_url=f"http://127.0.0.1:{port}/api",
        http_server=HttpServer("127.0.0.1", 0),
    )
    with pytest.raises(SendError) as caught:
        await adapter.send(CHANNEL, text_reply("hello"))
    assert caught.value.retryable and not caught.value.maybe_delivered


async def test_more_than_50_blocks_are_split_into_several_messages(sender: SlackAdapter, fake: FakeSlack) -> None:
    reply = Reply(tuple(paragraph(f"line {i}") for i in range(120)))
    receipt = await sender.send(CHANNEL, reply)
    sizes = [len(p["blocks"]) for p in fake.posted()]
    assert sizes == [50, 50, 20]
    assert len(receipt.message_ids) == 3
    assert fake.posted()[2]["blocks"][-1]["text"]["text"] == "line 119"


async def test_attachment_is_uploaded_as_a_file_in_order(sender: SlackAdapter, fake: FakeSlack) -> None:
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    reply = Reply(
        (
            paragraph("Add it to your calendar:"),
            Attachment("meetup.ics", ics, "text/calendar", caption="Fast Packets"),
            Actions((LinkText("meetup.com", "https://www.meetup.com/x/"),)),
        )
    )
    await sender.send(CHANNEL, reply)
    methods = [c.method for c in fake.calls]
    assert methods == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "chat.postMessage",
    ]
    assert list(fake.uploads.values()) == [ics]
    upload_args = fake.called("files.getUploadURLExternal")[0].args
    assert upload_args["filename"] == "meetup.ics"
    complete = fake.called("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "C0ANNOUNCE"
    assert complete["initial_comment"] == "Fast Packets"
