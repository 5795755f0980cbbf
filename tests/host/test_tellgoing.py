"""`/tellgoing`: word to everyone going, privately, through the delivery ledger: once each, even
when the bot stops in the middle and a restart finishes the fan-out; the organiser hears how many
it reached and who could not be reached."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.announce.outbound import ChatGone, SendReceipt
from bot.assembly import assemble
from bot.calendar.source import CalendarSource
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply
from bot.config import Settings
from bot.store.store import LedgerState
from tests.announcements.senders import RecordingSender
from tests.fakes.clock import FixedClock
from tests.host.conftest import NOW
from tests.rsvp.conftest import GROUP, ORGANISER, Chat, person

HERE = ChatRef("telegram", "42", is_private=True)
TEXT = "The room moved to floor 3"


class StopsAfter:
    """A sender whose process dies after `n` sends: later sends never return (the test then
    cancels the fan-out, as a crash would end it)."""

    platform = "telegram"

    def __init__(self, n: int) -> None:
        self.n = n
        self.posted: list[tuple[str, str]] = []
        self.stuck = 0
        self.changed = asyncio.Event()

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        if len(self.posted) >= self.n:
            self.stuck += 1
            self.changed.set()
            await asyncio.Event().wait()
        self.posted.append((chat.key, reply.plain_text()))
        self.changed.set()
        return SendReceipt(chat, (str(len(self.posted)),))


async def test_tellgoing_reaches_each_person_once_across_a_restart_in_the_middle(tmp_path: Path) -> None:
    events = tmp_path / "events.yaml"
    from tests.host.conftest import CALENDAR

    events.write_text(CALENDAR, encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", scheduler_enabled=False)
    people = [person(n) for n in range(1, 11)]

    first = assemble(settings, CalendarSource.from_file(events), FixedClock(NOW))
    await first.announcements.open()
    dying = StopsAfter(3)
    first.announcements.delivery.senders = {"telegram": dying}
    chat = Chat(first, FixedClock(NOW), first.bot.source, RecordingSender())
    for who in people:
        await chat.say("/going cafe-night", who, GROUP)  # five weeks ahead: no check-in codes yet
    await chat.say("/whoami", ORGANISER, HERE)  # the organiser has a private chat with the bot
    command = asyncio.create_task(chat.say(f"/tellgoing cafe-night {TEXT}", ORGANISER, HERE))
    while not (len(dying.posted) == 3 and dying.stuck == 4):  # 3 sent, 4 in flight, 3 not started
        dying.changed.clear()
        await asyncio.wait_for(dying.changed.wait(), 10)
    command.cancel()  # the process dies here
    await asyncio.gather(command, return_exceptions=True)
    first.announcements.store.close()

    second = assemble(settings, CalendarSource.from_file(events), FixedClock(NOW))  # the restart
    await second.announcements.open()
    sender = RecordingSender("telegram")
    second.announcements.delivery.senders = {"telegram": sender}
    try:
        await second.rsvp.run_periodic()  # what start() runs: the interrupted fan-out is finished
        await second.rsvp.run_periodic()  # and only once
        told_first = {key for key, text in dying.posted if TEXT in text}
        told_second = [key for key, text in sender.posted if TEXT in text]
        assert len(told_first) == 3 and len(told_second) == 3 == len(set(told_second))
        assert not told_first & set(told_second)  # nobody twice
        rows = second.announcements.store.ledger_rows("tellgoing:cafe-night:1")
        assert sorted(r.state for r in rows).count(LedgerState.SENT) == 6
        in_doubt = [r.chat_key for r in rows if r.state is LedgerState.CLAIMED]
        assert len(in_doubt) == 4  # in flight when it died: never resent (at most once)
        [report] = [text for key, text in sender.posted if key == "telegram:42"]
        assert "Finished after a restart: tellgoing:cafe-night:1" in report
        assert "reached 6 people" in report and "In doubt, not resent" in report
    finally:
        await second.rsvp.drain()
        await second.announcements.stop()


async def test_tellgoing_answers_how_many_and_who_could_not_be_reached(chat: Chat) -> None:
    never_started = person(2)

    def script(target: ChatRef, attempt: int) -> ChatGone | None:
        if target.key == never_started.key:
            return ChatGone("Forbidden: bot can't initiate conversation with a user")
        return None

    chat.sender.script = script  # type: ignore[assignment]
    for n in (1, 2, 3):
        await chat.say("/going cafe-night", person(n), GROUP)
    await chat.say("/going cafe-night", person(4), GROUP)
    answer = await chat.say(f"/tellgoing cafe-night {TEXT}", ORGANISER, HERE)
    assert "reached 3 people" in answer
    assert "Could not reach 1 (never started a private chat with me, or blocked me): Person 2." in answer
    assert all(len([t for t in chat.private(person(n)) if TEXT in t]) == 1 for n in (1, 3, 4))
    again = await chat.say(f"/tellgoing cafe-night {TEXT}", ORGANISER, HERE)  # a second text: its own key
    assert "reached 3 people" in again
    assert "Only the community's organisers" in (await chat.say(f"/tellgoing cafe-night {TEXT}", person(1), GROUP))


async def test_tellgoing_with_waitlist_flag_and_bad_input(chat: Chat) -> None:
    seated, waiting = person(1), person(2)
    await chat.say("/going tiny-night", seated, GROUP)
    await chat.say("/going tiny-night", waiting, GROUP)  # one seat: the waitlist
    answer = await chat.say("/tellgoing tiny-night Seats only", ORGANISER, HERE)
    assert "Told everyone going to Tiny Night: reached 1 person." in answer
    answer = await chat.say("/tellgoing --waitlist tiny-night Everyone", ORGANISER, HERE)
    assert "Told everyone going and on the waitlist to Tiny Night: reached 2 people." in answer
    assert [t for t in chat.private(waiting) if "Seats only" in t] == []
    assert len([t for t in chat.private(waiting) if "Everyone" in t]) == 1
    assert "Usage: /tellgoing" in await chat.say("/tellgoing tiny-night", ORGANISER, HERE)
    assert "No meetup with id" in await chat.say("/tellgoing nope hello", ORGANISER, HERE)
    assert "Nobody is going to Cafe Night" in await chat.say("/tellgoing cafe-night hello", ORGANISER, HERE)


async def test_tellgoing_sends_no_blank_text_and_takes_the_flag_after_the_meetup(chat: Chat) -> None:
    seated, waiting = person(1), person(2)
    await chat.say("/going tiny-night", seated, GROUP)
    await chat.say("/going tiny-night", waiting, GROUP)
    for blank in ("\u200b", "\u200b\u2060 \ufeff", "\u202e\u202c"):  # invisible: no message to anyone
        assert "Usage: /tellgoing" in await chat.say(f"/tellgoing tiny-night {blank}", ORGANISER, HERE)
    assert all("From the organisers" not in t for t in chat.private(seated))
    answer = await chat.say("/tellgoing tiny-night --waitlist Doors at 18:30", ORGANISER, HERE)
    assert "Told everyone going and on the waitlist to Tiny Night: reached 2 people." in answer
    [told] = [t for t in chat.private(waiting) if "Doors at 18:30" in t]
    assert "--waitlist" not in told


async def test_a_periodic_run_during_tellgoing_never_resends_nor_reports_a_restart(chat: Chat) -> None:
    """The periodic job finishes fan-outs a restart cut short; one running in this process at the
    same moment (just recorded, or finishing) is not one of those: nobody hears of a restart,
    the organiser's answer has nobody in doubt. Raced many times, so both windows are hit."""
    for n in (1, 2, 3):
        await chat.say("/going cafe-night", person(n), GROUP)
    await chat.say("/whoami", ORGANISER, HERE)
    for round_ in range(40):
        text = f"{TEXT} ({round_})"
        answer, _, _ = await asyncio.gather(
            chat.say(f"/tellgoing cafe-night {text}", ORGANISER, HERE),
            chat.rsvp.run_periodic(),
            chat.rsvp.run_periodic(),
        )
        assert "reached 3 people" in answer and "In doubt" not in answer, answer
        assert all(len([t for t in chat.private(person(n)) if text in t]) == 1 for n in (1, 2, 3))
    assert not [t for t in chat.private(ORGANISER) if "Finished after a restart" in t]
