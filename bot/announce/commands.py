"""The announcement commands: /subscribe, /unsubscribe, /subscriptions, /cfp [text], /announce,
/resend <key>.

/cfp is one command with two forms: without text anyone gets the call for speakers and venues;
with text an organiser broadcasts it to every announcement chat.

/resend takes any key the bot writes in the delivery ledger: an announcement is rebuilt by the
announcement rules (`Announcer.find`), a private message (a move notice, a check-in code...) by
the component that owns it, through the registry of rebuilders (bot/resend.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from bot.announce.delivery import targets
from bot.announce.rules import Kind
from bot.announce.scheduler import Announcer
from bot.calendar.calendar import Calendar
from bot.chat import views
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.messages import ChatRef
from bot.chat.organisers import Organisers, may_manage_subscription
from bot.chat.reply import Block, BulletList, Code, Heading, Reply, Text, inlines, text_reply
from bot.resend import CannotRebuild, Rebuilders, cannot_reply, send_again
from bot.store.kinds import LedgerState, StoreUnavailable
from bot.wording import clip, plural

if TYPE_CHECKING:
    from bot.store.store import Store

log = logging.getLogger(__name__)

MAX_BROADCAST = 3500  # leaves room for the heading and topics under Telegram's 4096
ANNOUNCEMENT_KINDS = frozenset(kind.value for kind in Kind)  # a key's first part: `reminder:...`


class AnnouncementCommands:
    def __init__(
        self,
        store: Store,
        announcer: Announcer,
        *,
        organisers: Callable[[Calendar], Organisers],
        configured_chats: Callable[[], Sequence[str]],
        cfp_progress: Callable[[Calendar], Awaitable[views.CfpProgress]] | None = None,  # bot/proposals
        rebuilders: Rebuilders | None = None,  # private messages' owners, for /resend (bot/resend.py)
    ) -> None:
        self.cfp_progress = cfp_progress
        self.rebuilders = rebuilders or Rebuilders()
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
            return text_reply(f"This chat {status} the announcements; they go to {plural(len(chats), 'chat')} in all.")
        lines = [inlines(Code(c.key), f" {c.title}" if c.title else "") for c in chats]
        off = [s for s in subs if s.subscribed is False or not s.active]
        blocks: list[Block] = [Heading(f"Announcements go to {plural(len(chats), 'chat')}"), BulletList(tuple(lines))]
        if off:
            blocks.append(Heading("Not sent to"))
            blocks.append(BulletList(tuple((Code(s.chat.key), Text(f" — {s.reason or 'off'}")) for s in off)))
        return Reply(tuple(blocks))

    async def cfp(self, req: Request) -> Answer:
        if not req.arg_text.strip():
            progress = await self.cfp_progress(req.calendar) if self.cfp_progress is not None else None
            return views.call_for_speakers(req.calendar.community, req.calendar.next(req.now), req.now, progress)
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
        try:
            chats = await self.announcer.targets()
            announcement = await self.announcer.record_broadcast(text, style, sender.key)
        except Exception as error:  # the store: read-only, disk full, unreachable
            reason = str(error) if isinstance(error, StoreUnavailable) else type(error).__name__
            log.error("/%s broadcast by %s not stored, so not sent: %s", req.command, sender.key, reason)
            return text_reply(
                f"⚠️ Not sent: I could not save the broadcast ({reason}), so it went to no chat. "
                "Please try again once the database is writable."
            )
        log.info("/%s broadcast by %s to %s", req.command, sender.key, plural(len(chats), "chat"))
        # To the chats just counted in the answer: a chat unsubscribing a moment later (its next
        # message, handled while this fans out) still gets what was announced before it left.
        self.announcer.spawn_run(announcement, chats)
        return text_reply(f"📣 Sending it to {plural(len(chats), 'chat')}.")

    async def resend(self, req: Request) -> Answer:
        """After an organiser checked: send an announcement again to the chats it is in doubt for."""
        sender = req.message.sender
        if sender not in self.organisers(req):
            log.warning("refused /resend from %s in %s", sender.key, req.message.chat.key)
            return text_reply("Sorry, only the community's organisers can resend messages.")
        key = req.arg_text.strip()
        if not key:
            raise UsageError(
                "Which message? For example: /resend reminder:2027-01-19-fast-packets:r1:2027-01-19T17:00Z"
            )
        kind = key.partition(":")[0]
        rebuild = None if kind in ANNOUNCEMENT_KINDS else self.rebuilders.find(key)
        if kind not in ANNOUNCEMENT_KINDS and rebuild is None:
            kinds = ", ".join(f"{k}:" for k in sorted((*ANNOUNCEMENT_KINDS, *self.rebuilders.kinds)))
            return text_reply(
                f"I don't know what “{clip(key)}” is, so nothing was sent. Copy the whole key from the message "
                f"that says it may not have arrived; the keys I can resend start with {kinds}"
            )
        rows = await asyncio.to_thread(self.store.ledger_rows, key[:300])
        doubtful = [r.chat_key for r in rows if r.state is LedgerState.UNCERTAIN]
        if not doubtful:
            return text_reply(
                f"Nothing of {key[:300]} is in doubt: it reached every chat or person it was for, or it was never sent."
            )
        if rebuild is not None:  # a private message: its owner rebuilds it, for each person in doubt
            rebuilt = await rebuild(key, doubtful, req.calendar, req.now)
            if isinstance(rebuilt, CannotRebuild):
                log.info("/resend %s by %s: cannot rebuild: %s", key, sender.key, rebuilt.why)
                return cannot_reply(key, rebuilt)
            delivery = self.announcer.delivery
            resent = await send_again(self.store, lambda: delivery.senders, delivery.owner, key, doubtful, rebuilt)
            log.info("/resend %s by %s to %s", key, sender.key, ", ".join(resent.results) or "nobody")
            return resent.answer()
        announcement = await asyncio.to_thread(self.announcer.find, key)
        if announcement is None:
            return text_reply(f"I cannot rebuild {key}: the calendar no longer has it (was the meetup moved?).")
        reopened = await asyncio.to_thread(self.store.reopen, key, doubtful)
        by_key = {c.key: c for c in await self.announcer.targets()}
        chats = [by_key.get(k) or ChatRef.parse(k) for k in reopened]
        log.info("/resend %s by %s to %s", key, sender.key, ", ".join(reopened))
        outcome = await self.announcer.run(announcement, chats)
        lines = [f"🔁 Resent {key} to {outcome.sent} of {plural(len(chats), 'chat')}."]
        if outcome.sent < len(chats):
            lines.append("Some did not go: see /subscriptions, or the log.")
        return text_reply(*lines)
