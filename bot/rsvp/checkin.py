"""Check-in at the door: a code per person per meetup, scanned or typed by an organiser.

Everyone with a seat gets, in their private chat, a QR code of the bot's deep link
(`https://t.me/<bot>?start=in-<token>`, the link from the running Telegram adapter) and the token
in text. An organiser's phone opens the link in their chat with the bot, which runs
`/start in-<token>` and checks the person in ("✅ Dana Levi is in — 23 of 40"); anyone else
opening it changes nothing. `/checkin <token or name>` does the same by hand on every platform,
and checks in by name a walk-in who never said going. Tokens are 128 random bits
(bot/store/guests.py), one per person per meetup.

The code goes out once (the delivery ledger, `checkin-code:<meetup>`): when a person gets a seat
within CODE_AHEAD of the meetup, or, for those who had one earlier, by the periodic job once the
meetup is that close. `/checkin` with nothing after it gives a person their own code again, and an
organiser's `/resend checkin-code:<meetup>` sends it again to those whose code is in doubt
(`rebuild_code`, registered by bot/assembly.py: bot/resend.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.announce.outbound import Sender
from bot.calendar.calendar import Calendar
from bot.calendar.model import Community, Event
from bot.chat.commands import Answer, Request
from bot.chat.organisers import Organisers
from bot.chat.reply import Attachment, Code, Heading, Reply, paragraph, text_reply
from bot.chat.views import hhmm
from bot.resend import CannotRebuild, Rebuilt
from bot.rsvp.model import Attendee, Person, RsvpState
from bot.rsvp.private import Sent, send_once
from bot.rsvp.service import RsvpService
from bot.rsvp.views import when
from bot.wording import clip, visible, without_controls

if TYPE_CHECKING:
    from bot.store.guests import CheckIn, CheckInResult

log = logging.getLogger(__name__)

CODE_AHEAD = timedelta(days=2)  # codes go out this long before the meetup starts
CODE_KIND = "checkin-code"  # the delivery ledger's key kind: `checkin-code:<meetup>`, the person as "chat"
SCAN_PREFIX = "in-"  # `/start in-<token>`: the deep link's payload


@runtime_checkable
class StartLinks(Protocol):
    """A sender that can link into a private chat with the bot (Telegram: t.me/<bot>?start=…)."""

    def start_link(self, payload: str) -> str | None: ...


class CheckIns:
    def __init__(
        self,
        service: RsvpService,
        senders: Callable[[], Mapping[str, Sender]],
        organisers: Callable[[Calendar], Organisers],
    ) -> None:
        self.service = service
        self.store = service.store
        self.senders = senders
        self._organisers = organisers

    # ---- the code ----------------------------------------------------------------------------

    def link(self, token: str) -> str | None:
        """The deep link that checks the token in, from a running adapter that has one."""
        for sender in self.senders().values():
            if isinstance(sender, StartLinks) and (url := sender.start_link(SCAN_PREFIX + token)):
                return url
        return None

    def code_reply(self, event: Event, community: Community, token: str) -> Reply:
        link = self.link(token)
        from bot.rsvp import qr  # qrcode and Pillow: loaded by the first code shown, not at start

        image = qr.png(link or f"/checkin {token}")  # no deep link (no Telegram): the command to type
        how = "an organiser scans it, or types /checkin and the code"
        return Reply(
            (
                Heading(f"🎟 Your check-in code for {event.title}"),
                paragraph(f"{when(event, community)}. Show this at the door: {how}."),
                paragraph("Code: ", Code(token)),
                Attachment(f"checkin-{event.id}.png", image, "image/png", caption=f"Check-in code: {token}"),
            )
        )

    async def seated(self, event: Event, community: Community, person: Person) -> None:
        """An `RsvpService.on_going` hook: the code is sent in the background."""
        self.service.spawn(self.send_code(event, community, person))

    async def send_code(self, event: Event, community: Community, person: Person) -> Sent:
        """The person's code, once (the ledger), if the meetup is close enough."""
        now = self.service.clock()
        if event.is_cancelled or not event.start - CODE_AHEAD <= now < event.end:
            return Sent.ALREADY  # too early: the periodic job sends it when the meetup is close
        token = await asyncio.to_thread(self.store.guests.code, event.id, person.key)
        reply = self.code_reply(event, community, token)
        sent = await send_once(self.store, self.senders, self.service.owner, code_key(event), person, reply)
        if sent is Sent.SENT:
            log.info("check-in code for %s sent to %s", event.id, person.key)
        elif sent is Sent.UNCERTAIN:
            await self.service.report_in_doubt(code_key(event), [person], f"the check-in code for {event.title}")
        return sent

    async def rebuild_code(
        self, key: str, people: Sequence[str], calendar: Calendar, now: datetime
    ) -> Rebuilt | CannotRebuild:
        """/resend of a code in doubt (bot/resend.py): each person's own code again (the same
        token), for those of `people` who still have a seat at a meetup still to come."""
        event_id = key.partition(":")[2]
        event = calendar.get(event_id)
        if event is None:
            return CannotRebuild(
                f"the meetup {event_id} is no longer in the calendar.", "Nobody needs a check-in code for it now."
            )
        if event.is_cancelled or now >= event.end:
            state = "cancelled" if event.is_cancelled else "over"
            return CannotRebuild(f"{event.title} is {state}.", "Nobody needs a check-in code for it now.")
        seated = {a.person.key for a in await self.service.attendees(event) if a.state is RsvpState.GOING}
        messages: dict[str, Reply] = {}
        for who in people:
            if who in seated:
                token = await asyncio.to_thread(self.store.guests.code, event.id, who)
                messages[who] = self.code_reply(event, calendar.community, token)
        skipped = {who: "they have no seat any more" for who in people if who not in seated}
        return Rebuilt(messages, skipped)

    async def send_due_codes(self, calendar: Calendar, now: datetime) -> int:
        """The periodic job: codes for everyone with a seat at a meetup starting soon."""
        sent = 0
        for event in calendar.upcoming(now, limit=5):
            if event.is_cancelled or event.start - CODE_AHEAD > now:
                continue
            for attendee in await self.service.attendees(event):
                if attendee.state is RsvpState.GOING:
                    sent += await self.send_code(event, calendar.community, attendee.person) is Sent.SENT
        return sent

    # ---- checking in ----------------------------------------------------------------------------

    async def scan(self, req: Request, payload: str) -> Answer:
        """`/start in-<token>`: the deep link of a code, opened by whoever scanned it."""
        return await self._by_token(req, payload.removeprefix(SCAN_PREFIX))

    async def checkin(self, req: Request) -> Answer:
        """`/checkin <token or name>` (organisers); `/checkin` alone: your own code."""
        if not req.args:
            return await self._own_code(req)
        if len(req.args) == 1 and (found := await self._token(req.args[0])) is not None:
            return await self._by_token(req, req.args[0], found)
        if (refusal := self._refuse(req)) is not None:
            return refusal
        event, name = self._meetup_and_name(req)
        if event is None:
            return text_reply("There is no meetup to check people in to. Name it: /checkin <meetup id> <name>")
        name = " ".join(without_controls(name).split())
        if not visible(name):  # a zero-width space would be checked in as a walk-in with no name
            return text_reply("Whom? /checkin <code>, or /checkin <name> (a full name, display name or @username).")
        people = await self.service.attendees(event)
        names = await self.service.full_names(a.person.key for a in people)
        rows = {c.user_key: c for c in await self.service.checkins(event)}
        matches = _matches(name, people, names, rows)
        if len(matches) > 1:
            listed = "; ".join(f"{shown} ({key})" for key, shown in matches[:8])
            return text_reply(f"{len(matches)} people match “{clip(name)}”: {listed}. Give more of the name.")
        if matches:
            key, shown = matches[0]
            result = await self._check(event, key, req)
            return await self._told(req, event, shown, result)
        from bot.store.guests import WALK_IN  # SQLAlchemy: not on the way to the first answer

        walk_in = WALK_IN + " ".join(name.casefold().split())[:150]
        result = await self._check(event, walk_in, req, name=name[:200])
        return await self._told(req, event, name[:200], result, walk_in=True)

    async def _own_code(self, req: Request) -> Answer:
        sender = req.message.sender
        mine = [a for a in await self.service.of_person(sender) if a.state is RsvpState.GOING]
        events = sorted(
            (e for a in mine if (e := req.calendar.get(a.event_id)) is not None and req.now < e.end),
            key=lambda e: e.start,
        )
        if not events:
            return text_reply("You have no seat at a coming meetup, so no check-in code. /going says you are coming.")
        event = events[0]
        token = await asyncio.to_thread(self.store.guests.code, event.id, sender.key)
        reply = self.code_reply(event, req.calendar.community, token)
        if req.message.chat.is_private:
            return reply
        notifier = self.service.notifier
        if notifier is not None and (await notifier.to_user(sender, reply)).ok:
            return text_reply("I sent your check-in code to you privately.")
        return text_reply("I could not message you privately: open a chat with me and send /checkin there.")

    async def _token(self, token: str) -> CheckIn | None:
        if not 10 <= len(token) <= 64:
            return None
        return await self.store.read(self.store.guests.by_token, token)

    async def _by_token(self, req: Request, token: str, found: CheckIn | None = None) -> Answer:
        if (refusal := self._refuse(req)) is not None:
            return refusal
        found = found or await self._token(token)
        event = req.calendar.get(found.event_id) if found is not None else None
        if found is None or event is None:
            return text_reply("That check-in code is not one of mine (or its meetup is gone). Nobody was checked in.")
        people = {a.person.key: a for a in await self.service.attendees(event)}
        names = await self.service.full_names([found.user_key])
        attendee = people.get(found.user_key)
        shown = names.get(found.user_key) or found.name or (_display(attendee.person) if attendee else found.user_key)
        result = await self._check(event, found.user_key, req)
        return await self._told(req, event, shown, result)

    def _refuse(self, req: Request) -> Reply | None:
        if req.message.sender in self._organisers(req.calendar):
            return None
        log.info("refused /%s from %s", req.command, req.message.sender.key)
        return text_reply(
            "That is a check-in code for the door: only the community's organisers can check people in. "
            "Nothing changed. (Your own code: /checkin)"
        )

    def _meetup_and_name(self, req: Request) -> tuple[Event | None, str]:
        first = req.args[0]
        if len(req.args) > 1 and not first.isdigit() and (named := req.calendar.get(first)) is not None:
            return named, req.arg_text.split(None, 1)[1].strip()
        door = req.calendar.next(req.now) or next(iter(req.calendar.past(req.now, 1)), None)
        return door, req.arg_text.strip()

    async def _check(self, event: Event, user_key: str, req: Request, name: str | None = None) -> CheckInResult:
        by = req.message.sender.key
        return await asyncio.to_thread(self.store.guests.check_in, event.id, user_key, by, req.now, name)

    async def _told(
        self, req: Request, event: Event, shown: str, result: CheckInResult, *, walk_in: bool = False
    ) -> Answer:
        came = (await self.service.came([event])).get(event.id, 0)
        going = (await self.service.counts([event]))[event.id].going
        tally = f"{came} of {going}"
        if not result.first:
            at = result.row.checked_in_at
            local = _at(at, req.calendar.community) if at else "earlier"
            return text_reply(f"☑️ {shown} was checked in already ({local}) — {tally}.")
        note = " (walk-in: not on the list)" if walk_in else ""
        log.info("%s checked in %s at %s", req.message.sender.key, result.row.user_key, event.id)
        return text_reply(f"✅ {shown} is in{note} — {tally}.")


def code_key(event: Event) -> str:
    return f"{CODE_KIND}:{event.id}"


def _at(moment: datetime, community: Community) -> str:
    """ "at 19:02": the community's local time."""
    return f"at {hhmm(moment.astimezone(community.timezone))}"


def _display(person: Person) -> str:
    return person.name or (f"@{person.username}" if person.username else person.user_id)


def _matches(
    name: str, people: Sequence[Attendee], full: Mapping[str, str], rows: Mapping[str, CheckIn]
) -> list[tuple[str, str]]:
    """(user key, name to show) of whoever `name` means: an exact full name, display name or
    @username first, else the names that contain it. Walk-ins already in count too."""
    wanted = " ".join(name.casefold().split()).lstrip("@")
    candidates: list[tuple[str, str, tuple[str, ...]]] = []
    for a in people:
        p = a.person
        shown = full.get(p.key) or _display(p)
        candidates.append((p.key, shown, tuple(x for x in (full.get(p.key), p.name, p.username) if x)))
    for key, row in rows.items():
        if row.walk_in and row.name:
            candidates.append((key, row.name, (row.name,)))

    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    exact = [(k, s) for k, s, names in candidates if any(norm(n) == wanted for n in names)]
    if exact:
        return exact
    return [(k, s) for k, s, names in candidates if any(wanted in norm(n) for n in names)]


__all__ = ["CODE_AHEAD", "CODE_KIND", "SCAN_PREFIX", "CheckIns", "StartLinks", "code_key"]
