"""`/tellgoing <meetup> <text>`: word from the organisers to everyone going ("the room changed").

The text is recorded first (bot/store/guests.py, numbered per meetup), then sent privately to
each person going (with `--waitlist`, to the waitlist too), each through the delivery ledger under
`tellgoing:<meetup>:<n>` with the person as the "chat": once each, never twice. A fan-out that a
restart cut short is finished by the periodic job at the next start, and the organisers are told
its outcome. The organiser is answered with how many it reached, who could not be reached (never
started a private chat with the bot, or blocked it), and who may or may not have got it, with the
`/resend` that sends it to those again once they checked (`rebuild`, registered by bot/assembly.py:
bot/resend.py; the text is the one recorded).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.announce.outbound import Sender
from bot.calendar.calendar import Calendar
from bot.calendar.model import Community, Event
from bot.chat import handlers
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.notify import Notifier
from bot.chat.organisers import Organisers
from bot.chat.reply import Heading, Reply, paragraph, text_reply
from bot.resend import CannotRebuild, Rebuilt
from bot.rsvp.model import Person, RsvpState
from bot.rsvp.private import Sent, send_once
from bot.rsvp.service import RsvpService
from bot.rsvp.views import when
from bot.store.kinds import LedgerState
from bot.wording import plural, visible

if TYPE_CHECKING:
    from bot.store.guests import ToldGoing

log = logging.getLogger(__name__)

MAX_TEXT = 3500  # under Telegram's 4096 with the heading
WAITLIST_FLAG = "--waitlist"
MAX_IN_FLIGHT = 4  # private sends at once; the Telegram adapter paces them under its limits
SHOW_NAMES = 20  # names listed in the answer; more are counted
KIND = "tellgoing"  # the delivery ledger's key kind (ToldGoing.key, bot/store/guests.py)


@dataclass
class Reach:
    sent: int = 0
    already: int = 0
    unreachable: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)


class TellGoing:
    def __init__(
        self,
        service: RsvpService,
        senders: Callable[[], Mapping[str, Sender]],
        organisers: Callable[[Calendar], Organisers],
        notifier: Notifier,
    ) -> None:
        self.service = service
        self.store = service.store
        self.senders = senders
        self._organisers = organisers
        self.notifier = notifier
        # Keys this process is fanning out, from their recording until they are marked finished.
        # `_books` is held while a text is recorded, while one is marked finished, and while the
        # periodic job reads the unfinished ones and takes its own: so that job never takes a
        # fan-out running here (just recorded, or finishing), nor one another of its runs took.
        self._running: set[str] = set()
        self._books = asyncio.Lock()
        self._limit = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def tellgoing(self, req: Request) -> Answer:
        sender = req.message.sender
        if sender not in self._organisers(req.calendar):
            log.info("refused /tellgoing from %s", sender.key)
            return text_reply("Only the community's organisers can message everyone going.")
        words = req.arg_text.split(None, 1)
        waitlist = bool(words) and words[0] == WAITLIST_FLAG
        rest = words[1] if waitlist and len(words) > 1 else ("" if waitlist else req.arg_text)
        meetup, _, text = rest.strip().partition(" ")
        text = text.strip()
        if not waitlist and text.split(None, 1)[:1] == [WAITLIST_FLAG]:  # the flag after the meetup: a flag too
            waitlist, text = True, text[len(WAITLIST_FLAG) :].strip()
        if not meetup or not visible(text):  # a zero-width space alone would go to everyone as a blank message
            raise UsageError("Which meetup, and what to tell them? Say: /tellgoing 1 The room moved to floor 3.")
        event = handlers.find_event(req, meetup)
        if event is None:
            return text_reply(handlers.no_such_meetup(meetup))
        if len(text) > MAX_TEXT:
            return text_reply(f"That is {len(text)} characters; please keep it under {MAX_TEXT}.")
        async with self._books:
            told = await asyncio.to_thread(self.store.guests.add_told, event.id, text, sender.key, waitlist, req.now)
            self._running.add(told.key)
        log.info("/tellgoing %s by %s", told.key, sender.key)
        reach = await self.fan_out(told, event, req.calendar.community)
        return answer(told, event, req.calendar.community, reach)

    async def fan_out(self, told: ToldGoing, event: Event, community: Community) -> Reach:
        """Send `told` (its key taken into `_running` by the caller) to each person it is for,
        once each (safe to run again), then mark it done."""
        try:
            return await self._fan_out(told, event, community)
        finally:
            self._running.discard(told.key)  # finished, or failed: a later periodic run finishes it

    async def _fan_out(self, told: ToldGoing, event: Event, community: Community) -> Reach:
        wanted = (RsvpState.GOING, RsvpState.WAITLIST) if told.waitlist else (RsvpState.GOING,)
        people = [a.person for a in await self.service.attendees(event) if a.state in wanted]
        names = await self.service.full_names(p.key for p in people)
        reply = message(told, event, community)
        results = await asyncio.gather(*(self._one(told.key, p, reply) for p in people))
        # What each person has, by the ledger: it also knows the sends of a run a restart cut short.
        states = {row.chat_key: row.state for row in await asyncio.to_thread(self.store.ledger_rows, told.key)}
        reach = Reach()
        for person, result in zip(people, results, strict=True):
            shown = names.get(person.key) or person.name or person.username or person.key
            state = states.get(person.key)
            if state is LedgerState.SENT:
                reach.sent += result is Sent.SENT
                reach.already += result is not Sent.SENT
            elif state in (LedgerState.CLAIMED, LedgerState.UNCERTAIN):
                reach.uncertain.append(shown)
            else:
                reach.unreachable.append(shown)
        async with self._books:
            await asyncio.to_thread(self.store.guests.finish_told, told, self.service.clock())
            self._running.discard(told.key)
        return reach

    async def _one(self, key: str, person: Person, reply: Reply) -> Sent:
        # The claim is taken inside the limit: a crash leaves only the sends in flight in doubt.
        async with self._limit:
            return await send_once(self.store, self.senders, self.service.owner, key, person, reply)

    async def resume(self, calendar: Calendar, now: datetime) -> int:
        """The periodic job: finish fan-outs a restart cut short; the organisers hear the outcome."""
        finished = 0
        async with self._books:
            mine = [t for t in await asyncio.to_thread(self.store.guests.unfinished_told) if t.key not in self._running]
            self._running.update(t.key for t in mine)
        try:
            for told in mine:
                event = calendar.get(told.event_id)
                if event is None:
                    async with self._books:
                        await asyncio.to_thread(self.store.guests.finish_told, told, now)
                        self._running.discard(told.key)
                    continue
                reach = await self.fan_out(told, event, calendar.community)
                finished += 1
                log.info("/tellgoing %s finished after a restart: %d more sent", told.key, reach.sent)
                report = answer(told, event, calendar.community, reach, resumed=True)
                await self.notifier.to_organisers(calendar, report)
        finally:  # a failure part way: those not reached yet are for the next run
            self._running.difference_update(t.key for t in mine)
        return finished

    async def rebuild(
        self, key: str, people: Sequence[str], calendar: Calendar, now: datetime
    ) -> Rebuilt | CannotRebuild:
        """/resend of a text in doubt (bot/resend.py): the recorded text again, for those of
        `people` it is still for (going, or waiting when it was sent to the waitlist too)."""
        event_id, _, number = key.removeprefix(f"{KIND}:").rpartition(":")
        told = (
            await asyncio.to_thread(self.store.guests.find_told, event_id, int(number))
            if number.isascii() and number.isdigit()
            else None
        )
        event = calendar.get(event_id)
        if told is None:
            return CannotRebuild(
                "its text is no longer stored: the organiser who wrote it asked me to forget what they sent (/forget).",
                f"If they still need it, send it again: /tellgoing {event_id or '<meetup>'} <text> "
                "(a new message, to everyone going).",
            )
        if event is None or now >= event.end:
            gone = f"the meetup {event_id} is no longer in the calendar" if event is None else f"{event.title} is over"
            return CannotRebuild(f"{gone}.", "There is nothing to tell them about it now.")
        wanted = (RsvpState.GOING, RsvpState.WAITLIST) if told.waitlist else (RsvpState.GOING,)
        still = {a.person.key for a in await self.service.attendees(event) if a.state in wanted}
        reply = message(told, event, calendar.community)
        gone = "they are no longer going or waiting" if told.waitlist else "they are no longer going"
        return Rebuilt(
            {who: reply for who in people if who in still}, {who: gone for who in people if who not in still}
        )


def message(told: ToldGoing, event: Event, community: Community) -> Reply:
    return Reply(
        (
            Heading(f"📣 From the organisers of {event.title} ({when(event, community)})"),
            paragraph(told.text),
        )
    )


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOW_NAMES])
    return shown + (f" and {len(names) - SHOW_NAMES} more" if len(names) > SHOW_NAMES else "")


def answer(told: ToldGoing, event: Event, community: Community, reach: Reach, *, resumed: bool = False) -> Reply:
    who = "everyone going and on the waitlist" if told.waitlist else "everyone going"
    reached = reach.sent + reach.already
    lead = f"Finished after a restart: {told.key}. " if resumed else ""
    lines = [f"{lead}📨 Told {who} to {event.title}: reached {plural(reached, 'person', 'people')}."]
    if reach.unreachable:
        lines.append(
            f"Could not reach {len(reach.unreachable)} (never started a private chat with me, or blocked me): "
            f"{_names(reach.unreachable)}."
        )
    if reach.uncertain:
        lines.append(
            f"In doubt, not resent (may or may not have got it): {_names(reach.uncertain)}. "
            f"If they did not get it: /resend {told.key}"
        )
    if not reached and not reach.unreachable and not reach.uncertain:
        lines = [f"Nobody is going to {event.title} ({when(event, community)}) yet, so nobody was told."]
    return text_reply(*lines)
