"""Each person's Slack requests are answered in the order they came, other people's at once, and
every request is still acknowledged immediately (adapters/slack/ordering.py), in HTTP mode and in
Socket Mode. A person whose first command is held (the `slow` probe) gets their second answer
only after it; someone else is answered meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from adapters.slack.adapter import SlackAdapter
from adapters.slack.ordering import order_key
from adapters.web.server import HttpServer
from bot.chat.commands import CommandRegistry
from bot.chat.core import Bot
from tests.fakes.slack_api import TEAM_ID, FakeSlack, block_actions
from tests.slack.conftest import (
    APP_TOKEN,
    BOT_TOKEN,
    NEXT_TITLE,
    SIGNING_SECRET,
    Gate,
    HttpSlack,
    dm,
    event_callback,
    slash_command,
)

Command = Callable[..., Awaitable[None]]  # sends one slash command as a given user; returns once acked


@pytest.fixture
async def socket_slack(fake: FakeSlack, bot: Bot, registry: CommandRegistry) -> AsyncIterator[SlackAdapter]:
    adapter = SlackAdapter(BOT_TOKEN, registry, app_token=APP_TOKEN, api_url=fake.api_url, drain_timeout=1.0)
    await adapter.start(bot.handle)
    yield adapter
    await adapter.stop()


@pytest.fixture(params=["http", "socket"])
async def send(
    request: pytest.FixtureRequest, fake: FakeSlack, bot: Bot, registry: CommandRegistry
) -> AsyncIterator[Command]:
    """The adapter started in either mode (as tests/slack/conftest.py starts it), and a way to send."""
    if request.param == "socket":
        adapter = SlackAdapter(BOT_TOKEN, registry, app_token=APP_TOKEN, api_url=fake.api_url, drain_timeout=1.0)
        await adapter.start(bot.handle)

        async def over_socket(text: str, **overrides: Any) -> None:
            await fake.wait_ack(await fake.push("slash_commands", slash_command(text, **overrides)))

        yield over_socket
        await adapter.stop()
        return
    server = HttpServer("127.0.0.1", 0)
    adapter = SlackAdapter(
        BOT_TOKEN, registry, signing_secret=SIGNING_SECRET, api_url=fake.api_url, http_server=server, drain_timeout=1.0
    )
    await server.start()
    await adapter.start(bot.handle)
    async with aiohttp.ClientSession() as session:
        http = HttpSlack(adapter, server, session)

        async def over_http(text: str, **overrides: Any) -> None:
            assert (await http.command(text, **overrides)).status == 200  # the ack

        yield over_http
    await adapter.stop()
    await server.stop()


def texts(fake: FakeSlack) -> list[str]:
    return [str(p.get("text", "")) for p in fake.posted()]


async def test_one_persons_answers_wait_for_their_earlier_ones_others_do_not(
    send: Command, fake: FakeSlack, gate: Gate
) -> None:
    await send("slow")  # acked at once, answered only when the gate opens
    await gate.entered.wait()
    await send("help")  # the same person: acked at once, answered after "finally"
    await send("next", user_id="UADMIN", user_name="ada")  # someone else: answered now
    await fake.wait_for(lambda: any(NEXT_TITLE in t for t in texts(fake)))
    assert len(texts(fake)) == 1, texts(fake)
    gate.opened.set()
    await fake.wait_for(lambda: len(texts(fake)) == 3)
    assert texts(fake)[1] == "finally", texts(fake)


async def test_the_same_person_in_another_channel_is_not_held_up(send: Command, fake: FakeSlack, gate: Gate) -> None:
    await send("slow")
    await gate.entered.wait()
    await send("next", channel_id="C0OTHER", channel_name="other")
    await fake.wait_for(lambda: any(NEXT_TITLE in t for t in texts(fake)))
    gate.opened.set()
    await fake.wait_for(lambda: "finally" in texts(fake))


async def test_a_request_the_bot_drops_does_not_hold_up_the_next(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    # Noise (an edited DM), a repeated delivery and a foreign workspace take their place in the
    # queue and give it up; the next DM of the same person is answered.
    payload = event_callback(dm("next"))
    for envelope in (
        event_callback(dm("next", subtype="message_changed")),
        payload,
        payload,
        event_callback(dm("next"), team_id="T0FOREIGN"),
    ):
        await fake.wait_ack(await fake.push("events_api", envelope))
    await fake.wait_for(lambda: len(texts(fake)) == 1)
    await fake.wait_ack(await fake.push("events_api", event_callback(dm("help"))))
    await fake.wait_for(lambda: len(texts(fake)) == 2)
    async with asyncio.timeout(10):  # a guard against a hang: the last turn ends just after its post
        while socket_slack.app.order.lanes:  # nothing waits, and no key is kept
            await asyncio.sleep(0.01)


def test_the_key_is_team_user_and_channel() -> None:
    command = slash_command("next")
    assert order_key(command) == (TEAM_ID, "UMEMBER", "C0GENERAL")
    assert order_key(event_callback(dm("next"))) == (TEAM_ID, "UMEMBER", "D0DIRECT")
    press = block_actions("/going", channel="C0GENERAL", user="UMEMBER")
    assert order_key(press)[1:] == ("UMEMBER", "C0GENERAL")  # a press waits for the presser's messages there
    assert order_key({"type": "view_submission", "user": {"id": "UMEMBER"}})[1:] == ("UMEMBER", "UMEMBER")
    assert order_key({"type": "url_verification"}) is None
