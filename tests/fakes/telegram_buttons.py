"""The fake Bot API's inline keyboards: button presses (callback queries), their answers
(answerCallbackQuery) and message edits (editMessageText). Mixed into `FakeBotApi`."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.telegram_api import SentMessage


class ButtonsApi:
    if TYPE_CHECKING:
        sent: list[SentMessage]
        bot_user: dict[str, Any]

        def add_update(self, update: dict[str, Any]) -> int: ...

    def _buttons_init(self) -> None:
        self.answers: list[dict[str, Any]] = []  # every answerCallbackQuery's parameters
        self.edits: list[dict[str, Any]] = []  # every editMessageText's parameters
        self._query_ids = 0

    @staticmethod
    def keyboard(sent: SentMessage) -> list[dict[str, Any]]:
        """The buttons under a sent message, in order (its current state, edits included)."""
        markup = sent.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def press(
        self,
        sent: SentMessage,
        label: str,
        *,
        user_id: int = 4242,
        first_name: str = "Ada",
        username: str = "ada",
    ) -> int:
        """Queue the press of the button labelled `label` on `sent` by a user; returns the update id."""
        button = next((b for b in self.keyboard(sent) if b.get("text") == label), None)
        if button is None or "callback_data" not in button:
            raise AssertionError(f"no button {label!r} on message {sent.message_id}: {self.keyboard(sent)}")
        self._query_ids += 1
        chat_id = sent.chat_id
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"}
        if int(chat_id) < 0:
            chat["title"] = f"Group {chat_id}"
        query = {
            "id": f"q{self._query_ids}",
            "from": {"id": user_id, "is_bot": False, "first_name": first_name, "username": username},
            "chat_instance": f"ci{chat_id}",
            "data": button["callback_data"],
            "message": {
                "message_id": sent.message_id,
                "date": int(sent.at),
                "chat": chat,
                "from": self.bot_user,
                "text": sent.text or "",
            },
        }
        return self.add_update({"callback_query": query})

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        self.answers.append(params)
        return True

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        self.edits.append(params)
        chat_id, message_id = params.get("chat_id"), int(params["message_id"])
        target = next((s for s in self.sent if str(s.chat_id) == str(chat_id) and s.message_id == message_id), None)
        if target is None:
            return _bad_request("Bad Request: message to edit not found")
        target.text = params.get("text")
        target.parse_mode = params.get("parse_mode")
        target.reply_markup = params.get("reply_markup")
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if int(str(chat_id)) > 0 else "supergroup"},
            "from": self.bot_user,
            "text": target.text or "",
        }


def _bad_request(description: str) -> Any:
    body = {"ok": False, "error_code": 400, "description": description}
    raise web.HTTPBadRequest(text=json.dumps(body), content_type="application/json")
