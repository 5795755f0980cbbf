"""The announcement commands: /subscribe, /unsubscribe, /subscriptions, /cfp [text], /announce.

/cfp is one command with two forms: without text anyone gets the call for speakers and venues;
with text an organiser broadcasts it to every announcement chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bot.announce.delivery import targets
from bot.announce.scheduler import Announcer
from bot.calendar.calendar import Calendar
from bot.chat import views
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.organisers import Organisers, may_manage_subscription
from bot.chat.reply import Block, BulletList, Code, Heading, Reply, Text, inlines, text_reply
from bot.store.store import Store

log = logging.getLogger(__name__)

MAX_BROADCAST = 3500  # leaves room for the heading and topics under Telegram's 4096


class AnnouncementCommands:
    def __init__(
        self,
        store: Store,
        announcer: Announcer,
        *,
        organisers: Callable[[Calendar], Organisers],
        configured_chats: Callable[[], Sequence[str]],
    ) -> None:
        self.store = store
        self.announcer = announcer
        self._organisers = organisers
        self.configured_chats = configured_chats

    def organisers(self, req: Request) -> Organisers:
        return self._organisers(req.calendar)

    def _refuse_manage(self, req: Request) -> Reply | None:
        if may_manage_subscription(req.message, self.organisers(req)):
            return None
        log.info("refused /%s from %s in %s", req.command, req.message.sender.key, req.message.chat.key)
        return text_reply(
            "Only this group's admins or the community's organisers can change that. "
            "(Anonymous admins: please ask as yourself.)"
        )

    async def subscribe(self, req: Request) -> Answer:
        if (refusal := self._refuse_manage(req)) is not None:
            return refusal
        await asyncio.to_thread(self.store.subscribe, req.message.chat, req.message.sender.key)
        return text_reply(
            f"✅ This chat will get {req.calendar.community.display_name} meetup reminders "
            "and calls for speakers. /unsubscribe stops them."
        )

    async def unsubscribe(self, req: Request) -> Answer:
        if (refusal := self._refuse_manage(req)) is not None:
            return refusal
        await asyncio.to_thread(self.store.unsubscribe, req.message.chat, req.message.sender.key)
        return text_reply("🔕 This chat will get no more reminders or calls. /subscribe brings them back.")

    async def subscriptions(self, req: Request) -> Answer:
        subs = await asyncio.to_thread(self.store.subscriptions)
        chats = targets(self.configured_chats(), subs)
        here = any(c.key == req.message.chat.key for c in chats)
        status = "gets" if here else "does not get"
        if req.message.sender not in self.organisers(req):
            return text_reply(f"This chat {status} the announcements; {len(chats)} chat(s) do in all.")
        lines = [inlines(Code(c.key), f" {c.title}" if c.title else "") for c in chats]
        off = [s for s in subs if s.subscribed is False or not s.active]
        blocks: list[Block] = [Heading(f"Announcements go to {len(chats)} chat(s)"), BulletList(tuple(lines))]
        if off:
            blocks.append(Heading("Not sent to"))
            blocks.append(BulletList(tuple((Code(s.chat.key), Text(f" — {s.reason or 'off'}")) for s in off)))
        return Reply(tuple(blocks))

    async def cfp(self, req: Request) -> Answer:
        if not req.arg_text.strip():
            return views.call_for_speakers(req.calendar.community, req.calendar.next(req.now), req.now)
        return await self._broadcast(req, "cfp")

    async def announce(self, req: Request) -> Answer:
        if not req.arg_text.strip():
            raise UsageError("What should I announce? For example: /announce Doors open at 18:30 tonight.")
        return await self._broadcast(req, "announce")

    async def _broadcast(self, req: Request, style: str) -> Answer:
        sender = req.message.sender
        if sender not in self.organisers(req):
            log.warning("refused /%s broadcast from %s in %s", req.command, sender.key, req.message.chat.key)
            return text_reply(
                "Sorry, only the community's organisers can broadcast. "
                "Send your idea to an organiser, or see /cfp for the standing call."
            )
        text = req.arg_text.strip()
        if len(text) > MAX_BROADCAST:
            return text_reply(f"That is {len(text)} characters; please keep a broadcast under {MAX_BROADCAST}.")
        chats = await self.announcer.targets()
        log.info("/%s broadcast by %s to %d chat(s)", req.command, sender.key, len(chats))
        self.announcer.spawn_broadcast(text, style, sender.key)
        return text_reply(f"📣 Sending it to {len(chats)} chat(s).")
