"""Telegram as a plugged-in platform: its settings, its service accounts, and how it is built.

Imports no python-telegram-bot: reading settings and checking events.yaml stay fast, and PTB is
loaded only when the adapter is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.plugin import Platform
from bot.config import SettingsError, port_setting, url_setting
from bot.wording import clip

if TYPE_CHECKING:
    from adapters.base import Adapter
    from adapters.plugin import AdapterParts

NAME = "telegram"
# "GroupAnonymousBot": every anonymous group admin posts as this one user, so the id says
# nothing about who wrote the message.
ANONYMOUS_ADMIN_ID = 1087968824
# The service account for messages forwarded from a linked channel: also nobody.
CHANNEL_BOT_ID = 136817688
# A Telegram username: 5 to 32 letters, digits or underscores (the @ is optional where we read one).
USERNAME = re.compile(r"@?[A-Za-z0-9_]{5,32}")


def bot_username_setting(env: Mapping[str, str]) -> str | None:
    """TELEGRAM_BOT_USERNAME (the website's /cfp deep link), checked, without its @."""
    raw = env.get("TELEGRAM_BOT_USERNAME", "").strip()
    if not raw:
        return None
    if not USERNAME.fullmatch(raw):
        raise SettingsError(
            "TELEGRAM_BOT_USERNAME", f"must be a Telegram username such as @KernelTLVBot, got {clip(raw, 40)!r}"
        )
    return raw.lstrip("@")


WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram's setWebhook takes as secret_token


def webhook_secret_setting(env: Mapping[str, str]) -> str | None:
    """TELEGRAM_WEBHOOK_SECRET: Telegram refuses any other (setWebhook fails at start, after the
    process has begun); said at once, without echoing the secret."""
    raw = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if raw and not WEBHOOK_SECRET.fullmatch(raw):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET",
            f"must be 1-256 of A-Z a-z 0-9 _ - (Telegram takes no other), got {len(raw)} characters",
        )
    return raw or None


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str | None = field(default=None, repr=False)
    api_url: str | None = None  # a self-hosted Bot API server, or the tests' fake
    webhook_url: str | None = None  # webhook mode when set, long polling otherwise
    webhook_secret: str | None = field(default=None, repr=False)
    bot_username: str | None = None  # for the website's deep link; checked even with Telegram off

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramSettings:
        settings = cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            api_url=url_setting(env, "TELEGRAM_API_URL"),
            webhook_url=url_setting(env, "TELEGRAM_WEBHOOK_URL", https_only=True),
            webhook_secret=webhook_secret_setting(env),
            bot_username=bot_username_setting(env),
        )
        if settings.token and settings.webhook_url and port_setting(env) is None:
            raise SettingsError("TELEGRAM_WEBHOOK_URL", "needs PORT set: webhook mode listens on the shared HTTP port")
        return settings

    @property
    def enabled(self) -> bool:
        return self.token is not None

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.webhook_secret) if s)

    def build(self, parts: AdapterParts) -> Adapter:
        from adapters.telegram.adapter import TelegramAdapter  # PTB is imported only when Telegram is on

        assert self.token is not None
        return TelegramAdapter(
            self.token,
            parts.registry,
            api_url=self.api_url,
            webhook_url=self.webhook_url,
            webhook_secret=self.webhook_secret,
            http_server=parts.http,
            status=parts.status,
        )


TELEGRAM = Platform(
    NAME,
    TelegramSettings.from_env,
    "TELEGRAM_BOT_TOKEN",
    service_accounts=frozenset({str(ANONYMOUS_ADMIN_ID), str(CHANNEL_BOT_ID)}),
    user_id=r"[1-9][0-9]{0,19}",  # positive, as /whoami writes it: 0 or 007 would never match anyone
    user_id_shape="a Telegram user id is a number from 1 up, such as telegram:123456789 (/whoami shows yours)",
    # A group or channel is a (negative) number; a public channel may be named by its @username.
    chat_id=r"-?[1-9][0-9]{0,19}|@[A-Za-z][A-Za-z0-9_]{3,31}",
    chat_id_shape="a Telegram chat id is a number, such as telegram:-1001234567890, or a channel's @username",
)
