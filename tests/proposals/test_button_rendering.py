"""How a row of command buttons renders on each platform (the plumbing RSVP's cards share)."""

from __future__ import annotations

from adapters.slack.render import SlackMessage
from adapters.slack.render import render as slack_render
from adapters.telegram.buttons import deep_link, keyboard
from adapters.telegram.render import TelegramText
from adapters.telegram.render import render as telegram_render
from bot.chat.reply import Button, Buttons, Reply, paragraph

ROW = Buttons((Button("Accept", "/accept T7"), Button("Decline", "/decline T7")))


def test_telegram_hangs_the_keyboard_under_the_message_before_it() -> None:
    [part] = telegram_render(Reply((paragraph("A <card>"), ROW)))
    assert isinstance(part, TelegramText) and part.html == "A &lt;card&gt;" and part.buttons == ROW.buttons
    markup = keyboard(part.buttons)
    assert markup is not None
    assert [(b.text, b.callback_data) for b in markup.inline_keyboard[0]] == [
        ("Accept", "/accept T7"),
        ("Decline", "/decline T7"),
    ]


def test_telegram_buttons_alone_get_a_message_of_their_own_and_long_commands_are_left_out() -> None:
    [part] = telegram_render(Reply((ROW,)))
    assert isinstance(part, TelegramText) and part.plain == "Accept · Decline"
    assert keyboard((Button("Too long", "/x " + "y" * 70),)) is None


def test_a_private_button_is_a_deep_link_on_telegram_and_a_command_button_on_slack() -> None:
    button = Button("Propose privately", "/start propose", private=True)
    markup = keyboard((button,), "MeetupBot")
    assert markup is not None and markup.inline_keyboard[0][0].url == "https://t.me/MeetupBot?start=propose"
    assert deep_link("MeetupBot", "/host") == "https://t.me/MeetupBot?start=host"
    [message] = slack_render(Reply((Buttons((button,)),)))
    assert isinstance(message, SlackMessage)
    assert message.blocks[0]["elements"][0]["value"] == "/start propose"


def test_slack_puts_the_command_in_the_value_and_keeps_it_out_of_the_fallback() -> None:
    [message] = slack_render(Reply((paragraph("Card"), ROW)))
    assert isinstance(message, SlackMessage)
    actions = message.blocks[-1]
    assert actions["type"] == "actions"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("cmd-0", "/accept T7"),
        ("cmd-1", "/decline T7"),
    ]
    assert message.text == "Card"
    assert Reply((ROW,)).plain_text() == "[Accept: /accept T7] · [Decline: /decline T7]"
