"""The bot token must not appear in any log record, at any level, from any logger."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import pytest

from adapters.telegram.adapter import TelegramAdapter
from bot.announce.outbound import SendError
from bot.chat.messages import ChatRef
from bot.chat.reply import text_reply
from tests.fakes.telegram_api import Failure, FakeBotApi
from tests.telegram.conftest import GROUP, TOKEN, Factory

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
