"""StampCache under the feed server's threads: a request that reads the cache while another is
storing what it computed never gets one calendar's file paired with another's stamp.

The interleaving is forced, not hoped for: the storing thread is paused, by a trace function on
that thread alone, once its computation has returned and then before every statement of
StampCache.stamp that follows, and at each pause a reader runs against the calendar as it is
now. The code under test is the real one; only the scheduling is taken over.
"""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from adapters.web.stamp import StampCache, content_stamp

OLD = b"events: []\n"
NEW = b"events: []\n# edited: another size, so another cache key whatever the clock's resolution\n"

Tracer = Any  # sys.settrace's callback type is not public


def paused_at_every_step(pauses: queue.Queue[threading.Event | None]) -> Tracer:
    """A trace function that stops its thread when content_stamp returns and then before every
    line of StampCache.stamp, until the test sets the Event it put on `pauses`."""
    computed = False

    def pause() -> None:
        gate = threading.Event()
        pauses.put(gate)
        gate.wait()

    def in_content_stamp(frame: FrameType, event: str, arg: object) -> Tracer:
        nonlocal computed
        if event == "return":
            computed = True
            pause()  # computed from the old file, not yet stored
        return in_content_stamp

    def in_stamp(frame: FrameType, event: str, arg: object) -> Tracer:
        if computed and event in ("line", "return"):
            pause()
        return in_stamp

    def on_call(frame: FrameType, event: str, arg: object) -> Tracer:
        if frame.f_code is content_stamp.__code__:
            return in_content_stamp
        if frame.f_code is StampCache.stamp.__code__:
            return in_stamp
        return None

    return on_call


def test_a_reader_never_pairs_the_edited_calendar_with_the_old_calendars_stamp(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"  # outside git: the stamp is a hash of the bytes
    path.write_bytes(OLD)
    cache = StampCache()
    pauses: queue.Queue[threading.Event | None] = queue.Queue()
    tracer = paused_at_every_step(pauses)

    def slow_request() -> None:
        sys.settrace(tracer)
        try:
            cache.stamp(path)
        finally:
            sys.settrace(None)
            pauses.put(None)

    thread = threading.Thread(target=slow_request, daemon=True)
    thread.start()
    readings: list[tuple[int, object, object]] = []
    step = 0
    while (gate := pauses.get()) is not None:
        try:
            if step == 0:  # the slow request has its stamp of OLD in hand; the calendar is edited
                path.write_bytes(NEW)
            readings.append((step, cache.stamp(path), content_stamp(path)))
        finally:
            gate.set()  # never leave the slow request blocked, even when a reading fails
        step += 1
    thread.join()

    assert len(readings) >= 3, "the slow request was not paused between computing and storing"
    stale = [(step, got) for step, got, truth in readings if got != truth]
    assert not stale, f"a reader got the old calendar's stamp for the edited file at steps {stale}"
    assert cache.stamp(path) == content_stamp(path) == content_stamp(path, NEW)
