"""A text message sent the way PTB's `send_message` sends it, keeping only the new message's id.

`Bot.send_message` turns Telegram's answer into a `Message` (the whole message again: its text,
chat, sender, entities, keyboard), and the adapter reads one field of it. Building that object
cost 160 µs of CPU for a card as the local fake answers it and 260 µs as Telegram answers it (with
its formatting entities): about a tenth of all the CPU a `/next` costs. Here the same request
goes through the same path (`Bot._post`: PTB's defaults, its rate limiter, its request and every
error it raises: RetryAfter, Forbidden, ChatMigrated, BadRequest, NetworkError) and the answer is
read for its `message_id` alone.

`_post` is PTB's own (it has backed `send_message` and the public `do_api_request` unchanged since
v20); `do_api_request` itself warns when given a method PTB has, so it is not used for this.
The suite sends through this to the fake Bot API with the real PTB, so a change in PTB shows there.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters

from bot.announce.outbound import SendError


async def send_text(
    bot: Bot,
    chat_id: int | str,
    text: str,
    *,
    parse_mode: str | None,
    message_thread_id: int | None,
    reply_parameters: ReplyParameters | None,
    link_preview_options: LinkPreviewOptions | None,
    reply_markup: InlineKeyboardMarkup | None,
) -> int:
    """sendMessage with these parameters (None: left out, as PTB leaves it out); the message's id."""
    data: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": parse_mode,
        "message_thread_id": message_thread_id,
        "reply_parameters": reply_parameters,
        "link_preview_options": link_preview_options,
        "reply_markup": reply_markup,
    }
    result = await bot._post("sendMessage", data)
    message_id = result.get("message_id") if isinstance(result, dict) else None
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        # Telegram said ok but not which message: it was most likely posted. Never send it again.
        raise SendError(f"Telegram answered sendMessage without a message id: {result!r:.200}", maybe_delivered=True)
    return message_id
