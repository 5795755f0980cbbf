"""Races, run for real: many `yes` at once, accept against decline, withdraw against accept, two
processes accepting two talks; on SQLite and PostgreSQL, in one core (concurrent tasks) and in
two cores with their own stores and writers on one database and one events.yaml (what two bot
processes share). Every round checks that the store, the file and every message agree.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from bot.calendar.loader import load_calendar_data
from bot.chat.messages import UserRef
from bot.proposals.model import PER_DAY, Kind, Proposal, Status
from bot.store.proposals import Outcome
from bot.store.store import Store
from tests.proposals.conftest import MEETUP, NOW, ORG_CHAT, ORGANISER, PROPOSER, SECOND_ORGANISER, Chat, seed_talk

ROUNDS = 20
GOOD_NEWS, BAD_NEWS = "Good news", "decided not to take it"


def talks_in_file(path: Path) -> list[str]:
    event = next(e for e in load_calendar_data(path, cache=False).events if e.id == MEETUP)
    return [t.title for t in event.talks]


def cards(chat: Chat) -> list[str]:
    return [text for text in chat.sender.to(ORG_CHAT.partition(":")[2]) if "Talk proposal T" in text]


async def to_summary(chat: Chat, user: UserRef = PROPOSER) -> None:
    for line in ("/propose", "XDP for beginners", "What XDP is.", "Ada Lovelace", "english"):
        await chat.say(line, user)


# ---- one submission per conversation --------------------------------------------------------


async def test_ten_quick_yes_store_one_proposal_and_send_one_card(chat: Chat) -> None:
    await to_summary(chat)
    answers = await asyncio.gather(*(chat.say("yes") for _ in range(10)))
    assert sum("Your talk proposal is T1" in a for a in answers) == 1, answers
    # The others came after it (the conversation is over) or during it (it is being stored).
    assert all("T1" in a or "sent already" in a or "I answer commands" in a for a in answers), answers
    assert len(chat.core.announcements.store.proposals.find()) == 1
    assert len(cards(chat)) == 1


async def test_ten_quick_yes_across_two_processes_store_one(pair: tuple[Chat, Chat]) -> None:
    first, second = pair
    await to_summary(first)
    answers = await asyncio.gather(*(c.say("yes") for c in (first, second) * 5))
    assert sum("Your talk proposal is T1" in a for a in answers) == 1, answers
    assert len(first.core.announcements.store.proposals.find()) == 1
    assert len(cards(first)) + len(cards(second)) == 1


def _talk(user_key: str, title: str) -> Proposal:
    return Proposal(0, Kind.TALK, Status.NEW, title, user_key, NOW, abstract="a", speaker="A", language="English")


def _threads(stores: list[Store], work: int, submit: object) -> list[object]:
    """`work` threads released at once by a barrier, alternating between the stores."""
    barrier = threading.Barrier(work)
    results: list[object] = [None] * work

    def run(i: int) -> None:
        barrier.wait()
        results[i] = submit(stores[i % len(stores)], i)  # type: ignore[operator]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(work)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


async def test_ten_threads_finishing_one_conversation_store_one(pair: tuple[Chat, Chat]) -> None:
    await to_summary(pair[0])
    stores = [c.core.announcements.store for c in pair]
    convo = stores[0].proposals.conversation(PROPOSER.key)
    assert convo is not None and convo.confirming

    def submit(store: Store, i: int) -> Outcome:
        done = store.proposals.submit(
            _talk(PROPOSER.key, f"try {i}"),
            since=NOW - timedelta(days=1),
            limit=PER_DAY,
            conversation_started=convo.started_at,
        )
        return done.outcome

    outcomes = _threads(stores, 10, submit)
    assert outcomes.count(Outcome.STORED) == 1 and outcomes.count(Outcome.ALREADY_SENT) == 9, outcomes
    assert len(stores[0].proposals.find()) == 1


async def test_the_daily_limit_holds_against_ten_threads_on_two_stores(pair: tuple[Chat, Chat]) -> None:
    """Four sent already: of ten forms submitted at once through two stores, exactly one more is
    stored (on PostgreSQL the per-person lock is what stops two transactions both counting four)."""
    stores = [c.core.announcements.store for c in pair]
    for n in range(PER_DAY - 1):
        stores[0].proposals.add(_talk(PROPOSER.key, f"earlier {n}"))

    def submit(store: Store, i: int) -> Outcome:
        done = store.proposals.submit(
            _talk(PROPOSER.key, f"form {i}"), since=NOW - timedelta(days=1), limit=PER_DAY, conversation_started=None
        )
        return done.outcome

    outcomes = _threads(stores, 10, submit)
    assert outcomes.count(Outcome.STORED) == 1 and outcomes.count(Outcome.OVER_LIMIT) == 9, outcomes
    assert len(stores[0].proposals.find()) == PER_DAY


async def test_organisers_are_not_held_to_the_daily_limit(chat: Chat) -> None:
    for n in range(PER_DAY + 1):
        assert f"is T{n + 1}" in await chat.propose(f"Talk {n}", ORGANISER)
    assert "1/4" in await chat.say("/propose", ORGANISER)
    assert len(chat.core.announcements.store.proposals.find(from_key=ORGANISER.key)) == PER_DAY + 1


# ---- decisions ------------------------------------------------------------------------------


def _rounds(pair: tuple[Chat, Chat]) -> Iterator[tuple[int, Path]]:
    """ROUNDS rounds, each on the calendar file as it was before the first (both processes
    reload it): the round's number, and the file."""
    path = pair[0].core.bot.source.path
    assert path is not None
    original = path.read_text(encoding="utf-8")
    for n in range(ROUNDS):
        path.write_text(original, encoding="utf-8")
        for c in pair:
            c.core.bot.source.reload()
        yield n, path


def _round_user(n: int) -> UserRef:
    return UserRef("telegram", str(5000 + n), f"Speaker {n}")


def _settled(pair: tuple[Chat, Chat], talk: Proposal, user: UserRef, path: Path) -> tuple[Status, bool, list[str]]:
    """After a race on `talk`: its status in the store, whether the file has it, and what its
    proposer was told (good or bad news) by either process."""
    stored = pair[0].core.announcements.store.proposals.get(talk.number)
    assert stored is not None
    told = [t for c in pair for t in c.sender.to(user.user_id) if GOOD_NEWS in t or BAD_NEWS in t]
    return stored.status, talk.title in talks_in_file(path), told


async def test_accept_racing_decline_agree_in_store_file_and_messages(pair: tuple[Chat, Chat]) -> None:
    """Two organisers, in two processes, press Accept and Decline on one submission at once, 20
    times: exactly one wins; the file has the talk exactly when the store says accepted; the
    proposer is told that one outcome once; the loser is told the truth."""
    first, second = pair
    outcomes = set()
    for n, path in _rounds(pair):
        user = _round_user(n)
        talk = seed_talk(first.core, f"Round {n} talk", user)
        accepted, declined = await asyncio.gather(
            first.say(f"/accept {talk.id} {MEETUP}", ORGANISER), second.say(f"/decline {talk.id}", SECOND_ORGANISER)
        )
        status, in_file, told = _settled(pair, talk, user, path)
        outcomes.add(status)
        if status is Status.ACCEPTED:
            assert in_file and "Accepted" in accepted, (n, accepted)
            assert f"{talk.id} is already accepted by Olga Organiser" in declined or "being accepted" in declined
            assert len(told) == 1 and GOOD_NEWS in told[0], told
        else:
            assert status is Status.DECLINED, status
            assert not in_file and "Declined" in declined, (n, declined)
            assert f"{talk.id} is already declined by Dana" in accepted, accepted
            assert len(told) == 1 and BAD_NEWS in told[0], told
    print(f"outcomes over {ROUNDS} rounds: {sorted(outcomes)}")


async def test_withdraw_racing_accept_agree(pair: tuple[Chat, Chat]) -> None:
    """The proposer's /withdraw lands as an organiser's /accept runs, 20 times: a withdrawn talk is
    not in the file and nobody hears it was accepted; an accepted one is in the file, the
    withdrawal is refused with that truth, and nobody hears "declined"."""
    first, second = pair
    for n, path in _rounds(pair):
        user = _round_user(n)
        talk = seed_talk(first.core, f"Round {n} talk", user)
        withdrawn, accepted = await asyncio.gather(
            first.say(f"/withdraw {talk.id}", user), second.say(f"/accept {talk.id} {MEETUP}", ORGANISER)
        )
        status, in_file, told = _settled(pair, talk, user, path)
        assert not any(BAD_NEWS in t for t in told)
        if status is Status.WITHDRAWN:
            assert "Withdrawn" in withdrawn and not in_file and told == []
            assert f"{talk.id} was already withdrawn by its proposer" in accepted, accepted
        else:
            assert status is Status.ACCEPTED and in_file, (n, status)
            assert "Accepted" in accepted and "Withdrawn" not in withdrawn
            assert "being accepted right now" in withdrawn or "already accepted" in withdrawn, withdrawn
            assert len(told) == 1 and GOOD_NEWS in told[0]


async def test_two_processes_accepting_two_talks_keep_both(pair: tuple[Chat, Chat]) -> None:
    """Two processes on one database and one events.yaml accept two different talks at the same
    instant, 20 times: both talks are in the file every time (the writer's lock and
    compare-and-swap), and both are accepted in the store."""
    first, second = pair
    for n, path in _rounds(pair):
        one = seed_talk(first.core, f"Round {n} first", _round_user(2 * n))
        two = seed_talk(first.core, f"Round {n} second", _round_user(2 * n + 1))
        answers = await asyncio.gather(
            first.say(f"/accept {one.id} {MEETUP}", ORGANISER),
            second.say(f"/accept {two.id} {MEETUP}", SECOND_ORGANISER),
        )
        assert all("Accepted" in a for a in answers), answers
        assert {one.title, two.title} <= set(talks_in_file(path)), (n, talks_in_file(path))
        statuses = {first.core.announcements.store.proposals.get(p.number).status for p in (one, two)}  # type: ignore[union-attr]
        assert statuses == {Status.ACCEPTED}


# ---- what a late accept, decline or withdrawal is told ----------------------------------------


async def test_a_settled_submission_says_so(chat: Chat) -> None:
    await chat.propose("XDP for beginners")
    assert "Accepted" in await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    # Not "Which meetup?": the submission is settled.
    assert "T1 is already accepted by Olga Organiser into 2027-01-19-fast-packets" in await chat.say(
        "/accept T1", ORGANISER
    )
    assert "T1 is already accepted by Olga Organiser" in await chat.say("/decline T1", ORGANISER)
    # Not "You have no open submission": it was accepted.
    assert "T1 was already accepted" in await chat.say("/withdraw T1")
    await chat.propose("Second thoughts")
    assert "Withdrawn" in await chat.say("/withdraw T2")
    assert "T2 was already withdrawn by its proposer" in await chat.say("/accept T2", ORGANISER)
    assert "You already withdrew T2" in await chat.say("/withdraw T2")
    assert "no open submission" in await chat.say("/withdraw T2", UserRef("telegram", "9", "Other"))


async def test_an_accept_in_progress_elsewhere_is_named(chat: Chat) -> None:
    """Another process won the accept and is editing the calendar: everyone else hears so."""
    await chat.propose("XDP for beginners")
    proposals = chat.core.announcements.store.proposals
    assert proposals.begin_accept(1, by="telegram:43", name="Dana", at=NOW, event_id=MEETUP, owner="elsewhere:1:x")
    assert "T1 is being accepted by Dana right now" in await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    assert "T1 is being accepted by Dana right now" in await chat.say("/decline T1", ORGANISER)
    assert "being accepted right now" in await chat.say("/withdraw T1")
    assert "being accepted by Dana" in await chat.say("/proposals", ORGANISER)
    assert proposals.get(1).status is Status.ACCEPTING  # type: ignore[union-attr]


async def test_a_failed_edit_puts_the_submission_back(chat: Chat) -> None:
    """An accept whose edit does not apply is undone in the store (accepting -> new): it can be
    accepted elsewhere, declined or withdrawn, and the proposer heard nothing."""
    for line in ("/host", "Acme", "1 Rothschild Blvd", "80", "-", "yes", "/host", "Beta", "2 Herzl St", "50", "-"):
        await chat.say(line)
    await chat.say("yes")
    assert "Accepted" in await chat.say(f"/accept V1 {MEETUP}", ORGANISER)
    answer = await chat.say(f"/accept V2 {MEETUP}", ORGANISER)
    assert "did not accept V2" in answer
    assert chat.core.announcements.store.proposals.get(2).status is Status.NEW  # type: ignore[union-attr]
    assert "Withdrawn" in await chat.say("/withdraw V2")
    assert sum(GOOD_NEWS in t for t in chat.sender.to(PROPOSER.user_id)) == 1  # V1's only


def test_the_command_line_knows_every_status() -> None:
    from adapters.proposals_cli import STATUSES

    assert set(STATUSES) == {s.value for s in Status}
