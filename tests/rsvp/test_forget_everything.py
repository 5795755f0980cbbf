"""/forget removes every row of the store that names the person: their private chat's
subscription (or announcements keep coming), the delivery ledger rows keyed by them or that chat
(which also show they had answered), their answers and contacts; rows that are a group's too
stay, without their name. The reply counts what went. Through the assembled core."""

from __future__ import annotations

from dataclasses import replace

from bot.calendar.calendar import Calendar
from bot.calendar.model import EventStatus
from bot.chat.messages import ChatRef, UserRef
from bot.store.personal import FORGOTTEN_AUTHOR, Forgotten, forget_person
from bot.store.store import Broadcast, Store
from tests.rsvp.conftest import GROUP, NOW, Chat, calendar, person

ME, OTHER = person(1), person(2)
MY_CHAT = ChatRef("telegram", ME.user_id, is_private=True)  # Telegram: the private chat's id is the user's
OTHER_CHAT = ChatRef("telegram", OTHER.user_id, is_private=True)


def store_of(chat: Chat) -> Store:
    return chat.core.announcements.store


def rows_naming(store: Store, *keys: str) -> dict[str, list[str]]:
    """Every subscription, ledger row and broadcast that holds one of these keys."""
    found: dict[str, list[str]] = {"subscriptions": [], "ledger": [], "broadcasts": []}
    for sub in store.subscriptions():
        found["subscriptions"] += [sub.chat.key] if sub.chat.key in keys else []
    found["ledger"] = [f"{r.announcement}@{r.chat_key}" for r in store.ledger_rows() if r.chat_key in keys]
    found["broadcasts"] = [b.key for b in store.broadcasts_since(NOW.replace(year=2000)) if b.author in keys]
    return found


def cancelled(body: Calendar) -> Calendar:
    return Calendar(replace(body.data, events=tuple(
        replace(e, status=EventStatus.CANCELLED) if e.id == "tiny" else e for e in body.data.events
    )))  # fmt: skip


async def test_forget_deletes_every_row_that_names_the_person(chat: Chat) -> None:
    store = store_of(chat)
    for who, private in ((ME, MY_CHAT), (OTHER, OTHER_CHAT)):
        assert "will get TKM meetup reminders" in await chat.say("/subscribe", who, private)
        await chat.say("/going tiny", who)
        store.claim("reminder:tiny:day", private.key, "test")  # an announcement to their private chat
        store.mark_sent("reminder:tiny:day", private.key, "test")
    store.subscribe(GROUP, by=ME.key)  # a group ME subscribed: the group's choice, ME's name on it
    store.add_broadcast(Broadcast("broadcast:1", "announce", "Pizza!", ME.key, NOW))
    # The meetup is cancelled: each of them is told once, recorded in the ledger under their key.
    await chat.rsvp.tell_cancelled(cancelled(calendar()), NOW)
    before = rows_naming(store, ME.key)
    assert (
        before["subscriptions"] == [ME.key] and len(before["ledger"]) == 2 and before["broadcasts"] == ["broadcast:1"]
    )

    said = await chat.say("/forget", ME, MY_CHAT)

    assert "1 subscription of our private chat to announcements" in said
    assert "2 records of messages sent to you" in said
    assert "your name on 2 records of group subscriptions and broadcasts" in said
    assert "your answers to 1 meetup" in said
    assert rows_naming(store, ME.key) == {"subscriptions": [], "ledger": [], "broadcasts": []}
    group = next(s for s in store.subscriptions() if s.chat.key == GROUP.key)
    assert group.subscribed is True  # the group keeps getting announcements
    assert [b.author for b in store.broadcasts_since(NOW)] == [FORGOTTEN_AUTHOR]
    # Nobody else lost anything.
    assert rows_naming(store, OTHER.key)["subscriptions"] == [OTHER.key]
    assert len(rows_naming(store, OTHER.key)["ledger"]) == 2
    assert "Nothing to forget" in await chat.say("/forget", ME, MY_CHAT)


async def test_a_slack_dm_subscription_goes_when_forget_is_sent_there(chat: Chat) -> None:
    store = store_of(chat)
    user = UserRef("slack", "U0ME", "Me")
    dm = ChatRef("slack", "D0ME", is_private=True)  # a Slack DM's id is not the user's
    store.subscribe(dm, by=user.key)
    store.claim("reminder:tiny:day", dm.key, "test")
    said = await chat.say("/forget", user, dm)
    assert "1 subscription of our private chat" in said and "1 record of messages sent to you" in said
    assert rows_naming(store, dm.key, user.key) == {"subscriptions": [], "ledger": [], "broadcasts": []}


async def test_forget_in_a_group_finds_the_private_chat_the_bot_remembers(chat: Chat) -> None:
    store = store_of(chat)
    user = UserRef("slack", "U0ME", "Me")
    dm = ChatRef("slack", "D0ME", is_private=True)
    store.contacts.remember(user.key, dm)
    store.subscribe(dm, by=user.key)
    said = await chat.say("/forget", user, ChatRef("slack", "C0GROUP"))
    assert "1 subscription of our private chat" in said and "the record of our private chat" in said
    assert rows_naming(store, dm.key)["subscriptions"] == []


def test_the_store_forgets_in_one_transaction_on_each_backend(stores: tuple[Store, Store]) -> None:
    """The same queries on SQLite and PostgreSQL (TEST_DATABASE_URL): one process forgets, the
    other sees nothing of the person left."""
    store, other = stores
    store.subscribe(MY_CHAT, by=ME.key)
    store.subscribe(GROUP, by=ME.key)
    for chat_key in (ME.key, GROUP.key, OTHER.key):
        store.claim("reminder:tiny:day", chat_key, "test")
    store.add_broadcast(Broadcast("broadcast:1", "announce", "Pizza!", ME.key, NOW))
    assert forget_person(store, ME.key, {MY_CHAT.key}) == Forgotten(subscriptions=1, deliveries=1, unnamed=2)
    assert [s.chat.key for s in other.subscriptions()] == [GROUP.key]
    assert sorted(r.chat_key for r in other.ledger_rows()) == sorted([GROUP.key, OTHER.key])
    assert forget_person(other, ME.key, {MY_CHAT.key}) == Forgotten(0, 0, 0)
