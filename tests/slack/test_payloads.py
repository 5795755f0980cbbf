"""Signed, yet malformed: Slack payloads with no team, no user, or `actions`/`view` of the wrong
shape are turned away (HTTP 400, or an ack in Socket Mode) with one log line; they never give a
500, never run a command. A modal's callback id may only name a form command.

Through the real slack-bolt app on the shared HTTP server, against the fake Web API.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack.adapter import SlackAdapter
from bot.chat.commands import CommandRegistry
from bot.proposals.commands import form
from bot.proposals.model import Kind
from tests.fakes.slack_api import TEAM_ID, FakeSlack, block_actions, view_submission
from tests.slack.conftest import HttpSlack, event_callback, mention, slash_command

Payload = dict[str, Any]


def _without(payload: Payload, *keys: str) -> Payload:
    return {k: v for k, v in payload.items() if k not in keys}


def _no_team(payload: Payload) -> Payload:
    """No `team`, and the user's own team id gone too: nothing names a workspace."""
    return {**_without(payload, "team"), "user": {"id": "UADMIN", "username": "ada"}}


PRESS = block_actions("/adminprobe", user="UADMIN")  # an admin-only probe: it would call users.info and post
BAD_PRESSES: dict[str, Callable[[Payload], Payload]] = {
    "no team": _no_team,
    "team null": lambda p: {**_no_team(p), "team": None},
    "no user": lambda p: _without(p, "user"),
    "user without id": lambda p: {**p, "user": {"username": "ada", "team_id": TEAM_ID}},
    "user id empty": lambda p: {**p, "user": {"id": "", "team_id": TEAM_ID}},
    "user is text": lambda p: {**p, "user": "UADMIN"},
    'actions: "x"': lambda p: {**p, "actions": "x"},
    'actions: ["x"]': lambda p: {**p, "actions": ["x"]},
    "actions: null": lambda p: {**p, "actions": None},
    "actions: []": lambda p: {**p, "actions": []},
    "action without id": lambda p: {**p, "actions": [{"value": "/adminprobe"}]},
    "value not text": lambda p: {**p, "actions": [{"action_id": "cmd-0", "value": {"x": 1}}]},
    "container is text": lambda p: {**p, "container": "x"},
}
VIEW = {"type": "modal", "callback_id": "form-propose_form", "blocks": []}
BAD_VIEWS: dict[str, Callable[[Payload], Payload]] = {
    'view: "x"': lambda p: {**p, "view": "x"},
    "view: null": lambda p: {**p, "view": None},
    "view without callback": lambda p: {**p, "view": {"type": "modal"}},
    "state is text": lambda p: {**p, "view": {**p["view"], "state": "x"}},
    "values of text": lambda p: {**p, "view": {**p["view"], "state": {"values": {"b": "x"}}}},
    "no team": _no_team,
    "no user": lambda p: _without(p, "user"),
}


async def interact(http: HttpSlack, payload: Payload) -> int:
    return (await http.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")).status


def acted(fake: FakeSlack) -> list[str]:
    """Every Web API call besides start-up's: what answering anything would make."""
    return [c.method for c in fake.calls if c.method not in ("auth.test", "apps.connections.open")]


def one_line(caplog: pytest.LogCaptureFixture) -> str:
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None and records[0].levelname == "WARNING"
    assert "\n" not in records[0].getMessage()
    return records[0].getMessage()


@pytest.mark.parametrize("case", list(BAD_PRESSES))
async def test_a_malformed_button_press_is_refused_with_one_line(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.INFO)
    assert await interact(http_slack, BAD_PRESSES[case](PRESS)) == 400
    await fake.settle()
    assert acted(fake) == []
    assert "malformed Slack request" in one_line(caplog)


@pytest.mark.parametrize("case", list(BAD_VIEWS))
async def test_a_malformed_view_submission_is_refused_with_one_line(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.INFO)
    assert await interact(http_slack, BAD_VIEWS[case](view_submission(VIEW, {}, user="UADMIN"))) == 400
    await fake.settle()
    assert acted(fake) == []
    one_line(caplog)


@pytest.mark.parametrize(
    "overrides",
    [{"team_id": ""}, {"user_id": ""}, {"channel_id": ""}, {"team_id": None}],
    ids=["no team", "no user", "no channel", "team dropped"],
)
async def test_a_slash_command_without_team_user_or_channel_runs_nothing(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture, overrides: dict[str, str | None]
) -> None:
    caplog.set_level(logging.INFO)
    form_ = {k: v for k, v in {**slash_command("adminprobe", user_id="UADMIN"), **overrides}.items() if v is not None}
    assert (await http_slack.post(urlencode(form_), "application/x-www-form-urlencoded")).status == 400
    await fake.settle()
    assert acted(fake) == []
    one_line(caplog)


async def test_events_without_an_event_team_or_mentioning_user_run_nothing(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bodies = [
        event_callback(mention("next"), team_id=""),
        {**event_callback(mention("next")), "event": "x"},
        event_callback(_without(mention("next"), "user")),
        [1, 2, 3],
    ]
    for body in bodies:
        caplog.clear()
        assert (await http_slack.post(json.dumps(body), "application/json")).status == 400
        one_line(caplog)
    await fake.settle()
    assert acted(fake) == []


async def test_a_request_naming_no_workspace_never_passes_the_team_check(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """A shape the bot has no listener for, naming no workspace: the gate stops it (acked)."""
    caplog.set_level(logging.INFO)
    body = {"type": "app_rate_limited", "minute_rate_limited": 1518467820, "api_app_id": "A0MEETUP"}
    assert (await http_slack.post(json.dumps(body), "application/json")).status == 200
    assert "(none named)" in one_line(caplog)


async def test_a_well_formed_press_from_our_workspace_still_runs(http_slack: HttpSlack, fake: FakeSlack) -> None:
    assert await interact(http_slack, PRESS) == 200
    await fake.wait_for(lambda: "chat.postMessage" in acted(fake))
    assert [p["text"] for p in fake.posted()] == ["UADMIN admin=True"]


async def test_a_view_may_only_name_a_form_command(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for callback in ("form-adminprobe", "form-accept", "form-forget", "form-PROPOSE_FORM", "form-", "form-nope"):
        caplog.clear()
        view = {**VIEW, "callback_id": callback}
        assert await interact(http_slack, view_submission(view, {}, user="UADMIN")) == 200  # acked: closes the modal
        assert "not one of the bot's forms" in one_line(caplog)
    await fake.settle()
    assert acted(fake) == []
    # The real form is answered (here: what is missing from it) in the submitter's DM.
    assert await interact(http_slack, view_submission(VIEW, {}, user="UADMIN")) == 200
    await fake.wait_for(lambda: bool(fake.posted()))
    assert fake.posted()[0]["channel"] == "UADMIN"


def test_every_form_the_bot_opens_names_a_form_command(registry: CommandRegistry) -> None:
    for kind in Kind:
        command = registry.get(form(kind).command)
        assert command is not None and command.form
    assert sorted(c.name for c in registry if c.form) == ["host_form", "propose_form"]


async def test_socket_mode_acks_a_malformed_press_and_runs_nothing(
    socket_slack: SlackAdapter, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for case in ("no team", 'actions: "x"', "no user"):
        caplog.clear()
        envelope = await fake.push("interactive", BAD_PRESSES[case](PRESS))
        await fake.wait_ack(envelope)  # acked, or Slack would deliver it again
        assert "malformed Slack request" in one_line(caplog)
    await fake.settle()
    assert acted(fake) == []
