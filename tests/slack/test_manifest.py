"""`meetup-bot slack-manifest` and the composition root's Slack wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from adapters.app import App
from adapters.cli import main
from adapters.slack.adapter import SlackAdapter
from adapters.slack.manifest import BOT_EVENTS, build_manifest
from bot.calendar.source import CalendarSource
from bot.chat.commands import CommandRegistry
from bot.config import Settings, SettingsError
from tests.conftest import SHIPPED_EVENTS, assemble_core
from tests.fakes.clock import FixedClock
from tests.slack.conftest import BOT_TOKEN, NOW


def test_manifest_is_generated_from_the_registry() -> None:
    registry = assemble_core(CalendarSource.from_file(SHIPPED_EVENTS), FixedClock(NOW)).registry
    manifest = build_manifest(registry, command="/meetup")
    (slash,) = manifest["features"]["slash_commands"]
    assert slash["command"] == "/meetup"
    hint = slash["usage_hint"]
    assert "next" in hint and "talks <query>" in hint and "subscribe" in hint
    assert "start" not in hint.split("; ")  # hidden commands stay hidden
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    assert list(BOT_EVENTS) == ["app_mention", "message.im", "member_joined_channel", "member_left_channel"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert {"commands", "chat:write", "app_mentions:read", "im:history", "users:read"} <= set(scopes)
    assert {"channels:read", "groups:read"} <= set(scopes)  # what member_joined/left_channel need
    assert "request_url" not in settings["event_subscriptions"]


def test_http_mode_manifest_points_at_the_events_path() -> None:
    manifest = build_manifest(CommandRegistry(), command="meetup", request_url="https://bot.example.org/")
    assert manifest["features"]["slash_commands"][0]["command"] == "/meetup"
    assert manifest["features"]["slash_commands"][0]["url"] == "https://bot.example.org/slack/events"
    assert manifest["settings"]["event_subscriptions"]["request_url"] == "https://bot.example.org/slack/events"
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_cli_prints_yaml_and_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLACK_COMMAND", "/kernel")
    monkeypatch.setenv("EVENTS_FILE", str(SHIPPED_EVENTS))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert main(["slack-manifest"]) == 0
    parsed = yaml.safe_load(capsys.readouterr().out)
    (slash,) = parsed["features"]["slash_commands"]
    assert slash["command"] == "/kernel"
    # Every listed command of the running app is in the hint, not only the calendar's.
    app = App(Settings.from_env(), CalendarSource.from_file(SHIPPED_EVENTS))
    assert [part.split()[0] for part in slash["usage_hint"].split("; ")] == [c.name for c in app.registry.listed()]
    assert not list(tmp_path.iterdir())  # building the app for its commands wrote nothing
    assert main(["slack-manifest", "--format", "json", "--command", "/tlv"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["features"]["slash_commands"][0]["command"] == "/tlv"


def test_app_builds_the_slack_adapter_when_a_bot_token_is_set() -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-x", "SLACK_TEAM_IDS": "T1,T2"}
    settings = Settings.from_env(env)
    app = App(settings, CalendarSource.from_file(SHIPPED_EVENTS))
    slack = [a for a in app.build_adapters() if isinstance(a, SlackAdapter)]
    assert len(slack) == 1
    assert slack[0].socket_mode and slack[0].team_ids == {"T1", "T2"}


def test_http_mode_without_a_port_is_a_clear_error() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s" * 32})
    with pytest.raises(SettingsError, match=r"SLACK_SIGNING_SECRET .*needs PORT set"):
        App(settings, CalendarSource.from_file(SHIPPED_EVENTS))


def test_cli_refuses_a_broken_events_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "events.yaml"
    broken.write_text("community: [\n")
    assert main(["slack-manifest", "--events", str(broken)]) == 1
    assert "error" in capsys.readouterr().err


def test_http_mode_mounts_on_the_apps_shared_server(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s" * 32,
        "PORT": "8089",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    app = App(Settings.from_env(env), CalendarSource.from_file(SHIPPED_EVENTS))
    (slack,) = [a for a in app.build_adapters() if isinstance(a, SlackAdapter)]
    assert not slack.socket_mode
    assert app.http is not None
    routes = {(r.method, r.resource.canonical) for r in app.http.app.router.routes() if r.resource is not None}
    assert ("POST", "/slack/events") in routes
