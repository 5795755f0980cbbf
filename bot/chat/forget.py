"""/forget: every capability that keeps something a person sent deletes it.

Each capability registers a `Forgetter` in `bot.registry` (proposals, RSVP, private contacts):
it deletes what it holds for the user and says what, in a short line, or None when it held
nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.chat.commands import Answer, Handler, Request
from bot.chat.messages import UserRef
from bot.chat.reply import BulletList, Reply, inlines, paragraph, text_reply

Forgetter = Callable[[UserRef], Awaitable[str | None]]


def forget_command(forgetters: Sequence[Forgetter]) -> Handler:
    async def forget(req: Request) -> Answer:
        user = req.message.sender
        done = [line for f in forgetters if (line := await f(user))]
        if not done:
            return text_reply("I hold nothing you sent me. Nothing to forget.")
        return Reply((paragraph("Done. I deleted:"), BulletList(tuple(inlines(line) for line in done))))

    return forget
