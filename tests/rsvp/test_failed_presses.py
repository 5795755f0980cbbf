"""A button press that fails is answered to the presser alone: on Telegram the callback query's
answer (an alert when the text is long), never a message to the group. Through `meetup-bot run`'s
App and the real adapter against the fake Bot API."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_api import SentMessage
from tests.rsvp.test_telegram import GOING, GROUP, Running, bot  # noqa: F401 (the fixture)


def stale(card: SentMessage, data: str) -> None:
    """The card as an older calendar left it: its Going button now carries `data`."""
    for row in (card.reply_markup or {})["inline_keyboard"]:
        for button in row:
            if button.get("text") == GOING:
                button["callback_data"] = data


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("/going gone-meetup", "gone-meetup"),  # the meetup was taken out of events.yaml
        ("/going one two", "Usage: /going"),
        ("/no_longer_a_command", "I don't know /no_longer_a_command"),
    ],
)
async def test_a_failed_press_is_answered_to_the_presser_only(bot: Running, data: str, said: str) -> None:  # noqa: F811
    api = bot.api
    card = await bot.card("/next")
    sent_before = len(api.sent)
    stale(card, data)
    api.press(card, GOING, user_id=1001)
    await api._wait_for(lambda: len(api.answers) == 1, 10)
    [answer] = api.answers
    assert said in answer["text"]
    assert bool(answer.get("show_alert")) is (len(answer["text"]) > 60)  # a long text as an alert
    # A reply to the group would go out right after the answer: ask for something after it, and
    # find only that answer in the group.
    api.user_message("/about", chat_id=GROUP)
    await api.wait_sent(sent_before + 1)
    assert [s.text for s in api.sent[sent_before:] if "gone-meetup" in (s.text or "") or said in (s.text or "")] == []
    assert len(api.sent) == sent_before + 1 and api.edits == []
