"""A button press that fails (a stale card, a command the bot no longer has, bad arguments) is
answered to the presser alone with an ephemeral message, never as a post to the channel."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.fakes.slack_api import FakeSlack, block_actions
from tests.slack.conftest import HttpSlack


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("/going meetup-taken-out-of-the-calendar", "meetup-taken-out-of-the-calendar"),  # a stale card
        ("/going one two", "Usage: /meetup going"),  # a usage error
        ("/no_longer_a_command", "I don't know /no_longer_a_command"),
    ],
)
async def test_a_failed_press_is_answered_privately(
    http_slack: HttpSlack, fake: FakeSlack, value: str, said: str
) -> None:
    press = block_actions(value, channel="C0GENERAL", user="UMEMBER")
    posted = await http_slack.post(urlencode({"payload": json.dumps(press)}), "application/x-www-form-urlencoded")
    assert posted.status == 200
    await fake.wait_for(lambda: bool(fake.called("chat.postEphemeral")))
    [ephemeral] = fake.called("chat.postEphemeral")
    assert (ephemeral.args["channel"], ephemeral.args["user"]) == ("C0GENERAL", "UMEMBER")
    assert said in ephemeral.args["text"]
    await fake.settle()
    assert fake.called("chat.postMessage") == [] and fake.called("chat.update") == []
