"""/resend for the private messages in the delivery ledger: each kind of key, rebuilt by its owner.

The ledger holds two sorts of rows. Announcements (`reminder:`, `call:`, `notice:`, `new:`,
`broadcast:`) go to chats, and the announcement rules rebuild them (`Announcer.find`). Private
messages go to one person each, sent once through `send_once` (bot/rsvp/private.py), and each
kind belongs to the component that writes it: a meetup's cancellation and move notices
(`rsvp-cancelled:`, `rsvp-moved:`, bot/rsvp/service.py), check-in codes (`checkin-code:`,
bot/rsvp/checkin.py), /tellgoing texts (`tellgoing:`, bot/rsvp/tellgoing.py) and the proposer's
notice of a decision (`proposal-decided:`, sent by bot/proposals/commands.py, rebuilt by
bot/proposals/notices.py).

`/resend <key>` (bot/announce/commands.py) asks the announcement rules first, then this registry.
Why a registry filled by bot/assembly.py: the command must not know how a check-in code or a
decision is worded, nor which store tables say who still needs it; the owner does, and rebuilds
its message with its own view functions (nothing is built twice). A rebuilder gets the key, the
people whose row is in doubt (UNCERTAIN), the calendar served and the time; it answers with the
message for each of them it still applies to (a person who has since said they can't come is
left out, with the reason), or, when it cannot be rebuilt, why, in words for an organiser, and
what to do instead.

Sending again (`send_again`): the rows of those people go from UNCERTAIN back to RETRY (the
organiser checked), and each goes through `send_once`, whose claim decides who sends. The
reopen is one conditional update, so of two /resend at once only one gets each row back, and
the claim would stop a second send anyway: nobody gets it twice. A person on a platform this
process does not serve is not reopened (the row would wait as RETRY for a send nobody makes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.announce.outbound import Sender
from bot.calendar.calendar import Calendar
from bot.chat.reply import Block, Code, Reply, paragraph
from bot.rsvp.model import Person
from bot.rsvp.private import Sent, send_once
from bot.wording import plural

if TYPE_CHECKING:
    from bot.store.store import Store

SHOW_PEOPLE = 20  # person keys listed in an answer; more are counted


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """A private message rebuilt for the people in doubt it still applies to."""

    messages: Mapping[str, Reply]  # person key (`telegram:42`) -> their message
    skipped: Mapping[str, str] = field(default_factory=dict)  # person key -> why not again


@dataclass(frozen=True, slots=True)
class CannotRebuild:
    """Why a message cannot be sent again, and what the organiser can do instead."""

    why: str
    instead: str


# (key, people in doubt, calendar served, now) -> the message for each, or why not.
Rebuilder = Callable[[str, Sequence[str], Calendar, datetime], Awaitable[Rebuilt | CannotRebuild]]


class Rebuilders:
    """Key kind (the part before the first `:`) -> the rebuilder of the component that writes it."""

    def __init__(self) -> None:
        self._by_kind: dict[str, Rebuilder] = {}

    def add(self, kind: str, rebuilder: Rebuilder) -> None:
        # One owner per kind: which code rebuilds a key never depends on the order of assembly.
        if kind in self._by_kind:
            raise ValueError(f"a rebuilder for {kind}: keys is registered already")
        self._by_kind[kind] = rebuilder

    def find(self, key: str) -> Rebuilder | None:
        return self._by_kind.get(key.partition(":")[0])

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_kind))


@dataclass(frozen=True, slots=True)
class Resent:
    """What one /resend of a private message did, person by person."""

    key: str
    results: Mapping[str, Sent]  # the people this /resend reopened, and what their send did
    skipped: Mapping[str, str]  # the people in doubt not sent again, and why
    raced: Sequence[str] = ()  # in doubt when read, then reopened or sent by another /resend

    def answer(self) -> Reply:
        """For the organiser: how many were resent, and what happened to the others."""
        by = {outcome: [who for who, got in self.results.items() if got is outcome] for outcome in Sent}
        lines: list[Block] = []
        if self.results:
            sent = by[Sent.SENT]
            lines.append(paragraph(f"🔁 Resent {self.key} to {plural(len(sent), 'person', 'people')}{_listed(sent)}."))
        if raced := [*self.raced, *by[Sent.ALREADY]]:
            lines.append(
                paragraph(
                    f"Another /resend is sending it to {_names(raced)} right now: they get it once, from that one."
                )
            )
        if by[Sent.UNREACHABLE]:
            lines.append(
                paragraph(
                    f"Could not reach {_names(by[Sent.UNREACHABLE])} privately "
                    "(they never started a chat with me, or blocked me)."
                )
            )
        if by[Sent.UNCERTAIN]:
            lines.append(
                paragraph(
                    f"In doubt again (the platform did not answer): {_names(by[Sent.UNCERTAIN])}. "
                    "Check with them, then ",
                    Code(f"/resend {self.key}"),
                    " again.",
                )
            )
        for reason, people in _by_reason(self.skipped).items():
            lines.append(paragraph(f"Not resent to {_names(people)}: {reason}."))
        return Reply(tuple(lines or [paragraph(f"Nothing of {self.key} is in doubt.")]))


async def send_again(
    store: Store,
    senders: Callable[[], Mapping[str, Sender]],
    owner: str,
    key: str,
    doubtful: Sequence[str],
    rebuilt: Rebuilt,
) -> Resent:
    """Reopen the rows of the people in doubt that `rebuilt` has a message for, and send each
    once more through `send_once`. Only the rows this call reopened are sent from here: one that
    another /resend reopened first is that one's to send (and its claim would stop us anyway)."""
    running = senders()
    skipped: dict[str, str] = {}
    wanted: list[str] = []
    for who in doubtful:
        platform = who.partition(":")[0]
        if who not in rebuilt.messages:
            skipped[who] = rebuilt.skipped.get(who, "the message is not for them any more")
        elif platform not in running:  # reopened, it would wait as RETRY for a send nobody makes
            skipped[who] = f"I am not connected to {platform} right now"
        else:
            wanted.append(who)
    reopened = await asyncio.to_thread(store.reopen, key, wanted) if wanted else []
    results: dict[str, Sent] = {}
    for who in reopened:
        platform, _, user_id = who.partition(":")
        results[who] = await send_once(store, senders, owner, key, Person(platform, user_id), rebuilt.messages[who])
    return Resent(key, results, skipped, tuple(who for who in wanted if who not in results))


def cannot_reply(key: str, why: CannotRebuild) -> Reply:
    """For the organiser: the message cannot be rebuilt, why, and what to do."""
    return Reply((paragraph(f"I cannot send {key} again: {why.why}"), paragraph(why.instead)))


def _by_reason(skipped: Mapping[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for who, reason in skipped.items():
        out.setdefault(reason, []).append(who)
    return out


def _names(people: Sequence[str]) -> str:
    shown = ", ".join(people[:SHOW_PEOPLE])
    return shown + (f" and {len(people) - SHOW_PEOPLE} more" if len(people) > SHOW_PEOPLE else "")


def _listed(people: Sequence[str]) -> str:
    return f" ({_names(people)})" if people else ""


__all__ = ["CannotRebuild", "Rebuilder", "Rebuilders", "Rebuilt", "Resent", "cannot_reply", "send_again"]
