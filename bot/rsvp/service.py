"""The RSVP service: answers recorded in the store, and the private messages they cause.

Answers are taken until the meetup starts, never for a cancelled one. The store decides going
or waitlist inside one transaction (bot/store/rsvp.py); this layer runs it off the event loop
and tells people privately, through the Notifier, when they move up from the waitlist or when
a meetup they said yes to is cancelled. A cancellation is told once per person: the delivery
ledger's claim (`rsvp-cancelled:<meetup id>`, the person as the "chat") decides who sends it,
across restarts and processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from bot.announce.scheduler import process_owner
from bot.calendar.calendar import Calendar
from bot.calendar.model import Community, Event
from bot.chat.messages import UserRef
from bot.chat.notify import Notice
from bot.chat.reply import Reply
from bot.clock import Clock, system_clock
from bot.rsvp import views
from bot.rsvp.model import Attendee, Change, Counts, Person, RsvpState, is_open
from bot.store.store import Store

log = logging.getLogger(__name__)

__all__ = ["PrivateMessages", "RsvpService", "is_open", "person_of", "user_of"]


class PrivateMessages(Protocol):
    """What RSVP needs from the Notifier (bot/chat/notify.py): a private message to a person."""

    async def to_user(self, user: UserRef, reply: Reply) -> Notice: ...


def person_of(user: UserRef) -> Person:
    return Person(user.platform, user.user_id, user.display_name, user.username)


def user_of(person: Person) -> UserRef:
    return UserRef(person.platform, person.user_id, person.name, person.username)


class RsvpService:
    def __init__(
        self,
        store: Store,
        clock: Clock = system_clock,
        *,
        notifier: PrivateMessages | None = None,
        calendar: Callable[[], Calendar] | None = None,
        owner: str = "",
    ) -> None:
        self.store = store
        self.clock = clock
        self.calendar = calendar  # the calendar now served (for /forget, which has no request)
        self.owner = owner or process_owner()
        self.notifier = notifier
        self._tasks: set[asyncio.Task[object]] = set()

    # ---- answers -------------------------------------------------------------------------------

    async def answer(self, calendar: Calendar, event: Event, user: UserRef, going: bool, now: datetime) -> Change:
        change = await asyncio.to_thread(self.store.rsvp.answer, event.id, person_of(user), going, event.seats, now)
        self._tell_promoted(event, calendar.community, change.promoted)
        return change

    async def waitlist_position(self, event: Event, user: UserRef) -> int | None:
        return await asyncio.to_thread(self.store.rsvp.waitlist_position, event.id, user.key)

    async def counts(self, events: Iterable[Event]) -> dict[str, Counts]:
        return await self.store.read(self.store.rsvp.counts, [e.id for e in events])

    async def attendees(self, event: Event) -> list[Attendee]:
        return await asyncio.to_thread(self.store.rsvp.attendees, event.id)

    async def of_person(self, user: UserRef) -> list[Attendee]:
        return await asyncio.to_thread(self.store.rsvp.of_person, user.key)

    async def forget(self, user: UserRef, calendar: Calendar | None = None) -> int:
        """/forget: delete every answer of the person; seats they held go to the waitlist."""
        calendar = calendar or (self.calendar() if self.calendar is not None else None)

        def seats(event_id: str) -> int | None:
            event = calendar.get(event_id) if calendar is not None else None
            return event.seats if event is not None else 0  # a meetup no longer listed: nobody moves up

        changes = await asyncio.to_thread(self.store.rsvp.forget, user.key, seats, self.clock())
        for change in changes:
            event = calendar.get(change.event_id) if calendar is not None else None
            if event is not None and calendar is not None:
                self._tell_promoted(event, calendar.community, change.promoted)
        return len(changes)

    # ---- private messages ------------------------------------------------------------------------

    def _tell_promoted(self, event: Event, community: Community, promoted: Sequence[Attendee]) -> None:
        for attendee in promoted:
            log.info("rsvp: %s moved up from the waitlist of %s", attendee.person.key, event.id)
            self._spawn(self._tell(attendee.person, views.promoted(event, community), "promotion"))

    def _spawn(self, job: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, person: Person, reply: Reply, what: str) -> bool:
        notifier = self.notifier
        if notifier is None:
            log.warning("rsvp: no notifier yet; could not send the %s message to %s", what, person.key)
            return False
        notice = await notifier.to_user(user_of(person), reply)  # logs a failure; never raises
        return notice.ok

    async def tell_cancelled(self, calendar: Calendar, now: datetime) -> int:
        """Tell everyone who said yes to a cancelled meetup that has not happened yet, once each."""
        told = 0
        for event in calendar.upcoming(now):
            if not event.is_cancelled:
                continue
            people = [a for a in await self.attendees(event) if a.state is not RsvpState.NOT_GOING]
            key = f"rsvp-cancelled:{event.id}"
            for attendee in people:
                who = attendee.person.key
                if not await asyncio.to_thread(self.store.claim, key, who, self.owner):
                    continue
                if await self._tell(attendee.person, views.cancelled(event, calendar.community), "cancellation"):
                    await asyncio.to_thread(self.store.mark_sent, key, who, self.owner)
                    told += 1
                else:
                    await asyncio.to_thread(self.store.mark_failed, key, who, self.owner, "could not tell privately")
        return told

    def calendar_changed(self, calendar: Calendar) -> None:
        """A new calendar is served (a CalendarSource listener): a meetup may be cancelled now."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # not serving yet: start() checks
        self._spawn(self._check_cancelled(calendar))

    async def _check_cancelled(self, calendar: Calendar) -> None:
        try:
            await self.tell_cancelled(calendar, self.clock())
        except Exception:
            log.exception("rsvp: telling people about cancelled meetups failed")

    def start(self, calendar: Calendar) -> None:
        """Serving with senders: tell about cancellations made while the bot was not running."""
        self._spawn(self._check_cancelled(calendar))

    async def drain(self) -> None:
        """Wait for the private messages on their way (before the adapters stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
