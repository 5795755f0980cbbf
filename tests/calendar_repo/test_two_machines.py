"""Two bot processes on two machines share only PostgreSQL and the remote: the advisory lock
makes their edits take turns (no push is ever refused), and every edit lands."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from bot.edits.contract import Author
from bot.edits.db_lock import calendar_lock
from bot.edits.git_repo import CalendarRepo
from bot.edits.writer import CalendarWriter
from bot.store.store import Store
from tests.announcements.conftest import PG_URL, pg_url, unique_prefix
from tests.calendar_repo.conftest import Remote
from tests.edits.helpers import AppendMeetup

ROUNDS = 10


@pytest.mark.postgres
def test_two_machines_take_turns_through_the_advisory_lock(
    tmp_path: Path, remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    prefix = unique_prefix()
    stores = [Store(pg_url(), prefix=prefix) for _ in range(2)]  # one engine per machine
    barrier = threading.Barrier(2, timeout=120)
    failures: list[BaseException] = []

    def machine(n: int) -> None:
        repo = CalendarRepo(str(remote.bare), "main", "events.yaml", tmp_path / f"machine{n}")
        lock = calendar_lock(stores[n])
        assert lock is not None
        writer = CalendarWriter(repo.path, repo=repo, db_lock=lock, backoff=0.01)
        try:
            for round_ in range(ROUNDS):
                barrier.wait()
                writer.edit_now(AppendMeetup(f"2034-m{n}-{round_:02d}", day=round_ + 30 * n), Author("bot", f"m{n}"))
        except BaseException as error:
            failures.append(error)
            barrier.abort()

    caplog.set_level(logging.INFO, logger="bot.edits.writer")
    threads = [threading.Thread(target=machine, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert failures == []
    text = remote.show()
    assert [f"2034-m{n}-{r:02d}" for n in range(2) for r in range(ROUNDS) if f"2034-m{n}-{r:02d}" not in text] == []
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert refused == []  # each edit fetched after the other's push: the lock ordered them
