"""Telegram's side of command buttons: inline keyboards out, callback queries in.

A `Button` becomes an inline keyboard button whose callback_data is its command (≤ 64 bytes), or
a URL button. A press arrives as a callback query; it becomes an `IncomingMessage` with
`pressed=True` sent by the presser, and its replies are routed by `Reply.target`: a new message
in the chat, an edit of the message the button is on, or the callback query's answer (which
Telegram shows only to the presser). The query is always answered, so the button stops spinning.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from adapters.base import MessageHandler
from adapters.telegram.render import TelegramText, render
from bot.announce.outbound import SendError, SendReceipt
from bot.chat.commands import command_message, parse_command
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Button, Reply, ReplyTarget

if TYPE_CHECKING:
    from adapters.telegram.adapter import TelegramAdapter

log = logging.getLogger(__name__)

CALLBACK_DATA_MAX = 64  # bytes, Telegram's limit
ANSWER_MAX = 200  # characters in a callback query answer


def keyboard(buttons: Sequence[Button], username: str | None = None) -> InlineKeyboardMarkup | None:
    """One row of inline buttons; a command too long for callback_data is left out (logged). A
    `private` button is a deep link into a private chat with the bot: `/start <payload>` there."""
    return _keyboard(tuple(buttons), username)


# PTB's keyboard objects are immutable once built: the same buttons (every card of a meetup has
# the same two) share one, which saves building four objects for every card sent.
@functools.lru_cache(maxsize=256)
def _keyboard(buttons: tuple[Button, ...], username: str | None) -> InlineKeyboardMarkup | None:
    row: list[InlineKeyboardButton] = []
    for button in buttons:
        if button.url:
            row.append(InlineKeyboardButton(button.label, url=button.url))
        elif button.private and username:
            row.append(InlineKeyboardButton(button.label, url=deep_link(username, button.command)))
        elif len(button.command.encode()) <= CALLBACK_DATA_MAX:
            row.append(InlineKeyboardButton(button.label, callback_data=button.command))
        else:
            log.warning("button %r left out: its command is over %d bytes", button.label, CALLBACK_DATA_MAX)
    return InlineKeyboardMarkup([row]) if row else None


def deep_link(username: str, command: str) -> str:
    """`https://t.me/<bot>?start=<payload>`: Telegram opens the private chat and sends
    `/start <payload>`. The payload is the command's words after /start, joined by `_`."""
    words = command.split()
    payload = "_".join(words[1:] if words[:1] == ["/start"] else [w.lstrip("/") for w in words])
    payload = re.sub(r"[^A-Za-z0-9_-]", "", payload)[:64]
    return f"https://t.me/{username}?start={payload}"


def pressed_message(query: CallbackQuery, chat: ChatRef) -> IncomingMessage:
    """The press as the command its button carries, sent by whoever pressed it."""
    text = query.data or ""
    user = query.from_user
    message_id = str(query.message.message_id) if query.message is not None else None
    return command_message(
        parse_command(text),
        chat=chat,
        sender=UserRef("telegram", str(user.id), user.full_name or user.username, user.username),
        text=text,
        received_at=datetime.now(UTC),
        message_id=message_id,
        pressed=True,
    )


async def handle_press(
    adapter: TelegramAdapter, on_message: MessageHandler | None, query: CallbackQuery, chat: ChatRef
) -> None:
    """Run the pressed command and route its replies; the query is answered in every case."""
    answer: list[str] = []
    routed: list[Reply] = []
    try:
        if on_message is not None and query.data:
            for reply in await on_message(pressed_message(query, chat)):
                if reply.target is ReplyTarget.PRESSER:
                    answer.append(reply.plain_text())
                else:
                    routed.append(reply)
    finally:
        text = "\n".join(answer)
        if len(text) > ANSWER_MAX:
            text = text[: ANSWER_MAX - 1] + "…"
        try:
            await query.answer(text=text or None, show_alert=len(text) > 60)
        except TelegramError as exc:  # an old query (over 15 minutes) cannot be answered: harmless
            log.info("could not answer a Telegram callback query: %s", exc)
    message_id = query.message.message_id if query.message is not None else None
    for reply in routed:
        try:
            if reply.target is ReplyTarget.SOURCE_MESSAGE and message_id is not None:
                adapter.edits.submit(chat, str(message_id), reply)  # throttled per message
            else:
                await adapter.send(chat, reply)
        except SendError as exc:
            log.warning("could not answer a button press in %s: %s", chat.key, exc)


async def edit_message(adapter: TelegramAdapter, chat: ChatRef, message_id: str, reply: Reply) -> SendReceipt:
    """Replace the text (and keyboard) of a message the bot sent. Only the first message's worth
    of the reply fits; an edit that changes nothing is not an error."""
    parts = [p for p in render(reply) if isinstance(p, TelegramText)]
    if not parts:
        raise SendError("nothing to edit the message with")
    if len(parts) > 1:
        log.warning("edit of %s/%s: only the first of %d parts fits in place", chat.key, message_id, len(parts))
    part = parts[0]
    chat_id: int | str = int(chat.chat_id) if chat.chat_id.lstrip("-").isdigit() else chat.chat_id
    try:
        edited = await adapter.application.bot.edit_message_text(
            part.html,
            chat_id=chat_id,
            message_id=int(message_id),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(part.buttons, adapter.username),
            link_preview_options=LinkPreviewOptions(is_disabled=True) if reply.disable_link_preview else None,
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return SendReceipt(chat, (message_id,))
        raise SendError(f"Telegram refused the edit: {exc.message}") from exc
    except Forbidden as exc:
        raise SendError(f"cannot edit in {chat.key}: {exc.message}") from exc
    except TelegramError as exc:
        raise SendError(f"Telegram error while editing: {exc.message}", retryable=True) from exc
    return SendReceipt(chat, (str(edited.message_id) if isinstance(edited, Message) else message_id,))
