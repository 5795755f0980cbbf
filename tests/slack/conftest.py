"""Slack test fixtures: a local fake Slack, the real core, and the adapter wired to both."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.adapter import EVENTS_PATH, SlackAdapter
from adapters.web.server import HttpServer
from bot.calendar.source import CalendarSource
from bot.chat.commands import Answer, Command, CommandRegistry, Request
from bot.chat.core import Bot
from bot.chat.messages import ChatRef
from bot.chat.reply import text_reply
from tests.conftest import SHIPPED_EVENTS, assemble_core
from tests.fakes import PATIENCE
from tests.fakes.clock import FixedClock
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlack

# Shaped like Slack's credentials, and distinctive enough to grep logs for.
BOT_TOKEN = "xoxb-1111-2222-SECRETBOTTOKENvalue"
APP_TOKEN = "xapp-1-A0MEETUP-3333-SECRETAPPTOKENvalue"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # before the shipped 2027-01-19 meetup
NEXT_TITLE = "Fast Packets - XDP, eBPF and Kernel Bypass"


class RecordingStatus:
    """A ChatStatusListener that remembers what it was told."""

    def __init__(self) -> None:
        self.inactive: list[tuple[ChatRef, str]] = []
        self.joined: list[ChatRef] = []
        self.moved: list[tuple[ChatRef, ChatRef]] = []
        self._told = asyncio.Condition()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Until `predicate` holds; re-checked each time the listener is told something."""
        async with asyncio.timeout(PATIENCE), self._told:  # a guard against a hang, not a timing check
            await self._told.wait_for(predicate)

    async def _record(self, into: list[Any], item: Any) -> None:
        async with self._told:
            into.append(item)
            self._told.notify_all()

    async def chat_joined(self, chat: ChatRef) -> None:
        await self._record(self.joined, chat)

    async def chat_inactive(self, chat: ChatRef, reason: str) -> None:
        await self._record(self.inactive, (chat, reason))

    async def chat_moved(self, old: ChatRef, new: ChatRef) -> None:
        await self._record(self.moved, (old, new))


class Gate:
    """Holds a command's answer until the test opens it (to show the ack comes first)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()
        self.cancelled = asyncio.Event()  # the answer was given up on (a stop that does not wait)

    async def handler(self, req: Request) -> Answer:
        self.entered.set()
        try:
            await self.opened.wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return text_reply("finally")


async def whoami(req: Request) -> Answer:
    sender = req.message.sender
    return text_reply(f"{sender.user_id} admin={sender.is_chat_admin}")


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def bot(gate: Gate) -> Bot:
    """The core as the app assembles it, plus two hidden probes the tests call."""
    core = assemble_core(CalendarSource.from_file(SHIPPED_EVENTS), FixedClock(NOW))
    core.registry.add(Command("adminprobe", "Who the bot thinks you are", whoami, needs_admin=True, hidden=True))
    core.registry.add(Command("slow", "Answers when the test says so", gate.handler, hidden=True))
    return core.bot


@pytest.fixture
def registry(bot: Bot) -> CommandRegistry:
    return bot.registry


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        users={
            "UADMIN": {"name": "ada", "is_admin": True, "is_owner": False},
            "UOWNER": {"name": "olga", "is_admin": False, "is_owner": True},
            "UMEMBER": {"name": "max", "is_admin": False, "is_owner": False},
        },
    )
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
def status() -> RecordingStatus:
    return RecordingStatus()


@dataclass(frozen=True)
class Posted:
    status: int
    text: str


@dataclass
class HttpSlack:
    adapter: SlackAdapter
    server: HttpServer
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{EVENTS_PATH}"

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: Mapping[str, str] | None = None,
    ) -> Posted:
        """POST as Slack does: `X-Slack-Signature` is HMAC-SHA256 over `v0:timestamp:body`."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            return Posted(response.status, await response.text())

    async def command(self, text: str, **overrides: Any) -> Posted:
        return await self.post(urlencode(slash_command(text, **overrides)), "application/x-www-form-urlencoded")

    async def event(
        self, event: dict[str, Any], *, headers: Mapping[str, str] | None = None, **overrides: Any
    ) -> Posted:
        return await self.post(json.dumps(event_callback(event, **overrides)), "application/json", headers=headers)


def slash_command(text: str, **overrides: Any) -> dict[str, str]:
    """The form Slack posts for `/meetup <text>`."""
    return {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "team_domain": "meetup-fake",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": "UMEMBER",
        "user_name": "max",
        "command": "/meetup",
        "text": text,
        "api_app_id": "A0MEETUP",
        "is_enterprise_install": "false",
        "response_url": "http://127.0.0.1:9/unused",
        "trigger_id": f"trig-{time.monotonic_ns()}",
        **overrides,
    }


_event_ids = iter(range(1, 1_000_000))


def event_callback(event: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """An Events API `event_callback` envelope around `event`."""
    return {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0MEETUP",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False},
        ],
        "is_ext_shared_channel": False,
        **overrides,
    }


def mention(text: str, *, channel: str = "C0GENERAL", user: str = "UMEMBER", **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": "1700000001.000100",
        "channel": channel,
        "team": TEAM_ID,
        "event_ts": "1700000001.000100",
        **extra,
    }


def dm(text: str, *, channel: str = "D0DIRECT", user: str = "UMEMBER", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1700000002.000200",
        "channel": channel,
        "team": TEAM_ID,
        "event_ts": "1700000002.000200",
        **extra,
    }


@pytest.fixture
async def http_slack(
    fake: FakeSlack, bot: Bot, registry: CommandRegistry, status: RecordingStatus
) -> AsyncIterator[HttpSlack]:
    server = HttpServer("127.0.0.1", 0)
    adapter = SlackAdapter(
        BOT_TOKEN,
        registry,
        signing_secret=SIGNING_SECRET,
        api_url=fake.api_url,
        http_server=server,
        status=status,
        drain_timeout=1.0,
    )
    await server.start()
    await adapter.start(bot.handle)
    async with aiohttp.ClientSession() as session:
        yield HttpSlack(adapter, server, session)
    await adapter.stop()
    await server.stop()


@pytest.fixture
async def socket_slack(fake: FakeSlack, bot: Bot, registry: CommandRegistry) -> AsyncIterator[SlackAdapter]:
    """The adapter started in Socket Mode against the fake (its WebSocket pushes the envelopes)."""
    adapter = SlackAdapter(BOT_TOKEN, registry, app_token=APP_TOKEN, api_url=fake.api_url, drain_timeout=1.0)
    await adapter.start(bot.handle)
    yield adapter
    await adapter.stop()


@pytest.fixture
def sender(fake: FakeSlack, registry: CommandRegistry, status: RecordingStatus) -> SlackAdapter:
    """An adapter used only to send (reminders): it needs no start()."""
    return SlackAdapter(
        BOT_TOKEN,
        registry,
        signing_secret=SIGNING_SECRET,
        api_url=fake.api_url,
        http_server=HttpServer("127.0.0.1", 0),
        status=status,
        rate_limit_retries=1,
    )
