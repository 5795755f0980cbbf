"""Settings from the environment. Secrets live only here and never in a repr or a log line."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _int(env: Mapping[str, str], key: str) -> int | None:
    raw = env.get(key, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{key} must be a whole number, got {raw!r}") from None


def database_url(env: Mapping[str, str], default_sqlite: Path) -> str:
    """DATABASE_URL, with Heroku's `postgres://` form accepted and mapped to psycopg 3;
    a SQLite file otherwise."""
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{default_sqlite}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True, slots=True)
class Settings:
    events_file: Path = Path("events.yaml")
    log_level: str = "INFO"
    # Telegram
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    # Slack
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    slack_command: str = "/meetup"
    slack_team_ids: tuple[str, ...] = ()
    # HTTP (webhooks, feeds, health)
    port: int | None = None
    public_url: str | None = None
    # Store and announcements
    database_url: str = field(default="sqlite:///meetup-bot.sqlite3", repr=False)
    announce_chats: tuple[str, ...] | None = None  # None: use events.yaml's community.announce
    organisers: tuple[str, ...] | None = None  # None: use events.yaml's community.organisers
    scheduler_enabled: bool = True

    @property
    def console_only(self) -> bool:
        return not (self.telegram_token or self.slack_bot_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        events_file = Path(env.get("EVENTS_FILE", "events.yaml"))
        sqlite_path = Path(env.get("SQLITE_PATH", "meetup-bot.sqlite3"))
        announce = env.get("ANNOUNCE_CHATS")
        organisers = env.get("ORGANISERS")
        return cls(
            events_file=events_file,
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=env.get("TELEGRAM_API_URL") or None,
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_api_url=env.get("SLACK_API_URL") or None,
            slack_command=env.get("SLACK_COMMAND", "/meetup"),
            slack_team_ids=_csv(env.get("SLACK_TEAM_IDS")),
            port=_int(env, "PORT"),
            public_url=env.get("PUBLIC_URL") or None,
            database_url=database_url(env, sqlite_path),
            announce_chats=_csv(announce) if announce is not None else None,
            organisers=_csv(organisers) if organisers is not None else None,
            scheduler_enabled=env.get("SCHEDULER", "on").lower() not in ("off", "0", "false", "no"),
        )

    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for log redaction (the database password included)."""
        return tuple(
            s
            for s in (
                self.telegram_token,
                self.telegram_webhook_secret,
                self.slack_bot_token,
                self.slack_app_token,
                self.slack_signing_secret,
                urlsplit(self.database_url).password,
            )
            if s
        )
