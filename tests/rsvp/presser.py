"""A separate process pressing "Going" on one meetup: `python -m tests.rsvp.presser PREFIX FIRST COUNT`
with the database URL in $RSVP_DATABASE_URL (not on the command line, where `ps` shows it).

Used by tests/rsvp/test_concurrency.py to run two bot-like processes against one PostgreSQL: each
opens its own Store (engine, connection pool) and answers for COUNT people from 8 threads.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.rsvp.model import Person
from bot.store.store import Store

CAPACITY = 10


def main(url: str, prefix: str, first: int, count: int) -> int:
    store = Store(url, prefix=prefix)
    now = datetime.now(UTC)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda n: store.rsvp.answer("m", Person("telegram", str(n)), True, CAPACITY, now),
                          range(first, first + count)))  # fmt: skip
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ["RSVP_DATABASE_URL"], sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
