"""`import-posts --update` keeps every field a post cannot know: seats, filming, hand-written
notes, reminders and the guest list (issue 19, item 6)."""

from __future__ import annotations

from datetime import timedelta

from bot.archive.importer import import_posts
from bot.calendar.loader import parse_calendar
from bot.calendar.model import GuestList
from tests.archive.conftest import seed_posts
from tests.conftest import SHIPPED_EVENTS

MEETUP = "2016-07-12-breaking-the-wall"
HAND_WRITTEN = """\
    capacity: 40
    filmed: false
    guest_list: full_names
    notes:
      - Bring an ID for the front desk.
    reminders:
      - before: 2h
"""


def test_update_keeps_capacity_filmed_notes_reminders_and_guest_list() -> None:
    text = SHIPPED_EVENTS.read_text()
    at = text.index("    url:", text.index(f"  - id: {MEETUP}\n"))
    text = text[:at] + HAND_WRITTEN + text[at:]
    before = next(e for e in parse_calendar(text).events if e.id == MEETUP)
    assert before.capacity == 40 and before.filmed is False and before.reminders  # the file says them

    result = import_posts(seed_posts(), text, update=True)

    assert MEETUP in result.merge.updated
    event = next(e for e in parse_calendar(result.text).events if e.id == MEETUP)
    assert event.capacity == 40
    assert event.filmed is False
    assert event.guest_list is GuestList.FULL_NAMES
    assert "Bring an ID for the front desk." in event.notes
    assert [r.before for r in event.reminders] == [timedelta(hours=2)]
    assert import_posts(seed_posts(), result.text, update=True).text == result.text  # and it stays so


def test_update_keeps_the_posts_own_notes_once() -> None:
    """A note the post also says is not doubled by keeping the file's notes."""
    text = SHIPPED_EVENTS.read_text()
    result = import_posts(seed_posts(), text, update=True)
    for event in parse_calendar(result.text).events:
        assert len(event.notes) == len(set(event.notes)), event.id
