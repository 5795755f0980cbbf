"""Each person's updates in order, different people at once (adapters/telegram/ordering.py).

The drill runs `meetup-bot run`'s App against the fake Bot API with every update queued before
the bot starts, so PTB gets them all in one getUpdates batch and handles them concurrently:
ten people each say /going then /notgoing for a meetup with one seat, and one person types a
whole /propose conversation. The adapter-level tests show that a person who is slow to answer
holds up neither the others nor the slots they need.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from adapters.app import App
from adapters.ordering import KeyedSerial
from adapters.telegram.ordering import update_key
from bot.calendar.source import CalendarSource
from bot.chat.commands import Command, Request
from bot.chat.reply import Reply, text_reply
from bot.config import Settings
from bot.proposals.model import Kind
from bot.rsvp.model import RsvpState
from bot.store.store import Store
from tests.conftest import COMMUNITY_YAML
from tests.fakes.clock import FixedClock
from tests.fakes.telegram_api import FakeBotApi
from tests.telegram.conftest import GROUP, NOW, TOKEN, Factory

MEETUP = "one-seat"
CALENDAR = COMMUNITY_YAML + textwrap.dedent(
    f"""\
    events:
      - {{id: {MEETUP}, title: One Seat Meetup, start: 2027-01-19 19:00, capacity: 1, needs: [speakers]}}
    """
)
PEOPLE = [7000 + n for n in range(10)]
PROPOSER = 8000
CONVERSATION = ["/propose", "Packets at line rate", "How XDP drops packets early.", "Ada Lovelace", "English", "yes"]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as fake:
        yield fake


async def test_the_drill_one_batch_every_person_in_order(api: FakeBotApi, tmp_path: Path) -> None:
    events, db = tmp_path / "events.yaml", tmp_path / "bot.sqlite3"
    events.write_text(CALENDAR, encoding="utf-8")
    for user in PEOPLE:  # interleaved: everyone's /going, then everyone's /notgoing
        _queue(api, f"/going {MEETUP}", user)
    for user in PEOPLE:
        _queue(api, f"/notgoing {MEETUP}", user)
    for text in CONVERSATION:
        _queue(api, text, PROPOSER)
    assert api.pending_updates == 26  # one getUpdates answers them all (its limit is 100)

    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
    settings = Settings(events_file=events, database_url=f"sqlite:///{db}", scheduler_enabled=False, env=env)
    app = App(settings, CalendarSource.from_file(events), FixedClock(NOW))
    running = asyncio.create_task(app.run())
    try:
        await api._wait_for(lambda: _answered(api) >= len(PEOPLE) * 2 + len(CONVERSATION), 60)
    finally:
        app.stopping.set()
        assert await asyncio.wait_for(running, 60) == 0
    replies: dict[int, list[str]] = {}
    for sent in api.sent:  # a promotion notice is not an answer: the seat's next holder gets it any time
        if "A seat freed up" not in (sent.text or ""):
            replies.setdefault(int(sent.chat_id), []).append(sent.text or "")
    for user in PEOPLE:
        going, not_going = replies[user]
        assert ("going" in going.lower() or "waitlist" in going.lower()) and "can't" not in going.lower(), going
        assert "can't" in not_going.lower() or "not going" in not_going.lower(), not_going
    store = Store(f"sqlite:///{db}")
    try:
        states = {a.person.user_id: a.state for a in store.rsvp.attendees(MEETUP)}
        [proposal] = store.proposals.find()
    finally:
        store.close()
    assert states == {str(user): RsvpState.NOT_GOING for user in PEOPLE}
    asked_texts = replies[PROPOSER]
    assert len(asked_texts) == len(CONVERSATION), asked_texts
    assert "1/4" in asked_texts[0] and "2/4" in asked_texts[1] and "3/4" in asked_texts[2], asked_texts
    assert "Thank you" in asked_texts[-1], asked_texts
    assert (proposal.kind, proposal.title, proposal.abstract, proposal.speaker, proposal.language) == (
        Kind.TALK,
        "Packets at line rate",
        "How XDP drops packets early.",
        "Ada Lovelace",
        "English",
    )


def _answered(api: FakeBotApi) -> int:
    return sum("A seat freed up" not in (s.text or "") for s in api.sent)


def _queue(api: FakeBotApi, text: str, user: int) -> None:
    api.user_message(text, chat_id=user, user_id=user, first_name=f"P{user}", username=f"p{user}")


# ---- a slow person holds up nobody else -------------------------------------------------------


@pytest.fixture
async def held(make_adapter: Factory, core: Any) -> AsyncIterator[asyncio.Event]:
    """A /hold command that answers only once the event is set (at the latest when the test ends,
    before the adapter stops: its stop waits for the updates being handled)."""
    release = asyncio.Event()

    async def hold(req: Request) -> Reply:
        await release.wait()
        return text_reply("released")

    core.registry.add(Command("hold", "Wait for the test", hold, hidden=True))
    yield release
    release.set()


async def test_a_person_waiting_holds_up_neither_others_nor_the_slots(
    api: FakeBotApi, make_adapter: Factory, held: asyncio.Event
) -> None:
    await make_adapter(concurrent_updates=2)
    slow, quick = 4242, 5151
    api.user_message("/hold", chat_id=GROUP, user_id=slow)
    for _ in range(3):  # queued behind the hold: with a slot each, they would fill both
        api.user_message("/help", chat_id=GROUP, user_id=slow)
    api.user_message("/next", chat_id=GROUP, user_id=quick)
    api.user_message("/help", chat_id=quick, user_id=quick)
    await api.wait_sent(2, within=30)  # the other person, in the group and privately
    assert {s.chat_id for s in api.sent} == {GROUP, quick}
    assert all(s.text != "released" for s in api.sent)
    held.set()
    sent = await api.wait_sent(6, within=30)
    mine = [s.text or "" for s in sent[2:]]
    assert mine[0] == "released" and len(mine) == 4  # the slow person's answers, in their order


async def test_a_persons_presses_wait_for_their_messages_in_the_chat() -> None:
    message = {"message_id": 1, "date": 0, "chat": {"id": GROUP, "type": "supergroup"}}
    press: dict[str, Any] = {
        "update_id": 2,
        "callback_query": {
            "id": "q",
            "chat_instance": "c",
            "from": {"id": 4242, "is_bot": False, "first_name": "Ada"},
            "message": message,
            "data": "/going",
        },
    }
    text = {"update_id": 1, "message": {**message, "from": {"id": 4242, "is_bot": False, "first_name": "Ada"}}}
    other = {"update_id": 3, "message": {**message, "from": {"id": 5151, "is_bot": False, "first_name": "Bo"}}}
    joined: dict[str, Any] = {
        "update_id": 4,
        "my_chat_member": {
            "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Ada"},
            "date": 0,
            "old_chat_member": {"status": "left", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
            "new_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
        },
    }
    key = {
        name: update_key(Update.de_json(data, None))
        for name, data in [("text", text), ("press", press), ("other", other), ("joined", joined)]
    }
    assert key["text"] == key["press"] == (GROUP, 4242)
    assert key["other"] == (GROUP, 5151)
    assert key["joined"] == (GROUP, None)
    private = {**text, "message": {**text["message"], "chat": {"id": 4242, "type": "private"}}}
    assert update_key(Update.de_json(private, None)) == (4242, None)
    assert update_key(object()) is None


# ---- the keyed queue underneath (adapters/ordering.py) ---------------------------------------


async def test_each_key_in_order_at_most_limit_at_once_and_no_key_kept() -> None:
    order, seen, running, most = KeyedSerial(3), [], [0], [0]
    gates = [asyncio.Event() for _ in range(5)]

    async def work(key: int, n: int) -> None:
        running[0] += 1
        most[0] = max(most[0], running[0])
        await gates[key].wait()
        for _ in range((key * 7 + n) % 4):  # uneven steps, so keys overtake each other
            await asyncio.sleep(0)
        seen.append((key, n))
        running[0] -= 1

    tasks = [asyncio.create_task(order.run(key, work(key, n))) for n in range(20) for key in range(5)]
    for gate in reversed(gates):
        gate.set()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert most[0] == 3
    for key in range(5):
        assert [n for k, n in seen if k == key] == list(range(20))
    assert order.lanes == {} and order.running == 0


async def test_a_cancelled_wait_passes_the_turn_on() -> None:
    order, done = KeyedSerial(2), []
    first = asyncio.Event()

    async def work(n: int) -> None:
        if n == 1:
            await first.wait()
        done.append(n)

    tasks = [asyncio.create_task(order.run("k", work(n))) for n in (1, 2, 3)]
    await asyncio.sleep(0)
    tasks[1].cancel()  # waiting behind 1: its work never starts, and 3 still gets its turn
    first.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert done == [1, 3] and order.lanes == {}
