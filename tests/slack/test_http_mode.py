"""HTTP mode end to end: signed requests to the running Bolt endpoint on loopback, answers
recorded by the fake Web API."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.fakes.slack_api import BOT_USER_ID, FakeSlack
from tests.slack.conftest import (
    NEXT_TITLE,
    Gate,
    HttpSlack,
    RecordingStatus,
    dm,
    event_callback,
    mention,
    slash_command,
)


def texts(fake: FakeSlack) -> list[str]:
    return [p["text"] for p in fake.posted()]


async def test_slash_command_is_acked_then_answered_in_the_channel(http_slack: HttpSlack, fake: FakeSlack) -> None:
    response = await http_slack.command("next")
    assert response.status == 200

    await fake.wait_for(lambda: len(fake.posted()) == 1)
    post = fake.posted()[0]
    assert post["channel"] == "C0GENERAL"
    assert post["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": NEXT_TITLE, "emoji": True}}
    assert NEXT_TITLE in post["text"]
    assert any(b["type"] == "context" for b in post["blocks"])
    # The bot token authenticated the call; the verification token in the form was not used.
    assert fake.called("chat.postMessage")[0].token == http_slack.adapter.client.token


async def test_slash_command_arguments_reach_the_command(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.command("talks   ebpf")
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    assert "Usage" not in texts(fake)[0]
    assert "ebpf" in texts(fake)[0].lower()


async def test_empty_slash_command_shows_help(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.command("")
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    assert "next" in texts(fake)[0] and "talks" in texts(fake)[0]


async def test_command_hints_are_written_the_slack_way(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.command("help")
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    text = json.dumps(fake.posted()[0]["blocks"], ensure_ascii=False)
    assert "/meetup next" in text and "/meetup talks &lt;query&gt;" in text
    assert " /next" not in text and "`/next" not in text


async def test_ack_does_not_wait_for_the_answer(http_slack: HttpSlack, fake: FakeSlack, gate: Gate) -> None:
    # The answer cannot finish before the gate opens, so a 200 now means the ack came first.
    response = await http_slack.command("slow")
    assert response.status == 200
    await gate.entered.wait()
    # The command is still running, yet Slack already has its 200 and nothing is posted.
    assert fake.posted() == []
    gate.opened.set()
    await fake.wait_for(lambda: texts(fake) == ["finally"])


async def test_mention_is_answered_in_its_thread(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.event(mention("next", thread_ts="1699999999.000001"))
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    post = fake.posted()[0]
    assert post["channel"] == "C0GENERAL"
    assert post["thread_ts"] == "1699999999.000001"
    assert NEXT_TITLE in post["text"]


async def test_mention_with_escaped_text_is_unescaped_once(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.event(mention("talks R&amp;D &lt;kernel&gt;"))
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    # The query came back as the user typed it, escaped once for Slack.
    assert "R&amp;D &lt;kernel&gt;" in fake.posted()[0]["blocks"][0]["text"]["text"]


async def test_direct_message_is_answered(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.event(dm("next"))
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    assert fake.posted()[0]["channel"] == "D0DIRECT"
    assert NEXT_TITLE in texts(fake)[0]


async def test_bot_messages_edits_and_channel_chatter_get_no_answer(http_slack: HttpSlack, fake: FakeSlack) -> None:
    for event in (
        dm("next", bot_id="B0MEETUP"),  # our own post echoed back
        dm("next", subtype="message_changed"),
        dm("next", channel_type="channel", channel="C0GENERAL"),
    ):
        assert (await http_slack.event(event)).status == 200
    await fake.settle()
    assert fake.posted() == []


async def test_bad_signature_gets_401_and_no_answer(http_slack: HttpSlack, fake: FakeSlack) -> None:
    response = await http_slack.post(
        "command=%2Fmeetup&text=next", "application/x-www-form-urlencoded", secret="not-the-signing-secret"
    )
    assert response.status == 401
    await fake.settle()
    assert fake.posted() == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("\x00\xff" * 50, "application/octet-stream"),
        ("", "application/json"),
    ],
)
async def test_an_unsigned_malformed_body_gets_401_and_one_log_line(
    http_slack: HttpSlack, fake: FakeSlack, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    """The signature is checked before the body is parsed: no 500, no traceback."""
    async with http_slack.session.post(http_slack.url, data=body.encode(), headers={"Content-Type": content_type}) as r:
        assert r.status == 401
    assert len(caplog.records) <= 1 and not any(r.exc_info for r in caplog.records)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    await fake.settle()
    assert fake.posted() == []


async def test_stale_timestamp_gets_401_and_no_answer(http_slack: HttpSlack, fake: FakeSlack) -> None:
    # Correctly signed, but six minutes old: a replayed capture.
    body = urlencode(slash_command("next"))
    response = await http_slack.post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 360)
    assert response.status == 401
    await fake.settle()
    assert fake.posted() == []


async def test_retried_delivery_is_answered_once(http_slack: HttpSlack, fake: FakeSlack) -> None:
    body = json.dumps(event_callback(mention("next")))
    first = await http_slack.post(body, "application/json")
    retry = await http_slack.post(
        body, "application/json", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    replay = await http_slack.post(body, "application/json")
    assert (first.status, retry.status, replay.status) == (200, 200, 200)
    await fake.wait_for(lambda: len(fake.posted()) >= 1)
    await fake.settle()
    assert len(fake.posted()) == 1


async def test_first_delivery_arriving_as_a_retry_is_answered(http_slack: HttpSlack, fake: FakeSlack) -> None:
    # Slack retried because the original never reached us: that one must still be answered.
    await http_slack.event(mention("next"), headers={"X-Slack-Retry-Num": "2"})
    await fake.wait_for(lambda: len(fake.posted()) == 1)


async def test_foreign_workspace_gets_no_answer(http_slack: HttpSlack, fake: FakeSlack) -> None:
    assert (await http_slack.command("next", team_id="T0OTHER")).status == 200
    assert (await http_slack.event(mention("next", team="T0OTHER"), team_id="T0OTHER")).status == 200
    # Slack Connect: our workspace's envelope, but the user belongs to another organisation.
    assert (await http_slack.event(mention("next", user_team="T0OTHER"))).status == 200
    await fake.settle()
    assert fake.posted() == []


async def test_configured_team_ids_replace_the_token_workspace(http_slack: HttpSlack, fake: FakeSlack) -> None:
    http_slack.adapter.team_ids = frozenset({"T0OTHER"})
    await http_slack.command("next", team_id="T0OTHER")
    await http_slack.command("next")  # the token's own workspace is not configured now
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    await fake.settle()
    assert len(fake.posted()) == 1


async def test_slash_command_in_a_channel_without_the_bot_answers_via_response_url(
    http_slack: HttpSlack, fake: FakeSlack
) -> None:
    fake.fail("chat.postMessage", "not_in_channel")
    await http_slack.command("next", channel_id="C0NOBOT", response_url=fake.response_url("h42"))
    await fake.wait_for(lambda: len(fake.responses) == 1)
    response = fake.responses[0]
    assert response["hook"] == "h42"
    assert response["response_type"] == "in_channel"
    assert response["blocks"][0]["type"] == "header"
    assert NEXT_TITLE in response["text"]


async def test_admin_commands_look_up_the_sender(http_slack: HttpSlack, fake: FakeSlack) -> None:
    for user in ("UADMIN", "UOWNER", "UMEMBER"):
        await http_slack.command("adminprobe", user_id=user)
        await fake.wait_for(lambda: any(t.startswith(user) for t in texts(fake)))  # noqa: B023 (awaited here)
    assert sorted(texts(fake)) == ["UADMIN admin=True", "UMEMBER admin=False", "UOWNER admin=True"]
    assert sorted(c.args["user"] for c in fake.called("users.info")) == ["UADMIN", "UMEMBER", "UOWNER"]


async def test_other_commands_make_no_users_info_call(http_slack: HttpSlack, fake: FakeSlack) -> None:
    await http_slack.command("next")
    await fake.wait_for(lambda: len(fake.posted()) == 1)
    assert fake.called("users.info") == []


async def test_users_info_failure_means_not_admin(http_slack: HttpSlack, fake: FakeSlack) -> None:
    fake.fail("users.info", "internal_error", status=500)
    await http_slack.command("adminprobe", user_id="UADMIN")
    await fake.wait_for(lambda: texts(fake) == ["UADMIN admin=False"])


async def test_link_button_clicks_are_acknowledged(http_slack: HttpSlack, fake: FakeSlack) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0MEETUP"},
        "user": {"id": "UMEMBER", "team_id": "T0MEETUP"},
        "api_app_id": "A0MEETUP",
        "trigger_id": "trig-click",
        "container": {"type": "message"},
        "actions": [{"type": "button", "action_id": "link-0", "block_id": "b1", "action_ts": "1.2"}],
    }
    response = await http_slack.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert response.status == 200
    await fake.settle()
    assert fake.posted() == []


async def test_url_verification_challenge(http_slack: HttpSlack) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    response = await http_slack.post(body, "application/json")
    assert response.status == 200
    assert json.loads(response.text) == {"challenge": "c-123"}


async def test_stop_does_not_hang_on_an_unfinished_answer(http_slack: HttpSlack, fake: FakeSlack, gate: Gate) -> None:
    await http_slack.command("slow")
    await gate.entered.wait()
    await http_slack.adapter.stop()  # the gate never opens: stop gives up after drain_timeout
    assert gate.cancelled.is_set() and not gate.opened.is_set()
    assert fake.posted() == []
    # Once stopped, the endpoint refuses work instead of half-doing it.
    assert (await http_slack.command("next")).status == 503


async def test_the_bot_invited_to_or_removed_from_a_channel_is_reported(
    http_slack: HttpSlack, fake: FakeSlack, status: RecordingStatus
) -> None:
    def membership(kind: str, user: str) -> dict[str, str]:
        return {"type": kind, "user": user, "channel": "C0NEWS", "channel_type": "C", "team": "T0MEETUP"}

    assert (await http_slack.event(membership("member_joined_channel", "UMEMBER"))).status == 200
    assert (await http_slack.event(membership("member_joined_channel", BOT_USER_ID))).status == 200
    assert (await http_slack.event(membership("member_left_channel", BOT_USER_ID))).status == 200
    # Bolt answers the ack first and runs the listener just after.
    await status.wait_for(lambda: bool(status.joined and status.inactive))
    assert [c.key for c in status.joined] == ["slack:C0NEWS"]  # another member joining is not news
    assert [(c.key, why) for c, why in status.inactive] == [("slack:C0NEWS", "removed from the channel")]
    assert fake.posted() == []
