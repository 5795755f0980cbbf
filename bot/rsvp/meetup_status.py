"""The meetup's status from chat: `/confirm`, `/move`, `/cancelmeetup` (organisers).

Each is one calendar edit (bot/edits/operations.py: SetStatus, MoveMeetup) made by the writer
(bot/edits/writer.py: locked, checked, committed when the file is in a git work tree, pushed with
CALENDAR_REPO), which serves the new calendar at once. What follows a hand edit follows this one
too, from the calendar source's change listeners: the new-meetup announcement of a confirmed
meetup, the change notice of a moved one, the private word to everyone who said yes to a
cancelled or moved one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time

from bot.calendar.calendar import Calendar
from bot.calendar.model import EventStatus
from bot.chat import handlers
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.organisers import Organisers
from bot.chat.reply import text_reply
from bot.edits.contract import Author, CalendarEdit, EditFailed
from bot.edits.writer import CalendarWriter
from bot.wording import clip, visible, without_controls

log = logging.getLogger(__name__)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: \d would take ٢٠٢٧
_CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}")
MAX_REASON = 300


class MeetupStatus:
    def __init__(self, writer: CalendarWriter | None, organisers: Callable[[Calendar], Organisers]) -> None:
        self.writer = writer
        self._organisers = organisers

    async def confirm(self, req: Request) -> Answer:
        if len(req.args) != 1:
            raise UsageError("Which meetup? Give its id or its number in /events.")
        from bot.edits.operations import SetStatus  # ruamel.yaml: loaded by the first edit, not at start

        return await self._edit(req, req.args[0], lambda e: SetStatus(e, EventStatus.CONFIRMED))

    async def cancel(self, req: Request) -> Answer:
        if not req.args:
            raise UsageError("Which meetup? Give its id or its number in /events, and a reason if you like.")
        reason = " ".join(without_controls(req.arg_text.split(None, 1)[1]).split()) if len(req.args) > 1 else None
        reason = reason if reason and visible(reason) else None  # "()" in the commit and the notice
        if reason and len(reason) > MAX_REASON:  # it goes into events.yaml's notes and every answer
            return text_reply(f"That reason is {len(reason)} characters; please keep it under {MAX_REASON}.")
        from bot.edits.operations import SetStatus  # ruamel.yaml: loaded by the first edit, not at start

        return await self._edit(req, req.args[0], lambda e: SetStatus(e, EventStatus.CANCELLED, reason))

    async def move(self, req: Request) -> Answer:
        if len(req.args) != 3:
            raise UsageError("Which meetup, and to when? For example: /move 1 2027-01-26 19:00")
        try:  # the shapes first: fromisoformat also takes 19:00+05:00, 19:00:30, 19 or 2027-W05-2
            if not (_DAY.fullmatch(req.args[1]) and _CLOCK.fullmatch(req.args[2])):
                raise ValueError
            day = date.fromisoformat(req.args[1])
            at = time.fromisoformat(req.args[2].zfill(5))
        except ValueError:
            raise UsageError(
                f"“{clip(req.args[1])} {clip(req.args[2])}” is not a date and a time such as 2027-01-26 19:00."
            ) from None
        if datetime.combine(day, at, req.calendar.community.timezone) <= req.now:
            return text_reply("That is in the past: a meetup moves to a coming date.")
        from bot.edits.operations import MoveMeetup  # ruamel.yaml: loaded by the first edit, not at start

        return await self._edit(req, req.args[0], lambda e: MoveMeetup(e, day, at))

    async def _edit(self, req: Request, key: str, make: Callable[[str], CalendarEdit]) -> Answer:
        sender = req.message.sender
        if sender not in self._organisers(req.calendar):
            log.info("refused /%s from %s", req.command, sender.key)
            return text_reply("Only the community's organisers can change a meetup.")
        event = handlers.find_event(req, key)
        if event is None:
            return text_reply(handlers.no_such_meetup(key))
        if self.writer is None:
            return text_reply("The calendar here is not read from a file, so I cannot change it: edit events.yaml.")
        author = Author(sender.display_name or sender.key, sender.key)
        try:
            committed = await self.writer.edit(make(event.id), author)
        except EditFailed as error:
            why = str(error)
            return text_reply(f"Nothing changed: {why}" + ("" if why.endswith((".", "?", "!")) else "."))
        log.info("/%s %s by %s: %s", req.command, event.id, sender.key, committed.what)
        commit = f" (commit {committed.commit[:10]})" if committed.commit else ""
        return text_reply(f"✅ {event.title}: {committed.what}{commit}.")
