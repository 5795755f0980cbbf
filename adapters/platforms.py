"""The chat platforms the bot can run on, plugged in here and named nowhere in `bot/`.

Each adapter package declares one `Platform` (adapters/plugin.py) in its `platform` module,
which imports no platform library: its name, how it reads and checks its settings from the
environment, and its service accounts (ids that stand for no one person, never trusted as an
organiser). Its settings say whether it is turned on, which values are secrets, and build the
adapter. A new platform is a package under adapters/ plus one line in `PLATFORMS`.
"""

from __future__ import annotations

from adapters.plugin import Platform, PlatformSettings
from adapters.slack.platform import SLACK
from adapters.telegram.platform import TELEGRAM
from bot.config import Settings

CONSOLE = "console"  # the terminal chat: runs when no other platform is turned on


PLATFORMS: tuple[Platform, ...] = (SLACK, TELEGRAM)  # in start order


def configured(settings: Settings) -> list[tuple[Platform, PlatformSettings]]:
    """The platforms the environment turns on, with their checked settings."""
    read = [(p, p.read(settings.env)) for p in PLATFORMS]  # every one is checked, on or off
    return [(p, s) for p, s in read if s.enabled]


def running_names(settings: Settings) -> frozenset[str]:
    """The platforms `meetup-bot run` would serve with these settings."""
    names = {p.name for p, _ in configured(settings)}
    return frozenset(names or {CONSOLE})


def known_names() -> frozenset[str]:
    return frozenset({CONSOLE, *(p.name for p in PLATFORMS)})


def service_accounts() -> frozenset[str]:
    """`platform:id` keys of every platform's service accounts."""
    return frozenset(f"{p.name}:{uid}" for p in PLATFORMS for uid in p.service_accounts)


def secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret in the settings: the core's and each platform's, on or off."""
    found = list(settings.secrets())
    for platform in PLATFORMS:
        found.extend(platform.read(settings.env).secrets())
    return tuple(found)


def not_running(name: str) -> str:
    """Why platform `name` is not running here, for a warning."""
    for platform in PLATFORMS:
        if platform.name == name:
            return f"which is not running here ({platform.switch} is not set)"
    if name == CONSOLE:
        return "which runs only when no other platform is set up"
    return "for which there is no adapter"
