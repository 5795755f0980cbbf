"""Every log record of a busy Slack run, at DEBUG from every logger, is free of the tokens and
the signing secret, without relying on the redaction filter."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.base import StartError
from adapters.slack.adapter import SlackAdapter
from adapters.web.server import HttpServer
from bot.announce.outbound import SendError
from bot.chat.commands import CommandRegistry
from bot.chat.core import Bot
from bot.chat.messages import ChatRef
from bot.chat.reply import text_reply
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import (
    APP_TOKEN,
    BOT_TOKEN,
    SECRETS,
    SIGNING_SECRET,
    HttpSlack,
    event_callback,
    mention,
    slash_command,
)


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))  # message, arguments and any traceback


@pytest.fixture
def everything() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    # Loggers that set their own level (pytest, earlier tests) would hide records: open them all.
    levels = {name: lg.level for name, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    for name in levels:
        logging.getLogger(name).setLevel(logging.NOTSET)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_a_full_run_logs_no_secret(
    everything: Everything, fake: FakeSlack, bot: Bot, registry: CommandRegistry
) -> None:
    # Socket Mode: connect, a slash command, a mention, a retry, then stop.
    socket = SlackAdapter(BOT_TOKEN, registry, app_token=APP_TOKEN, api_url=fake.api_url)
    await socket.start(bot.handle)
    await fake.wait_ack(await fake.push("slash_commands", slash_command("next")))
    payload = event_callback(mention("adminprobe", user="UADMIN"))
    await fake.wait_ack(await fake.push("events_api", payload))
    await fake.wait_ack(await fake.push("events_api", payload, retry_attempt=1, retry_reason="timeout"))
    await fake.wait_for(lambda: len(fake.posted()) == 2)
    await socket.stop()

    # HTTP mode: a good request, a forged one, and sends that fail in each way.
    server = HttpServer("127.0.0.1", 0)
    http = SlackAdapter(
        BOT_TOKEN,
        registry,
        signing_secret=SIGNING_SECRET,
        api_url=fake.api_url,
        http_server=server,
        rate_limit_retries=1,
    )
    await server.start()
    await http.start(bot.handle)
    async with aiohttp.ClientSession() as session:
        client = HttpSlack(http, server, session)
        await client.command("next")
        form = urlencode(slash_command("next"))
        forged = await client.post(form, "application/x-www-form-urlencoded", secret="wrong")
        assert forged.status == 401
        await fake.wait_for(lambda: len(fake.posted()) == 3)
    for error, status in (("ratelimited", 429), ("channel_not_found", 200), ("internal_error", 500)):
        fake.fail("chat.postMessage", error, status=status, retry_after=0 if status == 429 else None, times=2)
        with pytest.raises(SendError):
            await http.send(ChatRef("slack", "C0X"), text_reply("hi"))
    await http.stop()
    await server.stop()

    # A start-up with a wrong app token fails loudly, still without printing the right one.
    broken = SlackAdapter(BOT_TOKEN, registry, app_token="xapp-wrong", api_url=fake.api_url)
    with pytest.raises(StartError):
        await broken.start(bot.handle)

    text = "\n".join(everything.lines)
    assert len(everything.lines) > 50, "the capture saw the run"
    assert "slack_sdk" in text and "slack_bolt" in text
    for secret in SECRETS:
        assert secret not in text
