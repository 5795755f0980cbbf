"""The RSVP service: answers recorded in the store, and the private messages they cause.

Answers are taken until the meetup starts, never for a cancelled one. The store decides going
or waitlist inside one transaction (bot/store/rsvp.py); this layer runs it off the event loop
and tells people privately, through the Notifier, when they move up from the waitlist or when
a meetup they said yes to is cancelled or moved. A cancellation is told once per person: the
delivery ledger's claim (`rsvp-cancelled:<meetup id>`, the person as the "chat") decides who sends
it, across restarts and processes. A move of the start (date or time), seen as a served calendar
replacing another (a `/move`, a hand edit, a pull), is told once per person per new start
(`rsvp-moved:<meetup id>:<new start, UTC>`): a second move tells again, a restart or a second
process seeing the same move does not. An organiser's `/resend` of either key in doubt is rebuilt
here too (`rebuild_notice`, registered by bot/assembly.py: bot/resend.py), from the calendar served.

A move up is told later, in the background, so the person may have answered again meanwhile
(a quick /going then /notgoing). Their answers and that message take one lock per person: the
message is sent only if, at that moment, they are still going, and an answer given while it is
on its way is recorded (and answered) after it. So nobody reads "a seat freed up: you are
going" after their own "you can't make it". (Between processes the check at sending time
remains, without the lock: a message already on its way may still cross an answer given to
another process.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from bot.announce.outbound import Sender
from bot.announce.scheduler import process_owner
from bot.calendar.calendar import Calendar
from bot.calendar.model import Community, Event
from bot.chat.messages import UserRef
from bot.chat.notify import Notice
from bot.chat.reply import Code, Reply, paragraph
from bot.clock import Clock, system_clock
from bot.resend import CannotRebuild, Rebuilt
from bot.rsvp import views
from bot.rsvp.model import Attendee, Change, Counts, Person, RsvpState, is_open
from bot.rsvp.private import Sent, send_once

if TYPE_CHECKING:
    from bot.store.guests import CheckIn
    from bot.store.store import Store

log = logging.getLogger(__name__)

PERIOD = 600.0  # seconds between runs of the periodic jobs (check-in codes are due days ahead: CODE_AHEAD)
SHOW_IN_DOUBT = 10  # people named in a notice of messages in doubt; more are counted
# The delivery ledger's key kinds of the notices below (the person is the ledger's "chat").
CANCELLED_KIND, MOVED_KIND = "rsvp-cancelled", "rsvp-moved"

__all__ = ["PrivateMessages", "RsvpService", "is_open", "person_of", "user_of"]


class PrivateMessages(Protocol):
    """What RSVP needs from the Notifier (bot/chat/notify.py): a private message to a person, and
    the running adapters' senders (for a message sent once through the ledger: bot/rsvp/private.py)."""

    senders: Callable[[], Mapping[str, Sender]]

    async def to_user(self, user: UserRef, reply: Reply) -> Notice: ...

    async def to_organisers(self, calendar: Calendar, reply: Reply) -> list[Notice]: ...


def cancelled_key(event: Event) -> str:
    return f"{CANCELLED_KIND}:{event.id}"


def moved_key(event: Event) -> str:
    """One key per new start: a second move is a new message, the same move seen again is not."""
    return f"{MOVED_KIND}:{event.id}:{event.start.astimezone(UTC).isoformat()}"


def person_of(user: UserRef) -> Person:
    return Person(user.platform, user.user_id, user.display_name, user.username)


def user_of(person: Person) -> UserRef:
    return UserRef(person.platform, person.user_id, person.name, person.username)


class PersonLocks:
    """One asyncio lock per person, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def users(self, key: str) -> int:
        """How many hold or wait for this person's lock (0: nobody)."""
        return self._locks.get(key, (None, 0))[1]

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            users = self._locks[key][1] - 1
            if users:
                self._locks[key] = (lock, users)
            else:
                del self._locks[key]


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
        # Run for each person who gets a seat (an answer or a move up from the waitlist): the
        # full name is asked for and the check-in code sent from here (bot/rsvp/host.py). Quick:
        # an answer waits for them, so what takes long (a send) they hand to `spawn`.
        self.on_going: list[Callable[[Event, Community, Person], Coroutine[object, object, object]]] = []
        # Run at start and every PERIOD seconds while serving (check-in codes due, /tellgoing
        # texts a restart interrupted); each is given the calendar served and the time.
        self.periodic: list[Callable[[Calendar, datetime], Coroutine[object, object, object]]] = []
        self._loop: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._people = PersonLocks()  # a person's answers and their move-up message, one at a time

    # ---- answers -------------------------------------------------------------------------------

    async def answer(self, calendar: Calendar, event: Event, user: UserRef, going: bool, now: datetime) -> Change:
        person = person_of(user)
        async with self._people.hold(user.key):  # after a move-up message on its way to them
            change = await asyncio.to_thread(self.store.rsvp.answer, event.id, person, going, event.seats, now)
        self._tell_promoted(event, calendar.community, change.promoted)
        if change.changed and change.after is RsvpState.GOING:
            for hook in self.on_going:  # before the answer: the next message may answer what a hook asks
                await hook(event, calendar.community, person)
        return change

    def _seated(self, event: Event, community: Community, person: Person) -> None:
        for hook in self.on_going:
            self.spawn(hook(event, community, person))

    async def waitlist_position(self, event: Event, user: UserRef) -> int | None:
        return await asyncio.to_thread(self.store.rsvp.waitlist_position, event.id, user.key)

    async def counts(self, events: Iterable[Event]) -> dict[str, Counts]:
        return await self.store.hot.counts(e.id for e in events)  # fresh from the database, no ORM

    async def attendees(self, event: Event) -> list[Attendee]:
        return await asyncio.to_thread(self.store.rsvp.attendees, event.id)

    async def of_person(self, user: UserRef) -> list[Attendee]:
        return await asyncio.to_thread(self.store.rsvp.of_person, user.key)

    async def full_names(self, user_keys: Iterable[str]) -> dict[str, str]:
        return await self.store.read(self.store.guests.full_names, list(user_keys))

    async def checkins(self, event: Event) -> list[CheckIn]:
        return await self.store.read(self.store.guests.checkins_of, event.id)

    async def came(self, events: Iterable[Event]) -> dict[str, int]:
        return await self.store.read(self.store.guests.came, [e.id for e in events])

    async def forget(self, user: UserRef, calendar: Calendar | None = None) -> int:
        """/forget: delete every answer of the person; seats they held go to the waitlist."""
        calendar = calendar or (self.calendar() if self.calendar is not None else None)

        def seats(event_id: str) -> int | None:
            event = calendar.get(event_id) if calendar is not None else None
            return event.seats if event is not None else 0  # a meetup no longer listed: nobody moves up

        async with self._people.hold(user.key):
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
            self.spawn(self._tell_seat(event, community, attendee.person))

    async def _tell_seat(self, event: Event, community: Community, person: Person) -> None:
        """The move-up message, if the person is still going when it is sent (their answers
        wait for it meanwhile); then what a seat brings (the hooks: full name, check-in code)."""
        async with self._people.hold(person.key):
            mine = await asyncio.to_thread(self.store.rsvp.of_person, person.key)
            if not any(a.event_id == event.id and a.state is RsvpState.GOING for a in mine):
                log.info("rsvp: %s is no longer going to %s; the move-up message is dropped", person.key, event.id)
                return
            await self._tell(person, views.promoted(event, community), "promotion")
        self._seated(event, community, person)

    def spawn(self, job: Coroutine[object, object, object]) -> None:
        """Run `job` in the background; `drain` waits for it (private messages on their way)."""
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
            if event.is_cancelled:
                reply = views.cancelled(event, calendar.community)
                told += await self._tell_once(event, cancelled_key(event), reply, "cancellation")
        return told

    async def tell_moved(self, old: Calendar, calendar: Calendar, now: datetime) -> int:
        """Tell everyone who said yes to a meetup whose start differs from `old`'s, once each per
        new start (a cancelled one is told it is cancelled instead)."""
        told = 0
        for event in calendar.upcoming(now):
            before = old.get(event.id)
            if event.is_cancelled or before is None or before.start == event.start:
                continue
            reply = views.moved(event, before.start, calendar.community)
            told += await self._tell_once(event, moved_key(event), reply, "move")
        return told

    async def _tell_once(self, event: Event, key: str, reply: Reply, what: str) -> int:
        """`reply` to each person going or waiting for `event`, once each under the ledger's
        `key` (bot/rsvp/private.py: a retryable error is retried, one that may have been posted
        is never resent): how many were told now."""
        notifier = self.notifier
        if notifier is None:
            log.warning("rsvp: no notifier yet; could not send the %s message for %s", what, event.id)
            return 0
        told, in_doubt = 0, []
        for attendee in await self.attendees(event):
            if attendee.state is RsvpState.NOT_GOING:
                continue
            sent = await send_once(self.store, notifier.senders, self.owner, key, attendee.person, reply)
            if sent is Sent.SENT:
                told += 1
            elif sent is Sent.UNCERTAIN:
                in_doubt.append(attendee.person)
            elif sent is Sent.UNREACHABLE:
                log.info("rsvp: the %s message for %s did not reach %s", what, event.id, attendee.person.key)
        if in_doubt:
            await self.report_in_doubt(key, in_doubt, f"the {what} notice of {event.title}")
        return told

    async def report_in_doubt(self, key: str, people: Sequence[Person], what: str) -> None:
        """Tell the organisers that a private message may not have reached these people (the
        platform did not answer in time: it may have been posted), and how to send it again once
        they checked; nothing sends it again by itself."""
        shown = ", ".join(p.name or p.key for p in people[:SHOW_IN_DOUBT])
        more = f" and {len(people) - SHOW_IN_DOUBT} more" if len(people) > SHOW_IN_DOUBT else ""
        log.warning("%s may not have reached %s", key, ", ".join(p.key for p in people))
        notifier, calendar = self.notifier, self.calendar() if self.calendar is not None else None
        if notifier is None or calendar is None:
            return
        reply = Reply(
            (
                paragraph(f"⚠️ {what[:1].upper()}{what[1:]} may or may not have reached {shown}{more}."),
                paragraph("If they did not get it: ", Code(f"/resend {key}")),
            )
        )
        try:
            await notifier.to_organisers(calendar, reply)
        except Exception:  # telling is best effort: the log has it
            log.exception("telling the organisers about %s in doubt failed", key)

    async def rebuild_notice(
        self, key: str, people: Sequence[str], calendar: Calendar, now: datetime
    ) -> Rebuilt | CannotRebuild:
        """/resend of a cancellation or move notice in doubt (bot/resend.py): the notice again, as
        the calendar served has it, for those of `people` still going or waiting; nothing when the
        meetup is gone, over, or no longer as the notice said."""
        kind, _, rest = key.partition(":")
        event_id = rest.partition(":")[0]
        event = calendar.get(event_id)
        if event is None:
            return CannotRebuild(
                f"the meetup {event_id} is no longer in the calendar.", "There is nothing to tell them about it now."
            )
        community = calendar.community
        if now >= event.end:
            return CannotRebuild(f"{event.title} is over.", "There is nothing to tell them about it now.")
        if kind == CANCELLED_KIND:
            if not event.is_cancelled:
                return CannotRebuild(
                    f"{event.title} is not cancelled in the calendar any more, so that notice would be wrong now.",
                    f"To tell everyone going that it is on after all: /tellgoing {event.id} <text>.",
                )
            reply = views.cancelled(event, community)
        elif event.is_cancelled:
            return CannotRebuild(
                f"{event.title} has been cancelled since.",
                f"Everyone who said yes is told that instead ({cancelled_key(event)}).",
            )
        elif moved_key(event) != key:
            return CannotRebuild(
                f"{event.title} has moved again since: it is now on {views.when(event, community)}, so that notice is "
                "out of date.",
                f"Everyone still coming is told of the new time under {moved_key(event)}; if that one is in doubt "
                f"too: /resend {moved_key(event)}",
            )
        else:
            # The start it moved from is in no store (only the calendar it replaced had it).
            reply = views.moved(event, None, community)
        # Told were those going or waiting (`_tell_once`); who has since said no needs it no more.
        coming = {a.person.key for a in await self.attendees(event) if a.state is not RsvpState.NOT_GOING}
        return Rebuilt(
            {who: reply for who in people if who in coming},
            {who: "they have since said they can't come" for who in people if who not in coming},
        )

    def calendar_changed(self, calendar: Calendar, old: Calendar | None = None) -> None:
        """A new calendar is served (a CalendarSource listener, given the one it replaces): a
        meetup may be cancelled or moved now."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # not serving yet: start() checks the cancellations
        self.spawn(self._check_changed(calendar, old))

    async def _check_changed(self, calendar: Calendar, old: Calendar | None) -> None:
        try:
            await self.tell_cancelled(calendar, self.clock())
        except Exception:
            log.exception("rsvp: telling people about cancelled meetups failed")
        if old is None:
            return
        try:
            await self.tell_moved(old, calendar, self.clock())
        except Exception:
            log.exception("rsvp: telling people about moved meetups failed")

    def start(self, calendar: Calendar) -> None:
        """Serving with senders: tell about cancellations made while the bot was not running,
        and run the periodic jobs now and every PERIOD seconds."""
        self.spawn(self._check_changed(calendar, None))
        if self.periodic and self._loop is None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop().create_task(self._every_period(), name="rsvp-periodic")

    async def run_periodic(self) -> None:
        """Each periodic job once, on the calendar served now (a failure is logged, never raised)."""
        calendar = self.calendar() if self.calendar is not None else None
        if calendar is None:
            return
        for job in self.periodic:
            try:
                await job(calendar, self.clock())
            except Exception:
                log.exception("rsvp: a periodic job failed")

    async def _every_period(self) -> None:
        while not self._stop.is_set():
            await self.run_periodic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), PERIOD)

    async def drain(self) -> None:
        """Wait for the private messages on their way (before the adapters stop); a periodic
        run in progress finishes (a fan-out cut in the middle would leave sends in doubt)."""
        if self._loop is not None:
            self._stop.set()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
