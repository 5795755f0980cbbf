"""A start settles only the accepts whose process is gone: one still running in a live process
(here or on another host, within the lease) is left to it. (The kill -9 drill itself is
tests/proposals/test_crash.py.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

from bot.edits.contract import Author
from bot.proposals.calendar_edit import edit_for
from bot.proposals.commands import ACCEPT_LEASE
from bot.proposals.model import Status
from tests.proposals.conftest import MEETUP, NOW, ORG_CHAT, Chat

HOST = socket.gethostname()[:40]


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def accepting(chat: Chat, owner: str) -> int:
    await chat.propose("XDP for beginners")
    proposals = chat.core.announcements.store.proposals
    number = proposals.find()[-1].number
    assert proposals.begin_accept(number, by="telegram:43", name="Dana", at=NOW, event_id=MEETUP, owner=owner)
    return number


def status(chat: Chat, number: int) -> Status:
    found = chat.core.announcements.store.proposals.get(number)
    assert found is not None
    return found.status


async def test_a_live_process_elsewhere_keeps_its_accept_until_the_lease_ends(chat: Chat) -> None:
    number = await accepting(chat, "another-host:4242:abcdef12")
    assert await chat.core.proposals.reconcile(NOW + timedelta(minutes=1)) == {}
    assert status(chat, number) is Status.ACCEPTING
    settled = await chat.core.proposals.reconcile(NOW + ACCEPT_LEASE + timedelta(seconds=1))
    assert settled == {number: Status.NEW} and status(chat, number) is Status.NEW


async def test_a_live_process_on_this_host_keeps_its_accept(chat: Chat) -> None:
    number = await accepting(chat, f"{HOST}:{os.getppid()}:abcdef12")
    assert await chat.core.proposals.reconcile(NOW) == {}
    assert status(chat, number) is Status.ACCEPTING


async def test_a_dead_process_on_this_host_is_settled_at_once(chat: Chat) -> None:
    number = await accepting(chat, f"{HOST}:{dead_pid()}:abcdef12")
    settled = await chat.core.proposals.reconcile(NOW)
    assert settled == {number: Status.NEW} and status(chat, number) is Status.NEW
    await chat.core.proposals.tell_reconciled(settled)
    [notice] = chat.sender.to(ORG_CHAT.partition(":")[2])[-1:]
    assert "cut off by a restart" in notice and "waiting for review again" in notice


async def test_an_earlier_process_with_our_pid_is_gone(chat: Chat) -> None:
    """In a container the restarted bot often gets the same pid: a different run all the same."""
    number = await accepting(chat, f"{HOST}:{os.getpid()}:00000000")
    assert await chat.core.proposals.reconcile(NOW) == {number: Status.NEW}


async def test_an_accept_the_calendar_has_is_accepted_and_told_once(chat: Chat) -> None:
    number = await accepting(chat, f"{HOST}:{dead_pid()}:abcdef12")
    path = chat.core.bot.source.path
    assert path is not None
    # The edit reached the file before the process died (the writer, as the accept would).
    proposal = chat.core.announcements.store.proposals.get(number)
    assert proposal is not None and chat.core.proposals.writer is not None
    await chat.core.proposals.writer.edit(edit_for(proposal, MEETUP), Author("Dana", "telegram:43"))
    settled = await chat.core.proposals.reconcile(NOW)
    assert settled == {number: Status.ACCEPTED}
    await chat.core.proposals.tell_reconciled(settled)
    await chat.core.proposals.tell_reconciled(settled)  # told once, however often asked
    assert sum("Good news" in t for t in chat.sender.to("4242")) == 1
    assert any("the calendar has it" in t for t in chat.sender.to(ORG_CHAT.partition(":")[2]))
