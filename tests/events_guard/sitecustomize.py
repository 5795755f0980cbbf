"""Loaded by every Python process the tests start (tests/conftest.py puts this folder first on
PYTHONPATH), and installed in pytest's own: records each open of the working tree's events.yaml.

That file is the community's real calendar: tests read a frozen copy (tests/data/events.yaml,
copied again per session), and a test that opens the real one fails (tests/conftest.py). Issue 20:
a user's `/accept` in the checkout once failed 24 tests that read it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

WATCH, LOG = "MEETUP_BOT_TEST_WATCH", "MEETUP_BOT_TEST_WATCH_LOG"


def install(watched: str, log: str) -> None:
    """An audit hook (it cannot be removed, and sees opens by any library) that appends one line
    to `log` per open of `watched`."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or not args or not isinstance(args[0], (str, bytes)):
            return
        name = os.fsdecode(args[0])
        if name.endswith("events.yaml") and os.path.abspath(name) == watched:
            with open(log, "a", encoding="utf-8") as out:  # the log's name is not watched: no recursion
                out.write(f"pid {os.getpid()} opened it (mode {args[1]!r}): {' '.join(sys.argv)[:300]}\n")

    sys.addaudithook(hook)


if os.environ.get(WATCH) and os.environ.get(LOG):
    install(os.environ[WATCH], os.environ[LOG])
