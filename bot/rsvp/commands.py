"""The RSVP commands: /going, /notgoing, /mine, /attendees, and the count and buttons on cards.

A typed /going answers in the chat. The same command from a card's button answers the presser
alone and updates the card in place (`ReplyTarget.SOURCE_MESSAGE`) with the new count; the card
carries the meetup's change counter as its `revision`, so an older count never lands after a
newer one. A press on the card of a meetup that was since moved or cancelled shows its current
state. Names are shown to organisers only; public cards show counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.calendar.calendar import Calendar
from bot.calendar.model import Event
from bot.chat import handlers
from bot.chat import views as chat_views
from bot.chat.commands import Answer, Handler, Request, UsageError
from bot.chat.messages import UserRef
from bot.chat.organisers import Organisers
from bot.chat.reply import Reply, ReplyTarget, text_reply
from bot.rsvp import views
from bot.rsvp.model import Counts, RsvpState
from bot.rsvp.service import RsvpService, is_open
from bot.wording import plural

log = logging.getLogger(__name__)

Pick = Callable[[Request], Event | None]
GOING_LINK = "going-"  # `/start going-<id>`: t.me/<bot>?start=going-<id>, from the website


def next_open(calendar: Calendar, now: datetime) -> Event | None:
    """The meetup /going means when none is named: the next one that has not started."""
    return next((e for e in calendar.upcoming(now) if is_open(e, now)), None)


def next_card(req: Request) -> Event | None:
    """The meetup /next shows."""
    return req.calendar.next(req.now)


def named_card(req: Request) -> Event | None:
    """The meetup /event shows."""
    return handlers.find_event(req, req.args[0]) if len(req.args) == 1 else None


class RsvpCommands:
    def __init__(self, service: RsvpService, organisers: Callable[[Calendar], Organisers]) -> None:
        self.service = service
        self._organisers = organisers

    # ---- cards -----------------------------------------------------------------------------------

    def on_card(self, handler: Handler, pick: Pick) -> Handler:
        """`handler` (a meetup card command) with the meetup's count and buttons under its card."""

        async def card_with_rsvp(req: Request) -> Answer:
            answer = await handler(req)
            if not isinstance(answer, Reply):
                return answer
            try:
                event = pick(req)
            except UsageError:
                return answer
            if event is None:
                return answer
            counts = (await self.service.counts([event]))[event.id]
            open_ = is_open(event, req.now)
            came = 0 if open_ else (await self.service.came([event])).get(event.id, 0)
            return views.with_rsvp(answer, event, counts, open_=open_, came=came)

        return card_with_rsvp

    def card(self, event: Event, req: Request, counts: Counts, revision: int | None = None) -> Reply:
        """The meetup's card as a press updates it: its current state, count and buttons."""
        card = chat_views.event_card(event, req.calendar.community, req.now, full=False)
        card = views.with_rsvp(card, event, counts, open_=is_open(event, req.now))
        return replace(card, target=ReplyTarget.SOURCE_MESSAGE, revision=revision)

    # ---- answers ---------------------------------------------------------------------------------

    async def going(self, req: Request) -> Answer:
        return await self._answer(req, going=True)

    async def notgoing(self, req: Request) -> Answer:
        return await self._answer(req, going=False)

    def _meetup(self, req: Request) -> Event | Reply:
        if len(req.args) > 1:
            raise UsageError("Which meetup? Give its id or its number in /events, or nothing for the next one.")
        if req.args:
            found = handlers.find_event(req, req.args[0])
            if found is None:  # typed wrong, or the button of a stale card: the presser alone hears it
                return replace(text_reply(handlers.no_such_meetup(req.args[0])), target=ReplyTarget.PRESSER)
            return found
        upcoming = next_open(req.calendar, req.now)
        if upcoming is None:
            note = "No upcoming meetup to answer for yet. /cfp if you would like to help plan one."
            return replace(text_reply(note), target=ReplyTarget.PRESSER)
        return upcoming

    async def _answer(self, req: Request, *, going: bool) -> Answer:
        event = self._meetup(req)
        if isinstance(event, Reply):
            return event
        community, pressed = req.calendar.community, req.message.pressed
        if not is_open(event, req.now):
            note = views.closed_text(event, community, req.now)
            if not pressed:
                return text_reply(note)
            counts = (await self.service.counts([event]))[event.id]
            return [self.card(event, req, counts), replace(text_reply(note), target=ReplyTarget.PRESSER)]
        change = await self.service.answer(req.calendar, event, req.message.sender, going, req.now)
        position = None
        if change.after is RsvpState.WAITLIST:
            position = await self.service.waitlist_position(event, req.message.sender)
        note = views.answer_text(event, community, change.after, change.before, position, change.counts)
        if not pressed:
            return text_reply(note)
        # The card first: the adapter queues its edit before it answers the presser.
        return [
            self.card(event, req, change.counts, change.version),
            replace(text_reply(note), target=ReplyTarget.PRESSER),
        ]

    async def going_link(self, req: Request) -> Answer:
        """`/start going-<id>`: the website's "I'm going" link, opened in the private chat. The
        answer is recorded as /going records it; then the meetup's card with its count and buttons."""
        meetup = req.args[0][len(GOING_LINK) :] if req.args else ""
        if not meetup:
            return None
        answered = replace(req, command="going", args=(meetup,), arg_text=meetup)
        answer = await self._answer(answered, going=True)
        event = req.calendar.get(meetup)
        if event is None or not isinstance(answer, Reply):
            return answer
        counts = (await self.service.counts([event]))[event.id]
        card = chat_views.event_card(event, req.calendar.community, req.now, full=False)
        return [answer, views.with_rsvp(card, event, counts, open_=is_open(event, req.now))]

    async def mine(self, req: Request) -> Answer:
        answers = await self.service.of_person(req.message.sender)
        found = []
        for attendee in answers:
            event = req.calendar.get(attendee.event_id)
            if event is None or event.end <= req.now or attendee.state is RsvpState.NOT_GOING:
                continue
            found.append((event, attendee))
        found.sort(key=lambda pair: pair[0].start)
        return views.mine(found, req.calendar.community)

    # ---- organisers --------------------------------------------------------------------------------

    async def attendees(self, req: Request) -> Answer:
        sender = req.message.sender
        if sender not in self._organisers(req.calendar):
            log.info("refused /attendees from %s", sender.key)
            return text_reply("Only the community's organisers can see who is coming. The cards show the count.")
        if len(req.args) > 1:
            raise UsageError("Which meetup? Give its id or its number in /events.")
        if req.args:
            event = handlers.find_event(req, req.args[0])
            if event is None:
                return text_reply(handlers.no_such_meetup(req.args[0]))
        else:
            event = req.calendar.next(req.now) or next(iter(req.calendar.past(req.now, 1)), None)
            if event is None:
                return text_reply("There are no meetups in the calendar yet.")
        people = await self.service.attendees(event)
        past = event.start <= req.now
        private = req.message.chat.is_private
        full = await self.service.full_names(a.person.key for a in people) if private else {}
        checkins = await self.service.checkins(event)
        return views.attendees(
            event, req.calendar.community, people, past=past, names=private, full_names=full, checkins=checkins
        )

    async def forget(self, user: UserRef) -> str | None:
        """The RSVP part of /forget (a Forgetter): every answer of the person."""
        count = await self.service.forget(user)
        return f"your answers to {plural(count, 'meetup')} (going, can't go, waitlist)" if count else None


__all__ = ["GOING_LINK", "RsvpCommands", "named_card", "next_card", "next_open"]
