"""Proposals on Slack, through the real adapter (HTTP mode, signed requests) against the fake Web
API: the slash command opens a modal, its submission is stored and posted for review, and the
card's buttons act only for organisers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.slack.adapter import SlackAdapter
from adapters.web.server import HttpServer
from bot.assembly import Core
from tests.fakes.clock import FixedClock
from tests.fakes.slack_api import FakeSlack, block_actions, view_submission
from tests.proposals.conftest import MEETUP, build, set_organisers_chat
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, HttpSlack

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ORG_CHANNEL = "C0ORG"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(bot_token=BOT_TOKEN)
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def slack(fake: FakeSlack, events: Path, db_url: str) -> AsyncIterator[tuple[HttpSlack, Core]]:
    set_organisers_chat(events, f"slack:{ORG_CHANNEL}")
    core = build(events, db_url, FixedClock(NOW), organisers=("slack:UADMIN",))
    server = HttpServer("127.0.0.1", 0)
    adapter = SlackAdapter(
        BOT_TOKEN, core.registry, signing_secret=SIGNING_SECRET, api_url=fake.api_url, http_server=server
    )
    await server.start()
    await adapter.start(core.bot.handle)
    await core.announcements.start([adapter])
    async with aiohttp.ClientSession() as session:
        yield HttpSlack(adapter, server, session), core
    await core.announcements.stop()
    await adapter.stop()
    await server.stop()


async def interact(http: HttpSlack, payload: dict[str, Any]) -> int:
    """POST an interactive payload the way Slack does: a signed form with `payload=<json>`."""
    posted = await http.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    return posted.status


def posted_to(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [a for a in fake.posted() if a.get("channel") == channel]


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args.get("blocks", [])
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


async def submit_talk(http: HttpSlack, fake: FakeSlack, title: str) -> dict[str, Any]:
    """/meetup propose, then the modal's submission; returns the card posted for review."""
    assert (await http.command("propose")).status == 200
    await fake.wait_for(lambda: bool(fake.called("views.open")))
    view = fake.called("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {"title": title, "abstract": "Packets, fast.", "speaker": "Max Mustermann", "language": "english"}
    assert await interact(http, view_submission(view, values)) == 200
    await fake.wait_for(lambda: bool(posted_to(fake, ORG_CHANNEL)) and bool(posted_to(fake, "UMEMBER")))
    return posted_to(fake, ORG_CHANNEL)[-1]


async def test_the_slash_command_opens_a_modal_whose_submission_is_reviewed(
    slack: tuple[HttpSlack, Core], fake: FakeSlack
) -> None:
    http, core = slack
    card = await submit_talk(http, fake, "<script> & co")
    view = fake.called("views.open")[0].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "form-propose_form"
    assert [b["block_id"] for b in view["blocks"]] == ["title", "abstract", "speaker", "language"]
    assert view["blocks"][0]["element"]["max_length"] == 200
    [stored] = core.announcements.store.proposals.find()
    assert (stored.title, stored.language, stored.from_key) == ("<script> & co", "English", "slack:UMEMBER")
    text = json.dumps(blocks_of(card))
    assert "&lt;script&gt; &amp; co" in text and "<script>" not in text  # escaped once
    actions = [b for b in blocks_of(card) if b["type"] == "actions"]
    assert [e["value"] for e in actions[0]["elements"]] == ["/accept T1", "/decline T1"]
    thanks = posted_to(fake, "UMEMBER")[-1]
    assert "T1" in thanks["text"]


async def test_buttons_act_only_for_organisers(slack: tuple[HttpSlack, Core], fake: FakeSlack, events: Path) -> None:
    http, core = slack
    card = await submit_talk(http, fake, "Kernel bypass, gently")
    assert card["channel"] == ORG_CHANNEL
    message_ts = "1700000000.000042"  # the card's ts, as the press names it
    before = events.read_text()
    press = block_actions("/accept T1", channel=ORG_CHANNEL, message_ts=message_ts, user="UMEMBER")
    assert await interact(http, press) == 200
    await fake.wait_for(lambda: bool(fake.called("chat.postEphemeral")))
    refusal = fake.called("chat.postEphemeral")[0].args
    assert refusal["user"] == "UMEMBER" and "only the organisers" in refusal["text"]
    assert events.read_text() == before and not fake.called("chat.update")
    press = block_actions("/accept T1", channel=ORG_CHANNEL, message_ts=message_ts, user="UADMIN")
    assert await interact(http, press) == 200
    await fake.wait_for(lambda: bool(fake.called("chat.update")) and len(posted_to(fake, "UMEMBER")) >= 2)
    edit = fake.called("chat.update")[0].args
    assert (edit["channel"], edit["ts"]) == (ORG_CHANNEL, message_ts) and "Accepted" in edit["text"]
    assert "Good news" in posted_to(fake, "UMEMBER")[-1]["text"]
    served = core.bot.source.current.get(MEETUP)
    assert served is not None and [t.title for t in served.talks] == ["Kernel bypass, gently"]
