"""Incoming updates end to end: the fake Bot API serves getUpdates, PTB polls it, our adapter
answers through sendMessage."""

from __future__ import annotations

from adapters.telegram.adapter import ANONYMOUS_ADMIN_ID, TelegramAdapter
from tests.fakes.telegram_api import BOT_USERNAME, Failure, FakeBotApi
from tests.telegram.conftest import GROUP, Factory, RecordingStatus

TITLE_HTML = "<b>Tags &lt;b&gt;&amp; ampersands&lt;/b&gt; in titles</b>"


async def test_next_in_a_group_is_answered_in_html(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    update_id = api.user_message("/next", chat_id=GROUP)
    [sent] = await api.wait_sent(1)
    assert sent.method == "sendMessage"
    assert sent.chat_id == GROUP
    assert sent.parse_mode == "HTML"
    assert sent.text is not None and sent.text.startswith(TITLE_HTML)
    assert '<a href="https://www.meetup.com/test-group/events/1/?a=1&amp;b=&quot;2&quot;">' in sent.text
    assert sent.link_preview_disabled  # a card: no giant preview under it
    # The update came through long polling, and the next poll's offset confirmed it.
    await api.wait_drained()
    assert any(int(call.get("offset") or 0) > update_id for call in api.calls_of("getUpdates"))
    assert sent.reply_to_message_id == 1  # quotes the user's message (the first in that chat)


async def test_commands_for_us_other_bots_and_chatter(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    api.user_message("/next@OtherBot", chat_id=GROUP)  # another bot's command
    api.user_message("hello everyone, pizza tonight?", chat_id=GROUP)  # chatter
    api.user_message("/nosuchcommand", chat_id=GROUP)  # probably for another bot
    api.user_message(f"/next@{BOT_USERNAME.lower()} extra args", chat_id=GROUP)  # ours, any case
    api.user_message(f"/nosuchcommand@{BOT_USERNAME}", chat_id=GROUP)  # ours, unknown: say so
    sent = await api.wait_sent(2)
    await api.wait_drained()
    assert len(api.sent) == 2
    assert sent[0].text is not None and sent[0].text.startswith(TITLE_HTML)
    assert sent[1].text is not None and "I don't know /nosuchcommand" in sent[1].text


async def test_private_chat_gets_a_nudge_for_chatter(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    api.user_message("hi bot", chat_id=4242)
    [sent] = await api.wait_sent(1)
    assert sent.chat_id == 4242
    assert sent.text == "I answer commands. Try /help."
    assert sent.reply_to_message_id is None  # no need to quote in a one-to-one chat


async def test_reply_goes_to_the_same_forum_topic(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    api.user_message("/help", chat_id=GROUP, thread_id=77)
    [sent] = await api.wait_sent(1)
    assert sent.message_thread_id == 77
    assert sent.text is not None and "<code>/next</code>" in sent.text


async def test_command_menu_is_set_from_the_registry(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    assert api.commands is not None
    names = [c["command"] for c in api.commands]
    assert names[:3] == ["help", "next", "events"]
    assert "start" not in names and "adminprobe" not in names  # hidden commands stay off the menu


async def test_bot_still_runs_when_the_menu_cannot_be_set(api: FakeBotApi, make_adapter: Factory) -> None:
    api.fail(Failure(500, "Internal Server Error"), method="setMyCommands")
    await make_adapter()
    assert api.commands is None
    api.user_message("/next", chat_id=GROUP)
    [sent] = await api.wait_sent(1)
    assert sent.text is not None and sent.text.startswith(TITLE_HTML)


async def test_admin_rights_are_checked_only_for_commands_that_need_them(
    api: FakeBotApi, telegram: TelegramAdapter
) -> None:
    api.set_member(GROUP, 1, "administrator")
    api.set_member(GROUP, 2, "member")
    api.set_member(GROUP, 3, "creator")
    api.user_message("/next", chat_id=GROUP, user_id=1)
    await api.wait_sent(1)
    assert api.calls_of("getChatMember") == []  # /next does not need it: no API call
    for user in (1, 2, 3):
        api.user_message("/adminprobe", chat_id=GROUP, user_id=user)
    sent = await api.wait_sent(4)
    assert [s.text for s in sent[1:]] == ["admin=True user=1", "admin=False user=2", "admin=True user=3"]
    assert len(api.calls_of("getChatMember")) == 3


async def test_anonymous_admins_count_but_their_shared_user_id_never_does(
    api: FakeBotApi, telegram: TelegramAdapter
) -> None:
    group_as_sender = {"id": GROUP, "type": "supergroup", "title": "The group"}
    # Telegram marks the shared GroupAnonymousBot user as an admin; it must not matter.
    api.set_member(GROUP, ANONYMOUS_ADMIN_ID, "administrator")
    api.user_message("/adminprobe", chat_id=GROUP, user_id=ANONYMOUS_ADMIN_ID, sender_chat=group_as_sender)
    api.user_message("/adminprobe", chat_id=GROUP, user_id=ANONYMOUS_ADMIN_ID)
    channel = {"id": -100777, "type": "channel", "title": "Some channel"}
    api.user_message("/adminprobe", chat_id=GROUP, user_id=136817688, sender_chat=channel)
    sent = await api.wait_sent(3)
    assert [s.text for s in sent] == [
        f"admin=True user={GROUP}",  # posted as the group itself: an anonymous admin
        f"admin=False user={ANONYMOUS_ADMIN_ID}",
        "admin=False user=-100777",  # a channel posting in the group is nobody's admin
    ]
    assert api.calls_of("getChatMember") == []


async def test_attachment_is_sent_as_a_document(api: FakeBotApi, telegram: TelegramAdapter) -> None:
    api.user_message("/icsfile", chat_id=GROUP)
    text, document = await api.wait_sent(2)
    assert text.text == "Add it to your calendar:"
    assert document.method == "sendDocument"
    assert document.filename == "meetup.ics"
    assert document.document == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert document.caption == "Tags &lt;b&gt;&amp;" and document.parse_mode == "HTML"


async def test_added_to_a_group_introduces_itself(
    api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus
) -> None:
    api.bot_membership(GROUP, "left", "member")
    [sent] = await api.wait_sent(1)
    assert sent.chat_id == GROUP
    assert sent.text is not None and f"@{BOT_USERNAME}" in sent.text and "/help" in sent.text
    assert status.events == [("joined", str(GROUP))]


async def test_removed_from_a_group_marks_it_inactive(
    api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus
) -> None:
    api.bot_membership(GROUP, "member", "kicked")
    api.bot_membership(GROUP - 1, "administrator", "left")
    await api.wait_drained()
    api.user_message("/help", chat_id=4242)  # a sentinel: updates are handled in order
    await api.wait_sent(1)
    assert [e[:2] for e in status.events] == [("inactive", str(GROUP)), ("inactive", str(GROUP - 1))]
    assert [s.chat_id for s in api.sent] == [4242]  # nothing said to the groups that dropped us


async def test_group_upgraded_to_supergroup_moves_the_chat(
    api: FakeBotApi, telegram: TelegramAdapter, status: RecordingStatus
) -> None:
    update = api.message_update("", chat_id=-555, chat_type="group")
    del update["message"]["text"]
    update["message"]["migrate_to_chat_id"] = GROUP
    api.add_update(update)
    api.user_message("/help", chat_id=4242)
    await api.wait_sent(1)
    assert status.events == [("moved", "-555", str(GROUP))]
