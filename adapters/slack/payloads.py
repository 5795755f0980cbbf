"""The shape every Slack request must have before anything acts on it.

A correctly signed request is from Slack (or from whoever holds the signing secret), yet its
fields are still only what the body says: a button press with no user would answer as `slack:`
(an empty id), one with `actions: "x"` made Bolt's own middleware raise (HTTP 500 and a
traceback). `problem(body)` says in a few words what is wrong with a body, or None; `GuardedApp`
asks it before Bolt sees the request and turns a bad one away with ONE log line: HTTP 400 in
HTTP mode, an empty ack in Socket Mode (so Slack does not redeliver it). Which workspace a good
request is from is checked afterwards, by the adapter's gate (`inbound.team_ids_of`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

# Payloads a person's action sends (button, modal, shortcut): each names who acted, and where.
INTERACTIVE = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
    }
)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _team_of(body: Mapping[str, Any]) -> bool:
    team, user = body.get("team"), body.get("user")
    return (isinstance(team, dict) and _text(team.get("id"))) or (isinstance(user, dict) and _text(user.get("team_id")))


def problem(body: Any) -> str | None:
    """What makes this request body one the bot must not act on; None when it is well formed."""
    if not isinstance(body, dict):
        return "the body is not an object"
    kind = body.get("type")
    if kind in INTERACTIVE:
        return _interactive(body, str(kind))
    if "command" in body and kind is None:  # a slash command's form
        for key in ("command", "user_id", "team_id", "channel_id"):
            if not _text(body.get(key)):
                return f"a slash command without {key}"
        return None if isinstance(body.get("text", ""), str) else "a slash command whose text is not text"
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict):
            return "an event callback without an event"
        if not _text(body.get("team_id")):
            return "an event callback without team_id"
        if event.get("type") == "app_mention" and not _text(event.get("user")):
            return "a mention without a user"
    return None


def _interactive(body: Mapping[str, Any], kind: str) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")):
        return f"a {kind} without a user"
    if not _team_of(body):
        return f"a {kind} without a team"
    for key in ("container", "channel", "message"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"a {kind} whose {key} is not an object"
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "a block_actions without a list of actions"
        for action in actions:
            if not isinstance(action, dict) or not _text(action.get("action_id")):
                return "a block_actions with an action that has no action_id"
            if not isinstance(action.get("value", ""), str):
                return "a block_actions with a value that is not text"
    if kind in ("view_submission", "view_closed"):
        return _view(body.get("view"), kind)
    return None


def _view(view: Any, kind: str) -> str | None:
    if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
        return f"a {kind} without a view and its callback_id"
    values = view.get("state", {}).get("values", {}) if isinstance(view.get("state", {}), dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(action, dict) for action in block.values())
        for block in values.values()
    ):
        return f"a {kind} whose state is not the values of inputs"
    return None


class GuardedApp(AsyncApp):
    """Bolt's app, turning malformed bodies away before its middleware reads them."""

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        why = problem(req.body)
        if why is None:
            return await super().async_dispatch(req)
        log.warning("ignored a malformed Slack request: %s", why)
        if req.mode == "socket_mode":
            return BoltResponse(status=200, body="")  # acknowledged: Slack would only resend it
        return BoltResponse(status=400, body="bad request")
