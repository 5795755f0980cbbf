"""Slack as a plugged-in platform: its settings and how it is built. Imports no slack-bolt."""

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

NAME = "slack"
# Slack's own limits: a command is lower-case, at most 32 characters with its slash.
SLASH_COMMAND = re.compile(r"/?[a-z0-9][a-z0-9_-]{0,30}")


TEAM_ID = re.compile(r"[TE][A-Z0-9]+")  # a workspace (T…) or an Enterprise Grid organisation (E…)


def team_ids_setting(env: Mapping[str, str]) -> tuple[str, ...]:
    """SLACK_TEAM_IDS: the workspaces the bot answers; an entry that is no team id would silently
    shut out every workspace meant."""
    ids = tuple(t.strip() for t in env.get("SLACK_TEAM_IDS", "").split(",") if t.strip())
    for team in ids:
        if not TEAM_ID.fullmatch(team):
            raise SettingsError(
                "SLACK_TEAM_IDS",
                f"has a bad entry {clip(team, 40)!r}: a Slack team id starts with T, such as T0123ABCD",
            )
    return ids


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)  # Socket Mode when set
    signing_secret: str | None = field(default=None, repr=False)  # HTTP mode
    api_url: str | None = None
    command: str = "/meetup"
    team_ids: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        command = env.get("SLACK_COMMAND", "").strip() or "/meetup"
        if not SLASH_COMMAND.fullmatch(command):
            problem = "must be a slash command such as /meetup (a-z, 0-9, - and _)"
            raise SettingsError("SLACK_COMMAND", f"{problem}, got {clip(command, 40)!r}")
        settings = cls(
            bot_token=env.get("SLACK_BOT_TOKEN", "").strip() or None,
            app_token=env.get("SLACK_APP_TOKEN", "").strip() or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip() or None,
            api_url=url_setting(env, "SLACK_API_URL"),
            command=command if command.startswith("/") else "/" + command,
            team_ids=team_ids_setting(env),
        )
        if settings.bot_token and not settings.socket_mode:
            if not settings.signing_secret:
                raise SettingsError(
                    "SLACK_BOT_TOKEN", "needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
                )
            if port_setting(env) is None:
                raise SettingsError("SLACK_SIGNING_SECRET", "(HTTP mode) needs PORT set: /slack/events is served there")
        return settings

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.bot_token, self.app_token, self.signing_secret) if s)

    def build(self, parts: AdapterParts) -> Adapter:
        from adapters.slack.adapter import SlackAdapter  # slack-bolt is imported only when Slack is on

        assert self.bot_token is not None
        return SlackAdapter(
            self.bot_token,
            parts.registry,
            app_token=self.app_token,
            signing_secret=self.signing_secret,
            api_url=self.api_url,
            command=self.command,
            team_ids=self.team_ids,
            http_server=parts.http,  # HTTP mode mounts /slack/events on the one shared server
            status=parts.status,
            seen=parts.seen,
        )


SLACK = Platform(
    NAME,
    SlackSettings.from_env,
    "SLACK_BOT_TOKEN",
    user_id=r"[UW][A-Z0-9]+",
    user_id_shape="a Slack user id starts with U or W, such as slack:U0123ABCD (/whoami shows yours)",
    chat_id=r"[CGD][A-Z0-9]+",  # a channel, a private channel (older workspaces), a direct message
    chat_id_shape="a Slack channel id starts with C, G or D, such as slack:C0123ABCD (the channel's details show it)",
)
