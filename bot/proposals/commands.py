"""The proposal commands: /propose and /host (a conversation, or a Slack modal), /cancel,
/withdraw; for organisers /proposals, /proposal, /accept and /decline.

The conversation's state lives in the store (a restart continues it; it expires after 24 hours)
and its answers reach it through `intercept`, which the core calls before the commands: a plain
message in a private chat with a conversation in progress is its next answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.calendar.calendar import Calendar
from bot.calendar.model import Event, Need
from bot.calendar.source import CalendarSource
from bot.chat import handlers
from bot.chat import views as chat_views
from bot.chat.commands import Answer, Request, UsageError
from bot.chat.messages import IncomingMessage, UserRef
from bot.chat.notify import Notifier
from bot.chat.organisers import Organisers
from bot.chat.reply import Button, Buttons, Form, FormField, Reply, ReplyTarget, paragraph, text_reply
from bot.proposals import conversation, views
from bot.proposals.model import CONVERSATION_TTL_HOURS, PER_DAY, Conversation, Kind, Proposal, Status, parse_id
from bot.store.store import Store
from bot.wording import plural

log = logging.getLogger(__name__)

YES, NO = frozenset({"yes", "y", "כן"}), frozenset({"no", "n", "לא"})
FORM_COMMAND = {Kind.TALK: "propose_form", Kind.VENUE: "host_form"}
NOT_ORGANISER = "Sorry, only the organisers can review submissions."


class ProposalCommands:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        organisers: Callable[[Calendar], Organisers],
        source: CalendarSource,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.organisers = organisers
        self.source = source
        self._deciding = asyncio.Lock()  # one decision (and events.yaml edit) at a time

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
        refusal = await self._over_limit(message.sender, req.now)
        if refusal is not None:
            return refusal
        started = Conversation(message.sender.key, kind, (), message.chat.key, req.now, req.now)
        await asyncio.to_thread(self.store.proposals.save_conversation, started)
        return conversation.opening(kind)

    async def _over_limit(self, user: UserRef, now: datetime) -> Reply | None:
        count = await asyncio.to_thread(self.store.proposals.count_since, user.key, now - timedelta(days=1))
        if count >= PER_DAY:
            return text_reply(f"You have sent {count} submissions in the last 24 hours; please try again tomorrow.")
        return None

    async def intercept(self, message: IncomingMessage, calendar: Calendar, now: datetime) -> Sequence[Reply] | None:
        """The core's interceptor: a conversation's next answer, or None to let the message pass."""
        text = message.text.strip()
        if not message.chat.is_private or message.pressed or message.fields or text.startswith("/"):
            return None
        try:
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
                return [await self._submit(convo.kind, convo.answers, message.sender, calendar, now)]
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
        refusal = await self._over_limit(req.message.sender, req.now)
        return refusal or await self._submit(kind, answers, req.message.sender, req.calendar, req.now)

    async def _submit(
        self, kind: Kind, answers: tuple[str, ...], user: UserRef, calendar: Calendar, now: datetime
    ) -> Reply:
        refusal = await self._over_limit(user, now)
        if refusal is not None:
            await asyncio.to_thread(self.store.proposals.end_conversation, user.key)
            return refusal
        proposal = await asyncio.to_thread(self.store.proposals.add, _proposal(kind, answers, user, now))
        await asyncio.to_thread(self.store.proposals.end_conversation, user.key)
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
        if not await asyncio.to_thread(self.store.proposals.withdraw, number, user.key, req.now):
            return text_reply("You have no open submission with that id.")
        return text_reply("Withdrawn. Thank you for letting us know.")

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
        return views.open_list(await asyncio.to_thread(self.store.proposals.find, [Status.NEW]))

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
        event = self._meetup(req, proposal)
        if event is None:
            return text_reply(f"Which meetup? /accept {proposal.id} <meetup id or number> (/events lists them).")
        async with self._deciding:
            current = await asyncio.to_thread(self.store.proposals.get, proposal.number)
            if current is None or current.status is not Status.NEW:
                return self._settled(req, current or proposal)
            if self.source.path is None:
                return text_reply("The calendar is not read from a file here, so I cannot add to it.")
            # Only /accept writes events.yaml: the comment-keeping writer loads on first use, not at start.
            from bot.proposals import calendar_edit

            try:
                edit = await asyncio.to_thread(calendar_edit.apply, self.source.path, event.id, current)
            except calendar_edit.EditFailed as exc:
                return text_reply(f"I did not accept {current.id}: {exc}")
            by = req.message.sender
            await asyncio.to_thread(
                self.store.proposals.decide, current.number, Status.ACCEPTED, by=by.key, at=req.now, event_id=event.id
            )
            reloaded = await asyncio.to_thread(self.source.load)
            if reloaded is not None:
                self.source.replace(reloaded)
        return await self._after_decision(req, current.number, event, edit.what)

    def _meetup(self, req: Request, proposal: Proposal) -> Event | None:
        """The meetup named in the command, else the next one that needs this kind of help."""
        if len(req.args) > 1:
            found = handlers.find_event(req, req.args[1])
            if found is None:
                raise UsageError(handlers.no_such_meetup(req.args[1]))
            return found
        need = Need.SPEAKERS if proposal.kind is Kind.TALK else Need.VENUE
        upcoming = req.calendar.upcoming(req.now)
        return next((e for e in upcoming if need in e.needs), None)

    async def decline(self, req: Request) -> Answer:
        refusal = self._refuse(req)
        if refusal is not None:
            return refusal
        proposal = await self._find(req)
        reason = req.arg_text.partition(" ")[2].strip()[:1000] or None
        async with self._deciding:
            done = await asyncio.to_thread(
                self.store.proposals.decide,
                proposal.number,
                Status.DECLINED,
                by=req.message.sender.key,
                at=req.now,
                reason=reason,
            )
        if not done:
            now_: Proposal | None = await asyncio.to_thread(self.store.proposals.get, proposal.number)
            return self._settled(req, now_ or proposal)
        return await self._after_decision(req, proposal.number, None, None)

    def _settled(self, req: Request, proposal: Proposal) -> Reply:
        return Reply(
            (paragraph(f"{proposal.id} is already {proposal.status.value}; nothing changed."),),
            target=ReplyTarget.PRESSER,
        )

    async def _after_decision(self, req: Request, number: int, event: Event | None, what: str | None) -> Reply:
        """Tell the proposer privately; answer the organiser (a pressed card is updated)."""
        proposal = await asyncio.to_thread(self.store.proposals.get, number)
        assert proposal is not None
        tz = req.calendar.community.timezone
        told = await self.notifier.to_user(
            UserRef(proposal.platform, proposal.user_id), views.decision_notice(proposal, event, tz)
        )
        who = req.message.sender.display_name or req.message.sender.key
        reply = views.decided(proposal, who, event, what)
        if not told.ok:
            reply = Reply((*reply.blocks, paragraph(f"I could not tell the proposer ({told.error}).")))
        target = ReplyTarget.SOURCE_MESSAGE if req.message.pressed else ReplyTarget.CHAT
        return Reply(reply.blocks, target=target)

    # ---- /cfp ---------------------------------------------------------------------------------

    async def cfp_progress(self, calendar: Calendar) -> chat_views.CfpProgress:
        """For /cfp: each wanted topic that has a talk "proposed" or "accepted", and how many
        submissions are under review."""
        talks = await asyncio.to_thread(self.store.proposals.find, [Status.NEW, Status.ACCEPTED])
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
        return chat_views.CfpProgress(progress, sum(1 for p in talks if p.status is Status.NEW))


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
