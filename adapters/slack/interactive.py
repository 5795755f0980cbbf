"""Slack's interactive side: command buttons (`block_actions`), modals (`views.open`,
`view_submission`), and where each reply goes.

A command button's `value` is its command: a press runs it as the presser, in the channel of the
message, and its replies are routed by `Reply.target` (a new message, `chat.update` of the message
the button is on, or `chat.postEphemeral` for the presser alone). A reply carrying a `Form`, to a
slash command, opens a modal with the command's trigger id; its submission runs the form's command
with the values, and the answers go to the submitter's DM.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from adapters.slack.inbound import PLATFORM, unescape
from bot.chat.commands import CommandRegistry
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Form
from bot.wording import clip

log = logging.getLogger(__name__)

FORM_CALLBACK = "form-"  # callback_id prefix of our modals: form-<command>
TITLE_MAX = 24  # Slack's modal title limit
INPUT_MAX = 3000  # plain_text_input's max_length ceiling


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def modal(form: Form, channel_id: str) -> dict[str, Any]:
    """The modal view for a form; the channel it was opened from rides in private_metadata."""
    blocks: list[dict[str, Any]] = []
    for field in form.fields:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": field.name, "multiline": field.multiline}
        if field.max_length is not None:
            element["max_length"] = min(field.max_length, INPUT_MAX)
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _plain(field.label[:2000]),
                "optional": field.optional,
                "element": element,
            }
        )
    title = form.title if len(form.title) <= TITLE_MAX else form.title[: TITLE_MAX - 1] + "…"
    return {
        "type": "modal",
        "callback_id": f"{FORM_CALLBACK}{form.command}",
        "title": _plain(title),
        "submit": _plain(form.submit[:24]),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel": channel_id}),
        "blocks": blocks,
    }


def from_block_action(body: Mapping[str, Any]) -> IncomingMessage | None:
    """A command button press as the command it carries, sent by the presser; None if the
    payload has no command or no channel (a button in a modal, say)."""
    actions = body.get("actions") or []
    value = actions[0].get("value") if actions and isinstance(actions[0], dict) else None
    container = _dict(body.get("container"))
    channel = str(_dict(body.get("channel")).get("id") or container.get("channel_id") or "")
    if not value or not channel:
        return None
    user = _dict(body.get("user"))
    message_ts = container.get("message_ts") or _dict(body.get("message")).get("ts")
    message = _incoming(
        ChatRef(PLATFORM, channel, is_private=channel.startswith("D")),
        user,
        str(value),
        message_id=str(message_ts) if message_ts else None,
        pressed=True,
    )
    return replace(message, form_trigger=body.get("trigger_id") or None)  # a press may open a modal


def from_view_submission(body: Mapping[str, Any], registry: CommandRegistry) -> IncomingMessage | None:
    """A submitted modal of ours as its form's command with the field values, in the submitter's
    DM (a post to a user id opens it); None for a view that is not one of our forms. The
    callback id names the command, so it may only name a form command (`Command.form`): a
    submission is no way to run /accept with made-up arguments."""
    view = _dict(body.get("view"))
    callback = str(view.get("callback_id") or "")
    if not callback.startswith(FORM_CALLBACK):
        return None
    command = callback.removeprefix(FORM_CALLBACK)
    known = registry.get(command)
    if known is None or not known.form or known.name != command:
        log.warning("ignored a Slack view submission for %r: not one of the bot's forms", clip(command, 40))
        return None
    values = _dict(_dict(view.get("state")).get("values"))
    fields: list[tuple[str, str]] = []
    for block_id, actions in values.items():
        for action in _dict(actions).values():
            value = _dict(action).get("value")
            fields.append((str(block_id), "" if value is None else str(value)))
    user = _dict(body.get("user"))
    dm = ChatRef(PLATFORM, str(user.get("id", "")), is_private=True)
    return _incoming(dm, user, f"/{command}", fields=tuple(fields))


def _incoming(
    chat: ChatRef,
    user: Mapping[str, Any],
    text: str,
    *,
    message_id: str | None = None,
    pressed: bool = False,
    fields: tuple[tuple[str, str], ...] = (),
) -> IncomingMessage:
    text = unescape(text) if not fields else text
    name, _, arg_text = text.lstrip("/").partition(" ")
    return IncomingMessage(
        chat=chat,
        sender=UserRef(
            PLATFORM,
            str(user.get("id", "")),
            user.get("name") or user.get("username") or None,
            user.get("username") or None,
        ),
        text=text,
        received_at=datetime.now(UTC),
        command=name.lower() or None,
        args=tuple(arg_text.split()),
        arg_text=arg_text.strip(),
        addressed=True,
        message_id=message_id,
        pressed=pressed,
        fields=fields,
    )


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
