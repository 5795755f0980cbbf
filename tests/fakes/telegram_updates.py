"""The fake Bot API's incoming side: updates queued for getUpdates (user messages, the bot's
membership changes), webhooks and chat members. Mixed into `FakeBotApi`."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes import PATIENCE


class UpdatesApi:
    if TYPE_CHECKING:
        bot_user: dict[str, Any]
        _closing: bool

        def _notify(self) -> None: ...

        async def _wait_for(self, predicate: Callable[[], bool], within: float) -> None: ...

        def _next_message_id(self, chat_id: int | str) -> int: ...

    def _updates_init(self) -> None:
        self.webhook: dict[str, Any] | None = None
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> status
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update for getUpdates; an `update_id` is assigned when missing."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def message_update(
        self,
        text: str,
        *,
        chat_id: int = -1001000000001,
        chat_type: str | None = None,
        user_id: int = 4242,
        username: str = "ada",
        first_name: str = "Ada",
        thread_id: int | None = None,
        sender_chat: dict[str, Any] | None = None,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """A user's text message as Telegram delivers it (bot_command entity included)."""
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else "supergroup"
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update(first_name=first_name, username=username)
        else:
            chat["title"] = f"Group {chat_id}"
            if thread_id is not None:
                chat["is_forum"] = True
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": first_name, "username": username},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        return {"update_id": update_id if update_id is not None else next(self._update_ids), "message": message}

    def user_message(self, text: str, **kwargs: Any) -> int:
        """Queue a user's message (see `message_update` for the options); returns its update_id."""
        return self.add_update(self.message_update(text, **kwargs))

    def member_update(
        self,
        chat_id: int,
        old: str,
        new: str,
        *,
        by_user: int = 4242,
        chat_type: str = "supergroup",
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """A my_chat_member update: the bot's own status in a chat went from `old` to `new`."""
        return {
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"},
                "from": {"id": by_user, "is_bot": False, "first_name": "Ada"},
                "date": int(time.time()),
                "old_chat_member": member_json(old, self.bot_user),
                "new_chat_member": member_json(new, self.bot_user),
            },
        }

    def bot_membership(self, chat_id: int, old: str, new: str, **kwargs: Any) -> int:
        return self.add_update(self.member_update(chat_id, old, new, **kwargs))

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator, administrator, member, left or kicked."""
        self.members[(chat_id, user_id)] = status

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_drained(self, within: float = PATIENCE) -> None:
        """Wait until every queued update was confirmed by a getUpdates offset."""
        await self._wait_for(lambda: not self._updates, within)

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if offset:
            # Confirming: updates below the offset are gone for good, as on Telegram.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self._wait_for(lambda: bool(self._updates) or self._closing, timeout)
        return self._updates[:limit]

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        return member_json(status, {"id": user_id, "is_bot": False, "first_name": "U"})

    async def _control_update(self, request: web.Request) -> web.Response:
        data = await request.json()
        ids = [self._queue_from_json(item) for item in (data if isinstance(data, list) else [data])]
        return web.json_response({"update_id": ids[0]} if len(ids) == 1 else {"update_ids": ids})

    def _queue_from_json(self, data: dict[str, Any]) -> int:
        if "text" in data and "update_id" not in data:
            options = dict(data)
            return self.user_message(options.pop("text"), **options)
        return self.add_update(data)


def member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object with the fields Telegram always sends for that status."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            dict.fromkeys(
                (
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            )
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member
