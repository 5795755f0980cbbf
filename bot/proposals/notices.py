"""The proposer's notice of a decision, again: `/resend proposal-decided:<number>` (bot/resend.py).

The first notice goes out with the decision (bot/proposals/commands.py `_tell_proposer`); one
the platform may or may not have posted is in doubt, and is never sent again by itself. After
an organiser checked with the proposer, this rebuilds it from the submission as stored, with the
same view (`views.decision_notice`), for bot/resend.py to send once more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.calendar.calendar import Calendar
from bot.proposals import views
from bot.proposals.model import Status, parse_id
from bot.resend import CannotRebuild, Rebuilt

if TYPE_CHECKING:
    from bot.store.store import Store


class DecisionNotices:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def rebuild(
        self, key: str, people: Sequence[str], calendar: Calendar, now: datetime
    ) -> Rebuilt | CannotRebuild:
        """The notice for its proposer (the only person it is for), as the submission stands."""
        number = parse_id(key.partition(":")[2])
        proposal = await asyncio.to_thread(self.store.proposals.get, number) if number is not None else None
        if proposal is None:
            return CannotRebuild(
                "that submission is no longer stored: its proposer asked me to forget everything they sent (/forget).",
                "Nothing is kept about them, so there is nobody to tell.",
            )
        if proposal.status not in (Status.ACCEPTED, Status.DECLINED):
            return CannotRebuild(
                f"{proposal.id} is {proposal.status.value}, not decided, so there is no decision to tell.",
                f"/proposal {proposal.id} shows where it stands.",
            )
        event = calendar.get(proposal.event_id) if proposal.event_id else None
        notice = views.decision_notice(proposal, event, calendar.community.timezone)
        return Rebuilt(
            {who: notice for who in people if who == proposal.from_key},
            {who: f"they did not send {proposal.id}" for who in people if who != proposal.from_key},
        )
