"""The per-message edit throttle the adapters route card updates through: the first edit goes at
once, later ones at most one per interval, the newest content always lands, and an older
revision that arrives late never overwrites a newer one."""

from __future__ import annotations

import asyncio
import time

from adapters.edit_throttle import EditThrottle
from bot.announce.outbound import SendError, SendReceipt
from bot.chat.messages import ChatRef
from bot.chat.reply import Reply, text_reply

CHAT = ChatRef("telegram", "-1001")
INTERVAL = 0.2


class Platform:
    """The far side of `edit`: records each edit with when it happened; fails on cue."""

    def __init__(self, failures: int = 0) -> None:
        self.edits: list[tuple[str, str, float]] = []
        self.failures = failures
        self.edited = asyncio.Event()

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> SendReceipt:
        if self.failures:
            self.failures -= 1
            raise SendError("Telegram flood control: retry after 1s", retryable=True)
        self.edits.append((message_id, reply.plain_text(), time.monotonic()))
        self.edited.set()
        return SendReceipt(chat, (message_id,))


def card(count: int, revision: int | None = None) -> Reply:
    reply = text_reply(f"{count} going")
    return Reply(reply.blocks, revision=revision)


async def test_a_rush_gives_the_first_edit_at_once_and_the_last_one_after_the_interval() -> None:
    platform = Platform()
    throttle = EditThrottle(platform.edit, INTERVAL)
    throttle.submit(CHAT, "7", card(1, 1))
    await platform.edited.wait()  # the first press: its edit goes at once
    for count in range(2, 51):
        throttle.submit(CHAT, "7", card(count, count))
    await throttle.close(within=10)
    assert [text for _, text, _ in platform.edits] == ["1 going", "50 going"]
    assert platform.edits[1][2] - platform.edits[0][2] >= INTERVAL * 0.9
    assert throttle.edits == 2 and throttle.dropped == 48


async def test_messages_are_throttled_separately() -> None:
    platform = Platform()
    throttle = EditThrottle(platform.edit, INTERVAL)
    throttle.submit(CHAT, "7", card(1))
    throttle.submit(CHAT, "8", card(2))
    await throttle.close(within=10)
    assert sorted((m, t) for m, t, _ in platform.edits) == [("7", "1 going"), ("8", "2 going")]


async def test_an_older_revision_arriving_late_is_dropped() -> None:
    platform = Platform()
    throttle = EditThrottle(platform.edit, INTERVAL)
    throttle.submit(CHAT, "7", card(1, 1))
    await platform.edited.wait()
    throttle.submit(CHAT, "7", card(3, 3))
    throttle.submit(CHAT, "7", card(2, 2))  # computed before revision 3, delivered after it
    await throttle.close(within=10)
    assert [text for _, text, _ in platform.edits] == ["1 going", "3 going"]


async def test_a_refused_edit_is_tried_again_so_the_final_count_lands() -> None:
    platform = Platform(failures=1)
    throttle = EditThrottle(platform.edit, INTERVAL)
    throttle.submit(CHAT, "7", card(5, 5))
    await throttle.close(within=10)
    assert [text for _, text, _ in platform.edits] == ["5 going"]
