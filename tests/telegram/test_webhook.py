"""Webhook mode: updates POSTed to a route on the shared HTTP server, secret token checked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.base import StartError
from adapters.telegram.adapter import SECRET_HEADER, TelegramAdapter
from adapters.web.server import HttpServer
from bot.chat.core import Bot
from tests.fakes.telegram_api import Failure, FakeBotApi
from tests.telegram.conftest import FAST, GROUP, TOKEN, RecordingStatus

SECRET = "webhook-Secret_123"
PUBLIC_URL = "https://bot.example.org/hooks/telegram"


@pytest.fixture
async def webhook(api: FakeBotApi, core: Bot, status: RecordingStatus) -> AsyncIterator[str]:
    http = HttpServer(host="127.0.0.1", port=0)
    adapter = TelegramAdapter(
        TOKEN,
        core.registry,
        api_url=api.url,
        webhook_url=PUBLIC_URL,
        webhook_secret=SECRET,
        http_server=http,
        status=status,
        options=FAST,
    )
    await http.start()  # after the adapter mounted its route, as the app does
    await adapter.start(core.handle)
    try:
        yield f"http://127.0.0.1:{http.port}/hooks/telegram"
    finally:
        await adapter.stop()
        await http.stop()


async def test_start_registers_the_webhook_with_its_secret(api: FakeBotApi, webhook: str) -> None:
    assert api.webhook is not None
    assert api.webhook["url"] == PUBLIC_URL
    assert api.webhook["secret_token"] == SECRET
    assert api.calls_of("getUpdates") == []  # no polling in webhook mode


async def test_update_with_the_right_secret_is_answered(api: FakeBotApi, webhook: str) -> None:
    update = api.message_update("/next", chat_id=GROUP)
    async with httpx.AsyncClient() as client:
        response = await client.post(webhook, json=update, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    [sent] = await api.wait_sent(1)
    assert sent.chat_id == GROUP and sent.parse_mode == "HTML"


@pytest.mark.parametrize("headers", [{SECRET_HEADER: "wrong"}, {}], ids=["wrong secret", "no secret"])
async def test_update_without_the_right_secret_is_refused(
    api: FakeBotApi, webhook: str, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient() as client:
        refused = await client.post(webhook, json=api.message_update("/next", chat_id=GROUP), headers=headers)
        assert refused.status_code == 403
        # A genuine update right after proves the refused one was never queued.
        ok = await client.post(webhook, json=api.message_update("/help", chat_id=4242), headers={SECRET_HEADER: SECRET})
    assert ok.status_code == 200
    [sent] = await api.wait_sent(1)
    assert sent.chat_id == 4242


async def test_malformed_body_is_a_bad_request(api: FakeBotApi, webhook: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(webhook, content=b"{not json", headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400


async def test_failed_set_webhook_fails_the_start_and_leaves_nothing_running(api: FakeBotApi, core: Bot) -> None:
    api.fail(Failure(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook"), method="setWebhook")
    adapter = TelegramAdapter(
        TOKEN,
        core.registry,
        api_url=api.url,
        webhook_url=PUBLIC_URL,
        http_server=HttpServer(host="127.0.0.1", port=0),
        options=FAST,
    )
    with pytest.raises(StartError, match=r"Telegram refused to start the bot: .*(?i:https url)"):
        await adapter.start(core.handle)
    assert not adapter.application.running
    await adapter.stop()  # and stopping again is harmless


async def test_webhook_mode_needs_the_shared_server(core: Bot) -> None:
    with pytest.raises(ValueError, match="shared HTTP server"):
        TelegramAdapter(TOKEN, core.registry, webhook_url=PUBLIC_URL)
