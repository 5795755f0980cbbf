"""Pausing the cyclic garbage collector while a calendar's objects are made or copied.

A large calendar is hundreds of thousands of small objects and no reference cycles: the
generational collector would scan them again and again while they are created (or pickled) and
find nothing, which used to cost more than the parsing itself.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
