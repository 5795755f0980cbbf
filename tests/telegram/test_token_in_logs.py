"""The bot token must not appear in any log record, at any level, from any logger."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.base import StartError
from adapters.telegram.adapter import TelegramAdapter
from bot.announce.outbound import SendError
from bot.chat.core import Bot
from bot.chat.messages import ChatRef
from bot.chat.reply import text_reply
from tests.fakes.telegram_api import Failure, FakeBotApi, spawn
from tests.telegram.conftest import EVENTS, FAST, GROUP, TOKEN, Factory

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    loggers = [logging.getLogger(n) for n in ("httpx", "httpcore", "telegram", "telegram.ext.Updater", "aiohttp")]
    saved = [(root.level, root)] + [(lg.level, lg) for lg in loggers]
    root.addHandler(handler)
    for _, logger in saved:
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for level, logger in saved:
            logger.setLevel(level)


async def test_token_never_logged(api: FakeBotApi, make_adapter: Factory, captured: Everything) -> None:
    adapter: TelegramAdapter = await make_adapter(network_attempts=2, backoff=0.01)
    api.user_message("/next", chat_id=GROUP)
    await api.wait_sent(1)
    chat = ChatRef("telegram", str(GROUP))
    for failure in (Failure.retry_after(1), Failure.forbidden(), Failure.cant_parse(), Failure(500, "Internal")):
        api.fail(failure, chat_id=GROUP)
        with contextlib.suppress(SendError):  # each failure is expected; its logging is the point
            await adapter.send(chat, text_reply("hello"))
    await adapter.stop()

    lines = [captured.format(r) for r in captured.records]
    assert any(r.name == "httpx" for r in captured.records)  # the URL-printing logger was on
    assert any("[redacted]" in line for line in lines)  # and did try to print the token
    leaks = [line for line in lines if TOKEN in line]
    assert leaks == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_rejected_token_is_one_clear_line_never_a_traceback(tmp_path: Path, mode: str) -> None:
    """`meetup-bot run` against a Bot API that answers 401: one line, exit 1, the token nowhere."""
    fake, url = await spawn(tmp_path / "sent.jsonl", "--token", "111:the-right-token")
    wrong = "222:AAwrong-token-that-must-not-print"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL", "PORT"))}
    env.update(TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_URL=url, SQLITE_PATH=str(tmp_path / "db"), LOG_LEVEL="DEBUG")
    if mode == "webhook":
        env.update(TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram", PORT=str(free_port()))
    try:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli", "run", "--events", str(EVENTS),
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(bot.communicate(), 60)
    finally:
        fake.kill()
        await fake.wait()
    stderr = err.decode()
    assert bot.returncode == 1, stderr
    assert stderr.splitlines()[-1] == "cannot start: Telegram rejected the token (401): check TELEGRAM_BOT_TOKEN"
    assert "Traceback" not in stderr and wrong not in stderr + out.decode()


async def test_an_unreachable_bot_api_at_start_is_one_clear_line(core: Bot) -> None:
    adapter = TelegramAdapter(TOKEN, core.registry, api_url=f"http://127.0.0.1:{free_port()}", options=FAST)
    with pytest.raises(StartError, match=r"^cannot reach Telegram: ") as raised:
        await adapter.start(core.handle)
    assert TOKEN not in str(raised.value) and raised.value.__cause__ is None
    assert not adapter.application.running
