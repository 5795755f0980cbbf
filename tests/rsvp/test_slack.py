"""RSVP in a Slack channel, through `meetup-bot run`'s App in Socket Mode against the fake Slack:
button presses (`block_actions`) update the card with chat.update, answer the presser with an
ephemeral message, fill the seats then the waitlist, and a promotion is a DM to the user."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.app import App
from bot.calendar.source import CalendarSource
from bot.config import Settings
from tests.fakes.clock import FixedClock
from tests.fakes.slack_api import FakeSlack, block_actions
from tests.rsvp.conftest import CALENDAR, NOW
from tests.slack.conftest import APP_TOKEN, BOT_TOKEN, slash_command


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[FakeSlack]:
    events = tmp_path / "events.yaml"
    events.write_text(CALENDAR, encoding="utf-8")
    fake = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await fake.start()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake.api_url}
    settings = Settings(
        events_file=events, database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", scheduler_enabled=False, env=env
    )
    app = App(settings, CalendarSource.from_file(events), FixedClock(NOW))
    running = asyncio.create_task(app.run())
    try:
        await fake.wait_for(lambda: fake.open_sockets == 1)
        yield fake
    finally:
        app.stopping.set()
        assert await asyncio.wait_for(running, 30) == 0
        await fake.stop()


def text_of(args: dict[str, Any]) -> str:
    blocks = args.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)


def latest_card(fake: FakeSlack, ts: str) -> str:
    updates = [c.args for c in fake.called("chat.update") if c.args.get("ts") == ts]
    return text_of(updates[-1]) if updates else ""


async def test_presses_from_several_users_update_the_count(slack: FakeSlack) -> None:
    await slack.push("slash_commands", slash_command("next"))
    await slack.wait_for(lambda: len(slack.posted()) == 1)
    card = slack.posted()[0]
    ts = "1700000000.000001"  # the fake's first message: the card (the press payload names it by ts)
    assert "/going tiny" in text_of(card) and "0 going · 2 seats" in text_of(card)

    for user in ("U1", "U2", "U3"):
        await slack.push("interactive", block_actions("/going tiny", message_ts=ts, user=user))
    await slack.wait_for(lambda: len(slack.called("chat.postEphemeral")) == 3, 10)
    ephemeral = [c.args for c in slack.called("chat.postEphemeral")]
    assert sum("waitlist" in a.get("text", "") for a in ephemeral) == 1
    assert {a["user"] for a in ephemeral} == {"U1", "U2", "U3"}
    await slack.wait_for(lambda: "2 going · full · 1 on the waitlist" in latest_card(slack, ts), 30)

    waiting = next(a["user"] for a in ephemeral if "waitlist" in a.get("text", ""))
    leaving = next(u for u in ("U1", "U2", "U3") if u != waiting)
    await slack.push("interactive", block_actions("/notgoing tiny", message_ts=ts, user=leaving))
    await slack.wait_for(lambda: any(p.get("channel") == waiting for p in slack.posted()), 10)
    [dm] = [p for p in slack.posted() if p.get("channel") == waiting]
    assert "A seat freed up" in dm["text"]
    await slack.wait_for(lambda: "waitlist" not in latest_card(slack, ts) and "2 going" in latest_card(slack, ts), 30)
