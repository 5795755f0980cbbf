"""The proposal commands: /propose and /host (a conversation, or a Slack modal), /cancel,
/withdraw; for organisers /proposals, /proposal, /accept and /decline.

The conversation's state lives in the store (a restart continues it; it expires after 24 hours)
and its answers reach it through `intercept`, which the core calls before the commands: a plain
message in a private chat with a conversation in progress is its next answer.

Deciding is the store's: accept, decline and withdraw are each one conditional update
(bot.store.proposals), so exactly one of them wins, across processes. Only the winner of
new -> accepting edits the calendar; the others are told what really happened. A process killed
between that decision and the edit leaves `accepting` behind: `reconcile` at the next start
settles it from the calendar file (the talk or venue is there: accepted; not: back to waiting).
The proposer is told the outcome once, through the delivery ledger (`proposal-decided:<number>`);
a notice that may or may not have arrived (the platform did not answer) is in doubt, and an
organiser's `/resend proposal-decided:<number>` sends it again (bot/proposals/notices.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.announce.scheduler import process_owner
from bot.calendar.calendar import Calendar
from bot.calendar.loader import CalendarError, load_calendar_data
from bot.calendar.model import CalendarData, Event, EventStatus, Need
from bot.calendar.source import CalendarSource
from bot.chat import handlers
from bot.chat import views as chat_views
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.messages import IncomingMessage, UserRef
from bot.chat.notify import Notice, Notifier
from bot.chat.organisers import Organisers
from bot.chat.reply import Button, Buttons, Form, FormField, Reply, ReplyTarget, paragraph, text_reply
from bot.edits.contract import Author, EditFailed
from bot.edits.writer import CalendarWriter
from bot.proposals import conversation, views
from bot.proposals.model import (
    CONVERSATION_TTL_HOURS,
    PER_DAY,
    Conversation,
    Kind,
    Proposal,
    Status,
    notice_key,
    parse_id,
)
from bot.store.kinds import LedgerState
from bot.wording import plural, without_controls

if TYPE_CHECKING:
    from bot.store.proposals import Accepting
    from bot.store.store import Store

log = logging.getLogger(__name__)

YES, NO = frozenset({"yes", "y", "כן"}), frozenset({"no", "n", "לא"})
FORM_COMMAND = {Kind.TALK: "propose_form", Kind.VENUE: "host_form"}
NOT_ORGANISER = "Sorry, only the organisers can review submissions."
# An `accepting` row whose process cannot be checked (another host) is taken as abandoned after
# this long: far longer than an edit with its pushes and retries takes.
ACCEPT_LEASE = timedelta(minutes=10)
NEW_VENUE = "new"  # /accept V3 venue=new: the offer becomes a venue of its own beside a similar one
KILL_AT = "MEETUP_BOT_TEST_KILL_AT"  # test-only: see _test_kill_point


def _test_kill_point(step: str) -> None:
    """TEST-ONLY hook: tests/proposals/test_crash.py runs an accept in a subprocess with
    MEETUP_BOT_TEST_KILL_AT=<step>, and the process kills itself (SIGKILL, no cleanup) there, to
    prove a restart reconciles every step. Never set outside those tests."""
    if os.environ.get(KILL_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


class ProposalCommands:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        organisers: Callable[[Calendar], Organisers],
        source: CalendarSource,
        writer: CalendarWriter | None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.organisers = organisers
        self.source = source
        self.writer = writer
        self.owner = process_owner()  # names this process in an `accepting` row and in the ledger

    # ---- proposing ----------------------------------------------------------------------------

    async def propose(self, req: Request) -> Answer:
        return await self._begin(req, Kind.TALK)

    async def host(self, req: Request) -> Answer:
        return await self._begin(req, Kind.VENUE)

    async def _begin(self, req: Request, kind: Kind) -> Answer:
        message = req.message
        if message.form_trigger:  # Slack: the same questions, as a modal
            return Reply((paragraph("Opening the form…"),), form=form(kind))
        if not message.chat.is_private:
            what = "Propose a talk" if kind is Kind.TALK else "Offer a venue"
            return Reply(
                (
                    paragraph(f"{what} in a private chat with me: press the button (or message me /{_name(kind)})."),
                    Buttons((Button(f"{what} privately", f"/start {_name(kind)}", private=True),)),
                )
            )
        refusal = await self._over_limit(message.sender, req.calendar, req.now)
        if refusal is not None:
            return refusal
        started = Conversation(message.sender.key, kind, (), message.chat.key, req.now, req.now)
        await asyncio.to_thread(self.store.proposals.save_conversation, started)
        return conversation.opening(kind)

    def _limit(self, user: UserRef, calendar: Calendar) -> int | None:
        """Submissions a day this person may send: organisers are not limited."""
        return None if user in self.organisers(calendar) else PER_DAY

    async def _over_limit(self, user: UserRef, calendar: Calendar, now: datetime) -> Reply | None:
        """An early word at /propose, so nobody answers four questions in vain (the limit itself
        is checked again where the submission is stored, atomically)."""
        limit = self._limit(user, calendar)
        if limit is None:
            return None
        count = await asyncio.to_thread(self.store.proposals.count_since, user.key, now - timedelta(days=1))
        return _over(count) if count >= limit else None

    async def intercept(self, message: IncomingMessage, calendar: Calendar, now: datetime) -> Sequence[Reply] | None:
        """The core's interceptor: a conversation's next answer, or None to let the message pass."""
        text = message.text.strip()
        if not message.chat.is_private or message.pressed or message.fields or text.startswith("/"):
            return None
        try:  # every private message: the cheap check first, the conversation only when there is one
            if not await self.store.hot.in_conversation(message.sender.key):
                return None
            convo = await self.store.read(self.store.proposals.conversation, message.sender.key)
        except Exception as exc:  # the store is down: the message is read as if no conversation ran
            log.warning("cannot look up %s's conversation: %s", message.sender.key, type(exc).__name__)
            return None
        if convo is None:
            return None
        if now - convo.updated_at > timedelta(hours=CONVERSATION_TTL_HOURS):
            await asyncio.to_thread(self.store.proposals.end_conversation, convo.user_key)
            return None  # abandoned: the message is read as if there were none
        if text.casefold() == "cancel":
            return [await self._cancel(message.sender)]
        return await self._answer(convo, message, calendar, now)

    async def _answer(
        self, convo: Conversation, message: IncomingMessage, calendar: Calendar, now: datetime
    ) -> Sequence[Reply]:
        text = message.text.strip()
        if convo.confirming:
            word = text.casefold().rstrip(".!")
            if word in YES:
                return [await self._submit(convo.kind, convo.answers, message.sender, calendar, now, convo.started_at)]
            if word in NO:
                await asyncio.to_thread(self.store.proposals.end_conversation, convo.user_key)
                return [text_reply("Dropped; nothing was sent. /propose or /host starts again.")]
            return [text_reply("Please answer yes to submit it, or no to drop it.")]
        step = len(convo.answers)
        try:
            value = conversation.check_answer(convo.kind, step, text)
        except conversation.Invalid as exc:
            return [text_reply(str(exc)), conversation.question(convo.kind, step)]
        answers = (*convo.answers, value)
        done = len(answers) == len(conversation.STEPS[convo.kind])
        updated = Conversation(convo.user_key, convo.kind, answers, convo.chat_key, convo.started_at, now, done)
        await asyncio.to_thread(self.store.proposals.save_conversation, updated)
        return [conversation.summary(convo.kind, answers) if done else conversation.question(convo.kind, step + 1)]

    async def form_submitted(self, req: Request) -> Answer:
        """A filled form (Slack modal): the same checks as the conversation, all at once."""
        kind = Kind.TALK if req.command == FORM_COMMAND[Kind.TALK] else Kind.VENUE
        if not req.message.fields:
            return text_reply(f"Use /{_name(kind)} to start.")
        answers, problems = conversation.check_all(kind, dict(req.message.fields))
        if problems:
            return Reply(
                (
                    paragraph("I could not take that form:"),
                    *(paragraph(p) for p in problems),
                    paragraph(f"Please try /{_name(kind)} again."),
                )
            )
        return await self._submit(kind, answers, req.message.sender, req.calendar, req.now, None)

    async def _submit(
        self,
        kind: Kind,
        answers: tuple[str, ...],
        user: UserRef,
        calendar: Calendar,
        now: datetime,
        started: datetime | None,
    ) -> Reply:
        """Store the submission: one transaction ends the conversation that `started` then (None:
        a form), checks the daily limit and inserts, so only one of many quick `yes` stores it."""
        done = await asyncio.to_thread(
            self.store.proposals.submit,
            _proposal(kind, answers, user, now),
            since=now - timedelta(days=1),
            limit=self._limit(user, calendar),
            conversation_started=started,
        )
        from bot.store.proposals import Outcome  # SQLAlchemy: not on the way to the first answer

        if done.outcome is Outcome.OVER_LIMIT:
            return _over(done.count)
        if done.outcome is Outcome.ALREADY_SENT or done.proposal is None:
            return text_reply("That was sent already; I will tell you here what the organisers decide.")
        proposal = done.proposal
        log.info("new %s %s from %s", kind.value, proposal.id, user.key)
        notices = await self.notifier.to_organisers(calendar, views.card(proposal, calendar.community.timezone))
        if not any(n.ok for n in notices):
            log.warning("%s was stored but no organiser could be told; /proposals lists it", proposal.id)
        return views.submitted(proposal)

    async def cancel(self, req: Request) -> Answer:
        return await self._cancel(req.message.sender)

    async def _cancel(self, user: UserRef) -> Reply:
        ended = await asyncio.to_thread(self.store.proposals.end_conversation, user.key)
        return text_reply("Stopped; nothing was sent." if ended else "There is nothing to cancel.")

    async def withdraw(self, req: Request) -> Answer:
        number = parse_id(req.args[0]) if len(req.args) == 1 else None
        if number is None:
            raise UsageError("Which submission? Give its id, like T7.")
        user = req.message.sender
        if await asyncio.to_thread(self.store.proposals.withdraw, number, user.key, req.now):
            return text_reply("Withdrawn. Thank you for letting us know.")
        current = await asyncio.to_thread(self.store.proposals.get, number)
        if current is None or current.from_key != user.key:
            return text_reply("You have no open submission with that id.")
        return text_reply(views.not_withdrawn(current))  # what happened to it instead

    async def forget(self, user: UserRef) -> str | None:
        """A /forget forgetter: every submission and conversation of this person."""
        gone = await asyncio.to_thread(self.store.proposals.forget, user.key)
        return f"{plural(gone, 'submission')} (talk proposals and venue offers)" if gone else None

    # ---- reviewing ----------------------------------------------------------------------------

    def _refuse(self, req: Request) -> Reply | None:
        if req.message.sender in self.organisers(req.calendar):
            return None
        log.info("refused /%s from %s", req.command, req.message.sender.key)
        return Reply((paragraph(NOT_ORGANISER),), target=ReplyTarget.PRESSER)

    async def list_open(self, req: Request) -> Answer:
        refusal = self._refuse(req)
        if refusal is not None:
            return refusal
        return views.open_list(await asyncio.to_thread(self.store.proposals.find, [Status.NEW, Status.ACCEPTING]))

    async def show(self, req: Request) -> Answer:
        refusal = self._refuse(req)
        if refusal is not None:
            return refusal
        proposal = await self._find(req)
        return views.card(proposal, req.calendar.community.timezone)

    async def _find(self, req: Request) -> Proposal:
        number = parse_id(req.args[0]) if req.args else None
        if number is None:
            raise UsageError("Which submission? Give its id, like T7 (/proposals lists them).")
        proposal = await asyncio.to_thread(self.store.proposals.get, number)
        if proposal is None:
            raise UsageError(f"There is no submission {req.args[0]}.")
        return proposal

    async def accept(self, req: Request) -> Answer:
        refusal = self._refuse(req)
        if refusal is not None:
            return refusal
        proposal = await self._find(req)
        if proposal.status is not Status.NEW:
            return self._settled(proposal)
        meetup, venue = _venue_choice(req.args[1:], proposal)
        event = self._meetup(req, proposal, meetup)
        if event is None:
            return text_reply(f"Which meetup? /accept {proposal.id} <meetup id or number> (/events lists them).")
        writer = self.writer
        if writer is None:  # a calendar given as data, not read from a file (some tests and tools)
            return text_reply("The calendar is not read from a file here, so I cannot add to it.")
        by = req.message.sender
        existing = venue if venue != NEW_VENUE else None
        won = await asyncio.to_thread(
            self.store.proposals.begin_accept,
            proposal.number,
            by=by.key,
            name=by.display_name,
            at=req.now,
            event_id=event.id,
            owner=self.owner,
            venue_id=existing,  # recorded before the edit: what a start checks the file for after a crash
        )
        if not won:  # another accept, a decline or a withdrawal was first
            return await self._lost(proposal)
        _test_kill_point("decided")
        try:
            what = await self._write(writer, proposal, event.id, venue, Author(by.display_name or by.key, by.key))
        except EditFailed as exc:
            await asyncio.to_thread(self.store.proposals.abandon_accept, proposal.number, self.owner)
            return _not_accepted(proposal, event.id, exc)
        except Exception:  # the edit may or may not be in the file: the file says which
            log.exception("accepting %s failed", proposal.id)
            from bot.store.proposals import Accepting  # SQLAlchemy: not on the way to the first answer

            # The row as begin_accept left it: the file is searched for this meetup and venue.
            accepting = replace(proposal, status=Status.ACCEPTING, event_id=event.id, venue_id=existing)
            settled = await self._settle(Accepting(accepting, self.owner), req.now)
            if settled is Status.NEW:
                return text_reply(f"I did not accept {proposal.id}: the calendar edit failed (the log says why).")
            if settled is None:  # the file does not load: the next start settles it from the file
                return text_reply(f"The calendar edit for {proposal.id} failed, and the calendar does not load now.")
            return await self._after_decision(req, proposal.number, event, "the calendar has it")
        _test_kill_point("written")
        finish = self.store.proposals.finish_accept
        if not await asyncio.to_thread(finish, proposal.number, owner=self.owner, at=req.now):
            # Only this process moves its own `accepting` row (reconcile leaves a live one alone).
            log.error("%s left `accepting` while this process was accepting it", proposal.id)
            return await self._lost(proposal)
        _test_kill_point("recorded")
        return await self._after_decision(req, proposal.number, event, what)

    async def _write(
        self, writer: CalendarWriter, proposal: Proposal, event_id: str, venue: str | None, by: Author
    ) -> str:
        """Put the accepted talk or venue into the calendar (the writer: locked, compare-and-swap,
        committed); what changed, in one line. `venue`: the organiser's choice for an offer like
        an existing venue (`new`, or that venue's id). Raises EditFailed when it does not apply."""
        from bot.proposals.calendar_edit import edit_for  # loaded on first use, not at start

        existing = venue if venue is not None and venue != NEW_VENUE else None
        edit = edit_for(proposal, event_id, use_existing=existing, add_anyway=venue == NEW_VENUE)
        return (await writer.edit(edit, by)).what

    def _meetup(self, req: Request, proposal: Proposal, named: str | None) -> Event | None:
        """The meetup named in the command, else the next one that needs this kind of help."""
        if named is not None:
            found = handlers.find_event(req, named)
            if found is None:
                raise UsageError(handlers.no_such_meetup(named))
            return found
        need = Need.SPEAKERS if proposal.kind is Kind.TALK else Need.VENUE
        upcoming = req.calendar.upcoming(req.now)
        return next((e for e in upcoming if need in e.needs), None)

    async def decline(self, req: Request) -> Answer:
        refusal = self._refuse(req)
        if refusal is not None:
            return refusal
        proposal = await self._find(req)
        # The proposer reads it: no override may turn it into something else than was typed.
        reason = without_controls(req.arg_text.partition(" ")[2]).strip()[:1000] or None
        by = req.message.sender
        done = await asyncio.to_thread(
            self.store.proposals.decline,
            proposal.number,
            by=by.key,
            name=by.display_name,
            at=req.now,
            reason=reason,
            owner=self.owner,
        )
        if not done:
            return await self._lost(proposal)
        return await self._after_decision(req, proposal.number, None, None)

    async def _lost(self, proposal: Proposal) -> Reply:
        """The organiser's answer when someone else decided first: what really happened."""
        current = await asyncio.to_thread(self.store.proposals.get, proposal.number)
        if current is None:
            return Reply((paragraph(f"{proposal.id} is gone (its proposer asked to be forgotten)."),))
        return self._settled(current)

    def _settled(self, proposal: Proposal) -> Reply:
        return Reply((paragraph(f"{views.settled(proposal)} Nothing changed."),), target=ReplyTarget.PRESSER)

    async def _after_decision(self, req: Request, number: int, event: Event | None, what: str | None) -> Reply:
        """Tell the proposer privately; answer the organiser (a pressed card is updated)."""
        proposal = await asyncio.to_thread(self.store.proposals.get, number)
        assert proposal is not None
        told = await self._tell_proposer(proposal, event, req.calendar)
        who = req.message.sender.display_name or req.message.sender.key
        reply = views.decided(proposal, who, event, what)
        if told is not None and told.maybe_delivered:
            key = notice_key(proposal.number)
            doubt = f"The proposer may or may not have got my message ({told.error}). If not: /resend {key}"
            reply = Reply((*reply.blocks, paragraph(doubt)))
        elif told is not None and not told.ok:
            reply = Reply((*reply.blocks, paragraph(f"I could not tell the proposer ({told.error}).")))
        now = self.source.current.get(event.id) if event is not None and proposal.status is Status.ACCEPTED else None
        if now is not None and now.status is EventStatus.PLANNED and not now.needs:  # speakers and venue: all there
            reply = Reply((*reply.blocks, paragraph(f"{now.title} needs nothing more: /confirm {now.id} confirms it.")))
        target = ReplyTarget.SOURCE_MESSAGE if req.message.pressed else ReplyTarget.CHAT
        return Reply(reply.blocks, target=target)

    async def _tell_proposer(self, proposal: Proposal, event: Event | None, calendar: Calendar) -> Notice | None:
        """The decision, privately. The store claimed this notice in the delivery ledger for this
        process with the decision itself (bot.store.proposals), so it goes once: None when the
        claim is not ours (told already, or in doubt after a crash, as announcements are)."""
        key, who = notice_key(proposal.number), proposal.from_key
        rows = await asyncio.to_thread(self.store.ledger_rows, key)
        if not any(r.chat_key == who and r.owner == self.owner and r.state is LedgerState.CLAIMED for r in rows):
            return None
        notice = views.decision_notice(proposal, event, calendar.community.timezone)
        told = await self.notifier.to_user(UserRef(proposal.platform, proposal.user_id), notice)
        _test_kill_point("told")
        if told.receipt is not None:
            await asyncio.to_thread(self.store.mark_sent, key, who, self.owner, told.receipt.message_ids)
        elif told.maybe_delivered:  # at most once: never resent by itself, an organiser may (/resend)
            await asyncio.to_thread(self.store.mark_uncertain, key, who, self.owner, f"maybe posted: {told.error}")
        else:
            await asyncio.to_thread(self.store.mark_failed, key, who, self.owner, told.error or "not sent")
        return told

    # ---- after a restart ----------------------------------------------------------------------

    async def reconcile(self, now: datetime) -> dict[int, Status]:
        """At start, once the store is open: settle each accept whose process died between the
        decision and the calendar edit. The file is the truth: the talk (by title, in that
        meetup) or the venue is there -> accepted; it is not -> back to waiting for review. An
        accept still running in a live process is left to it. Returns what was settled, for
        `tell_reconciled` once the adapters run."""
        rows = await asyncio.to_thread(self.store.proposals.accepting)
        settled: dict[int, Status] = {}
        for row in rows:
            if not self._abandoned(row, now):
                log.info("%s is being accepted by %s; left to it", row.proposal.id, row.owner)
                continue
            status = await self._settle(row, now)
            if status is not None:
                settled[row.proposal.number] = status
        return settled

    async def _settle(self, row: Accepting, now: datetime) -> Status | None:
        """Settle one `accepting` submission from the calendar file; its new status (None: the
        file does not load, so it stays as it is)."""
        p = row.proposal
        path = self.source.path
        try:
            data = await asyncio.to_thread(load_calendar_data, path, cache=False) if path else None
        except CalendarError as exc:
            log.error("cannot tell whether %s reached the calendar: %s", p.id, exc)
            return None
        if data is not None and _in_calendar(data, p):
            if not await asyncio.to_thread(self.store.proposals.finish_accept, p.number, owner=self.owner, at=now):
                return None  # settled meanwhile (another process's start): not ours to report
            log.warning("%s: the calendar has it, so it is accepted (its accept was interrupted)", p.id)
            return Status.ACCEPTED
        if not await asyncio.to_thread(self.store.proposals.abandon_accept, p.number, row.owner):
            return None
        log.warning("%s: its accept was interrupted before the calendar had it; it waits for review again", p.id)
        return Status.NEW

    def _abandoned(self, row: Accepting, now: datetime) -> bool:
        """Whether the process that began this accept is gone."""
        owner = row.owner or ""
        if owner == self.owner:
            return False
        host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        if host == socket.gethostname()[:40] and pid.isdigit():
            if int(pid) == os.getpid():  # an earlier process with our pid (a container's restart)
                return True
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return True
            except PermissionError:  # alive, another user's (or a reused pid): wait for the lease
                pass
        decided = row.proposal.decided_at
        return decided is None or now - decided > ACCEPT_LEASE

    async def tell_reconciled(self, settled: dict[int, Status]) -> None:
        """Once the adapters run: what `reconcile` settled, to the organisers (whose accept got
        no answer) and, for an accept the calendar has, to the proposer (once: the ledger)."""
        calendar = self.source.current
        for number, status in settled.items():
            proposal = await asyncio.to_thread(self.store.proposals.get, number)
            if proposal is None:
                continue
            event = calendar.get(proposal.event_id) if proposal.event_id else None
            if status is Status.ACCEPTED:
                await self._tell_proposer(proposal, event, calendar)
            await self.notifier.to_organisers(calendar, views.reconciled(proposal, status, event))

    # ---- /cfp ---------------------------------------------------------------------------------

    async def cfp_progress(self, calendar: Calendar) -> chat_views.CfpProgress:
        """For /cfp: each wanted topic that has a talk "proposed" or "accepted", and how many
        submissions are under review."""
        talks = await asyncio.to_thread(self.store.proposals.find, [Status.NEW, Status.ACCEPTING, Status.ACCEPTED])
        community = calendar.community
        aliases = {key.casefold(): words for key, words in community.topic_aliases}
        progress: dict[str, str] = {}
        for topic in community.call_for_speakers.topics:
            terms = _terms(topic, aliases)
            for p in talks:
                text = f"{p.title} {p.abstract or ''}".casefold()
                on_topic = p.kind is Kind.TALK and any(term in text for term in terms)
                if on_topic and (p.status is Status.ACCEPTED or topic not in progress):
                    progress[topic] = p.status.value if p.status is Status.ACCEPTED else "proposed"
        return chat_views.CfpProgress(progress, sum(1 for p in talks if not p.status.settled))


def _venue_choice(args: Sequence[str], proposal: Proposal) -> tuple[str | None, str | None]:
    """The meetup and the venue choice of `/accept <id> [meetup] [venue=<id>|venue=new]`."""
    choices = [a for a in args if a.casefold().startswith("venue=")]
    rest = [a for a in args if a not in choices]
    if len(choices) > 1 or len(rest) > 1:
        raise UsageError(f"/accept {proposal.id} [meetup] [venue=<existing venue id> | venue=new]")
    if not choices:
        return (rest[0] if rest else None), None
    if proposal.kind is not Kind.VENUE:
        raise UsageError(f"venue= is for venue offers; {proposal.id} is a talk.")
    venue = choices[0].partition("=")[2].strip()
    if not venue:
        raise UsageError(f"Which venue? /accept {proposal.id} [meetup] venue=<existing venue id>, or venue=new")
    return (rest[0] if rest else None), (NEW_VENUE if venue.casefold() == NEW_VENUE else venue)


def _not_accepted(proposal: Proposal, event_id: str, failed: EditFailed) -> Reply:
    """Why the edit was not made. For an offer like an existing venue: the two commands to choose."""
    from bot.edits.operations import VenueExists  # loaded by the edit that raised it

    if not isinstance(failed, VenueExists):
        return text_reply(f"I did not accept {proposal.id}: {failed}")
    return views.venue_choice(proposal, event_id, failed.found, failed.venue_id, NEW_VENUE)


def _over(count: int) -> Reply:
    return text_reply(f"You have sent {count} submissions in the last 24 hours; please try again tomorrow.")


def _in_calendar(data: CalendarData, proposal: Proposal) -> bool:
    """Whether the accepted talk (by title) or venue is in its meetup in this calendar: the venue
    by the id the edit set when it was held at an existing venue (whose name need not be the
    offer's), else by the offer's name (the new entry the edit added carries it)."""
    event = next((e for e in data.events if e.id == proposal.event_id), None)
    if event is None:
        return False
    title = " ".join(proposal.title.split()).casefold()
    if proposal.kind is Kind.TALK:
        return any(" ".join(t.title.split()).casefold() == title for t in event.talks)
    if proposal.venue_id is not None:
        return event.venue is not None and event.venue.id == proposal.venue_id
    names = (event.venue.name if event.venue else None, event.host)
    return any(n is not None and " ".join(n.split()).casefold() == title for n in names)


def _terms(topic: str, aliases: dict[str, tuple[str, ...]]) -> set[str]:
    """What marks a talk as on `topic`: the topic's head ("XDP" of "XDP and the eXpress Data
    Path") and its aliases from community.topic_aliases."""
    head = topic.replace(",", " and ").split(" and ")[0].strip().casefold()
    terms = {head} if head else set()
    for key, words in aliases.items():
        if key in head or head in key or head in words:
            terms.update({key, *words})
    return {t for t in terms if len(t) >= 2}


def _name(kind: Kind) -> str:
    return "propose" if kind is Kind.TALK else "host"


def form(kind: Kind) -> Form:
    title = "Propose a talk" if kind is Kind.TALK else "Offer a venue"
    fields = tuple(
        FormField(s.name, s.label, multiline=s.multiline, max_length=s.max_length) for s in conversation.STEPS[kind]
    )
    return Form(FORM_COMMAND[kind], title, fields)


def _proposal(kind: Kind, answers: tuple[str, ...], user: UserRef, now: datetime) -> Proposal:
    base = Proposal(0, kind, Status.NEW, answers[0], user.key, now, from_name=user.display_name)
    if kind is Kind.TALK:
        return replace(base, abstract=answers[1], speaker=answers[2], language=answers[3])
    return replace(base, address=answers[1], capacity=int(answers[2]), notes=answers[3] or None)
