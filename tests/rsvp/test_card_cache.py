"""The kept card with its count (bot/rsvp/views.py `with_rsvp`) and its kept rendering
(adapters/telegram/adapter.py `_render`): a fresh count always shows, the same count gives back
the same answer, rendered once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.telegram.adapter import _render
from bot.calendar.source import CalendarSource
from bot.chat import views as chat_views
from bot.rsvp import views
from bot.rsvp.model import Counts

EVENTS = Path(__file__).resolve().parents[1] / "telegram" / "events.yaml"
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)  # before the test calendar's meetup: its card has a count


def test_a_new_count_shows_at_once_and_the_same_count_is_kept() -> None:
    calendar = CalendarSource.from_file(EVENTS).current
    event = calendar.next(NOW)
    assert event is not None
    card = chat_views.event_card(event, calendar.community, NOW)
    one = views.with_rsvp(card, event, Counts(going=1), open_=True)
    again = views.with_rsvp(card, event, Counts(going=1), open_=True)
    two = views.with_rsvp(card, event, Counts(going=2), open_=True)
    assert again is one  # kept: built and rendered once
    assert _render(again) is _render(one)
    [first], [second] = _render(one), _render(two)
    assert "1 going" in first.html and "1 going" not in second.html
    assert "2 going" in second.html
    closed = views.with_rsvp(card, event, Counts(going=2), open_=False)
    assert closed is not two and "said they were coming" in _render(closed)[0].html
