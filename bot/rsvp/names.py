"""Full names for the building: hosts that let in only names given in advance (`guest_list: full_names`).

The first time a person takes a seat at such a meetup, the bot asks them privately, once, for
their full name (`GuestStore.ask_once` decides, so two answers at once ask once). Their next plain
message in that private chat is the name; `/myname <full name>` gives or changes it at any time,
`/myname` alone shows it, and `/forget` deletes it. Someone who never gives a name stays on the
guest list, marked (bot/rsvp/views.py, adapters/attendees_cli.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from bot.calendar.calendar import Calendar
from bot.calendar.model import Community, Event
from bot.chat.commands import Answer, Request
from bot.chat.messages import IncomingMessage, UserRef
from bot.chat.reply import Reply, text_reply
from bot.rsvp.model import Person
from bot.rsvp.service import RsvpService, user_of
from bot.wording import clip, visible, without_controls

log = logging.getLogger(__name__)

MAX_NAME = 120


def ask_text(event: Event) -> str:
    return (
        f"The host of {event.title} lets in only the names given in advance. "
        "What is your full name, as on your ID? Reply with it here (or /myname <full name>)."
    )


def clean(text: str) -> str | None:
    """A full name as given: one line, spaces collapsed; None when empty, a command or too long."""
    name = " ".join(without_controls(text).split())
    if not visible(name) or name.startswith("/") or len(name) > MAX_NAME:
        return None
    return name


class Names:
    def __init__(self, service: RsvpService) -> None:
        self.service = service
        self.store = service.store

    async def ask(self, event: Event, community: Community, person: Person) -> None:
        """An `RsvpService.on_going` hook: ask for the full name, once, when the host needs it."""
        if not event.needs_full_names:
            return
        if await self.store.read(self.store.guests.full_names, [person.key]):
            return
        if not await asyncio.to_thread(self.store.guests.ask_once, person.key, self.service.clock()):
            return
        self.service.spawn(self._send_ask(event, person))

    async def _send_ask(self, event: Event, person: Person) -> None:
        notifier = self.service.notifier
        if notifier is None or not (await notifier.to_user(user_of(person), text_reply(ask_text(event)))).ok:
            log.info("could not ask %s privately for their full name", person.key)

    async def intercept(self, message: IncomingMessage, calendar: Calendar, now: datetime) -> Sequence[Reply] | None:
        """The core's interceptor: a plain message in private from someone asked for their name."""
        if not message.chat.is_private or message.pressed or message.fields or message.command is not None:
            return None
        if message.text.lstrip().startswith("/"):
            return None
        user = message.sender
        if not await self.store.hot.awaiting_name(user.key):  # every private message: the cheap read
            return None
        name = clean(message.text)
        if name is None:
            return [text_reply(f"Please send your full name in one line, at most {MAX_NAME} characters.")]
        await asyncio.to_thread(self.store.guests.set_full_name, user.key, name, now)
        return [text_reply(*saved(name))]

    async def myname(self, req: Request) -> Answer:
        user = req.message.sender
        if not req.arg_text.strip():
            have = (await self.store.read(self.store.guests.full_names, [user.key])).get(user.key)
            if have is None:
                return text_reply("I have no full name of yours. /myname <full name> gives it, for hosts that ask.")
            return text_reply(f"Your full name for hosts: {have}. /myname <full name> changes it; /forget deletes it.")
        name = clean(req.arg_text)
        if name is None:
            return text_reply(f"That is not a name I can keep: “{clip(req.arg_text)}”. One line, at most {MAX_NAME}.")
        await asyncio.to_thread(self.store.guests.set_full_name, user.key, name, req.now)
        return text_reply(*saved(name))

    async def forget(self, user: UserRef) -> str | None:
        """The /forget part: the full name, check-in codes and check-ins, /tellgoing texts."""
        names, codes, texts = await asyncio.to_thread(self.store.guests.forget, user.key)
        parts = [
            "your full name for hosts" if names else "",
            "your check-in codes and check-ins" if codes else "",
            "the texts you sent to those going" if texts else "",
        ]
        return ", ".join(p for p in parts if p) or None


def saved(name: str) -> tuple[str, ...]:
    return (f"Thanks: {name} is the name on the hosts' guest lists.", "/myname changes it; /forget deletes it.")
