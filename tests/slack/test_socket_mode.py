"""Socket Mode end to end: apps.connections.open on the fake Web API hands out the URL of a
local WebSocket that pushes envelopes; the bot acks each one and answers via chat.postMessage."""

from __future__ import annotations

import pytest

from adapters.base import StartError
from adapters.slack.adapter import SlackAdapter
from bot.chat.commands import CommandRegistry
from bot.chat.core import Bot
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import APP_TOKEN, BOT_TOKEN, NEXT_TITLE, event_callback, mention, slash_command


async def test_connects_with_the_app_token(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    assert fake.socket_connections == 1
    opened = fake.called("apps.connections.open")
    assert len(opened) == 1 and opened[0].token == APP_TOKEN
    assert fake.called("auth.test")[0].token == BOT_TOKEN


async def test_slash_command_envelope_is_acked_and_answered(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    envelope_id = await fake.push("slash_commands", slash_command("next"))
    ack = await fake.wait_ack(envelope_id)
    assert ack["envelope_id"] == envelope_id
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    assert fake.posted()[0]["channel"] == "C0GENERAL"
    assert NEXT_TITLE in fake.posted()[0]["text"]


async def test_mention_envelope_is_acked_and_answered(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    envelope_id = await fake.push("events_api", event_callback(mention("talks ebpf")))
    await fake.wait_ack(envelope_id)
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    assert "ebpf" in fake.posted()[0]["text"].lower()


async def test_retried_envelope_is_acked_but_answered_once(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    payload = event_callback(mention("next"))
    first = await fake.push("events_api", payload)
    retry = await fake.push("events_api", payload, retry_attempt=1, retry_reason="timeout")
    await fake.wait_ack(first)
    await fake.wait_ack(retry)  # acked all the same, or Slack keeps retrying
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    await fake.settle()
    assert len(fake.posted()) == 1


async def test_foreign_workspace_envelope_is_acked_and_ignored(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    envelope_id = await fake.push("events_api", event_callback(mention("next", team="T0OTHER"), team_id="T0OTHER"))
    await fake.wait_ack(envelope_id)
    await fake.settle()
    assert fake.posted() == []


async def test_stop_closes_the_socket(fake: FakeSlack, bot: Bot, registry: CommandRegistry) -> None:
    adapter = SlackAdapter(BOT_TOKEN, registry, app_token=APP_TOKEN, api_url=fake.api_url)
    await adapter.start(bot.handle)
    await fake.wait_for(lambda: fake.socket_connections == 1)
    await adapter.stop()
    await fake.wait_for(lambda: fake.open_sockets == 0)
    await adapter.stop()  # twice is fine


async def test_bad_app_token_fails_start_up(fake: FakeSlack, bot: Bot, registry: CommandRegistry) -> None:
    adapter = SlackAdapter(BOT_TOKEN, registry, app_token="xapp-wrong", api_url=fake.api_url)
    with pytest.raises(StartError, match=r"apps\.connections\.open failed: invalid_auth"):
        await adapter.start(bot.handle)
    assert fake.socket_connections == 0


async def test_bad_bot_token_fails_start_up(fake: FakeSlack, bot: Bot, registry: CommandRegistry) -> None:
    adapter = SlackAdapter("xoxb-wrong", registry, app_token=APP_TOKEN, api_url=fake.api_url)
    with pytest.raises(StartError, match=r"auth\.test failed: invalid_auth"):
        await adapter.start(bot.handle)


async def test_reconnects_when_slack_asks_and_keeps_answering(socket_slack: SlackAdapter, fake: FakeSlack) -> None:
    await fake.ask_to_reconnect()
    await fake.wait_for(lambda: fake.socket_connections == 2 and fake.open_sockets == 1)
    assert len(fake.called("apps.connections.open")) == 2  # a fresh URL for the new connection
    envelope_id = await fake.push("slash_commands", slash_command("next"))
    await fake.wait_ack(envelope_id)
    await fake.wait_for(lambda: len(fake.posted()) == 1)
