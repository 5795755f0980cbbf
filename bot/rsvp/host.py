"""The host's evening, built once by `assemble`: full names, check-in codes, word to those going."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.announce.outbound import Sender
from bot.calendar.calendar import Calendar
from bot.chat.notify import Notifier
from bot.chat.organisers import Organisers
from bot.rsvp.checkin import CheckIns
from bot.rsvp.names import Names
from bot.rsvp.service import RsvpService
from bot.rsvp.tellgoing import TellGoing


@dataclass(frozen=True, slots=True)
class Host:
    names: Names
    checkins: CheckIns
    tell: TellGoing


def build_host(
    rsvp: RsvpService,
    senders: Callable[[], Mapping[str, Sender]],
    organisers: Callable[[Calendar], Organisers],
    notifier: Notifier,
) -> Host:
    """The parts, hooked into the RSVP service: a seat asks for the full name (when the host
    needs it) and sends the check-in code; the periodic job sends codes that fell due and
    finishes /tellgoing fan-outs a restart cut short."""
    host = Host(Names(rsvp), CheckIns(rsvp, senders, organisers), TellGoing(rsvp, senders, organisers, notifier))
    rsvp.on_going.extend((host.names.ask, host.checkins.seated))
    rsvp.periodic.extend((host.checkins.send_due_codes, host.tell.resume))
    return host
