"""`meetup-bot slack-manifest`: the Slack app manifest, generated from the command registry.

Paste the output into https://api.slack.com/apps -> Create New App -> From a manifest.
Socket Mode is on by default (no public URL needed); `--request-url` gives the HTTP-mode variant.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from adapters.slack.platform import SLASH_COMMAND, SlackSettings
from bot.assembly import assemble
from bot.calendar.loader import CalendarError
from bot.calendar.source import CalendarSource
from bot.chat.commands import CommandRegistry
from bot.config import Settings, SettingsError, url_setting
from bot.wording import clip, plural

# What the adapter calls, and nothing more.
BOT_SCOPES = (
    "app_mentions:read",  # app_mention events
    "chat:write",  # chat.postMessage
    "commands",  # the slash command
    "files:write",  # files_upload_v2 for .ics attachments
    "im:history",  # message.im events (direct messages)
    "users:read",  # users.info: is the sender a workspace admin?
    "channels:read",  # member_joined/left_channel in public channels: the bot invited or removed
    "groups:read",  # the same in private channels
)
BOT_EVENTS = ("app_mention", "message.im", "member_joined_channel", "member_left_channel")
USAGE_HINT_MAX = 1000  # Slack rejects longer hints
DESCRIPTION_MAX = 140

# Where Slack sends events, commands and interactions in HTTP mode, under the public URL.
EVENTS_PATH = "/slack/events"


def usage_hint(registry: CommandRegistry) -> str:
    hint = "; ".join(f"{c.name} {c.usage}".strip() for c in registry.listed())
    return hint if len(hint) <= USAGE_HINT_MAX else hint[: USAGE_HINT_MAX - 1] + "…"


def build_manifest(
    registry: CommandRegistry,
    *,
    command: str = "/meetup",
    name: str = "meetup-bot",
    request_url: str | None = None,
) -> dict[str, Any]:
    """The manifest as a dict. With `request_url` (the public base URL) it is HTTP mode."""
    socket_mode = request_url is None
    events_url = None if socket_mode else request_url.rstrip("/") + EVENTS_PATH  # type: ignore[union-attr]
    slash: dict[str, Any] = {
        "command": command if command.startswith("/") else "/" + command,
        "description": "The meetup calendar: next, events, talks <topic>, help"[:DESCRIPTION_MAX],
        "usage_hint": usage_hint(registry),
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}  # link buttons report their clicks
    if events_url is not None:
        slash["url"] = events_url
        events["request_url"] = events_url
        interactivity["request_url"] = events_url
    return {
        "display_information": {
            "name": name,
            "description": "When and where the next meetup is, its talks and speakers.",
        },
        "features": {
            # The Messages tab lets people DM the bot.
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [slash],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def render_manifest(manifest: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1000)


def app_registry(settings: Settings) -> CommandRegistry:
    """Exactly the commands `meetup-bot run` registers: the core is assembled (no I/O beyond
    reading the events file), no app, adapter or store is started."""
    return assemble(settings, CalendarSource.from_file(settings.events_file)).registry


def cmd_slack_manifest(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.events:
        settings = replace(settings, events_file=Path(args.events))
    try:
        registry = app_registry(settings)
    except CalendarError as exc:
        errors = plural(len(exc.errors), "error")
        print(f"{settings.events_file} has {errors}; `meetup-bot check` lists them", file=sys.stderr)
        return 1
    manifest = build_manifest(
        registry,
        command=args.command or SlackSettings.from_env(settings.env).command,
        name=args.name,
        request_url=args.request_url,
    )
    sys.stdout.write(render_manifest(manifest, args.format))
    return 0


NAME_MAX = 35  # Slack's limit on an app's name


def slash_command(text: str) -> str:
    if not SLASH_COMMAND.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a command such as /meetup (a-z, 0-9, - and _), got {clip(text)!r}")
    return text.strip()


def app_name(text: str) -> str:
    if not text.strip() or len(text.strip()) > NAME_MAX or not text.isprintable():
        raise argparse.ArgumentTypeError(f"expected a name of 1 to {NAME_MAX} characters, got {clip(text)!r}")
    return text.strip()


def request_url(text: str) -> str:
    """Slack sends requests only to https:// addresses."""
    try:
        return url_setting({"--request-url": text}, "--request-url", https_only=True) or ""
    except SettingsError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--request-url ")) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `meetup-bot slack-manifest` (the CLI creates the subparser)."""
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    parser.add_argument("--name", type=app_name, default="meetup-bot", help="the app and bot user name")
    parser.add_argument("--command", type=slash_command, help="the slash command (default: $SLACK_COMMAND or /meetup)")
    parser.add_argument(
        "--request-url", type=request_url, help="HTTP mode: the public https:// base URL; Socket Mode when omitted"
    )
    parser.set_defaults(func=cmd_slack_manifest)
