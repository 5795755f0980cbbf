"""Each person's Slack requests are answered in the order they came, other people's at once, and
every request is still acknowledged immediately (adapters/slack/ordering.py), in HTTP mode and in
Socket Mode. A person whose first command is held (the `slow` probe) gets their second answer
only after it; someone else is answered meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.slack.adapter import SlackAdapter
from adapters.slack.ordering import order_key
from tests.fakes.slack_api import TEAM_ID, FakeSlack, block_actions
from tests.slack.conftest import NEXT_TITLE, Gate, HttpSlack, dm, event_callback, slash_command

Command = Callable[..., Awaitable[None]]  # sends one slash command as a given user; returns once acked


@pytest.fixture(params=["http", "socket"])
def send(request: pytest.FixtureRequest, fake: FakeSlack) -> Command:
    """The adapter started in either mode (tests/slack/conftest.py's `http_slack` or
    `socket_slack`), and a way to send."""
    if request.param == "socket":
        request.getfixturevalue("socket_slack")

        async def over_socket(text: str, **overrides: Any) -> None:
            await fake.wait_ack(await fake.push("slash_commands", slash_command(text, **overrides)))

        return over_socket
    http: HttpSlack = request.getfixturevalue("http_slack")

    async def over_http(text: str, **overrides: Any) -> None:
        assert (await http.command(text, **overrides)).status == 200  # the ack

    return over_http


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
