"""The chat platforms the bot can run on, plugged in here and named nowhere in `bot/`.

Each adapter package declares one `Platform` (adapters/plugin.py) in its `platform` module,
which imports no platform library: its name, how it reads and checks its settings from the
environment, and its service accounts (ids that stand for no one person, never trusted as an
organiser). Its settings say whether it is turned on, which values are secrets, and build the
adapter. A new platform is a package under adapters/ plus one line in `PLATFORMS`.
"""

from __future__ import annotations

import re

from adapters.plugin import Platform, PlatformSettings
from adapters.slack.platform import SLACK
from adapters.telegram.platform import TELEGRAM
from bot.config import Settings, SettingsError

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


def organiser_problem(entry: str) -> str | None:
    """What is wrong with an organiser entry (`platform:user id`), or None: the platform must be
    one there is an adapter for, and the id shaped as that platform's ids are."""
    platform, sep, user_id = entry.strip().partition(":")
    if not sep or not platform or not user_id:
        return f"{entry!r} is not platform:user_id, such as console:local or telegram:123456789"
    name = platform.lower()
    for known in PLATFORMS:
        if known.name == name:
            if re.fullmatch(known.user_id, user_id) is None:
                return f"{entry!r}: {known.user_id_shape}"
            return None
    if name == CONSOLE:
        return None if re.fullmatch(r"\w+", user_id) else f"{entry!r}: a console user id is one word (console:local)"
    return f"{entry!r}: unknown platform {platform!r} (known: {', '.join(sorted(known_names()))})"


def check_organisers(settings: Settings) -> None:
    """ORGANISERS, checked as `check` checks events.yaml: SettingsError on the first bad entry,
    since a malformed entry would never match anyone and nobody would be told."""
    for entry in settings.organisers or ():
        problem = organiser_problem(entry)
        if problem is not None:
            raise SettingsError("ORGANISERS", f"has a bad entry: {problem}")


def announce_chat_problem(entry: str) -> str | None:
    """Why an ANNOUNCE_CHATS entry could never be posted to, in words; None when it is well formed."""
    platform, sep, chat_id = entry.partition(":")
    if not sep or not platform or not chat_id:
        return f"{entry!r}: expected platform:<chat id>, such as telegram:-1001234567890 or slack:C0123ABCD"
    name = platform.lower()
    for known in PLATFORMS:
        if known.name == name:
            return None if re.fullmatch(known.chat_id, chat_id) else f"{entry!r}: {known.chat_id_shape}"
    if name == CONSOLE:
        return None if re.fullmatch(r"\w+", chat_id) else f"{entry!r}: a console chat id is one word (console:local)"
    return f"{entry!r}: unknown platform {platform!r} (known: {', '.join(sorted(known_names()))})"


def check_announce_chats(settings: Settings) -> None:
    """ANNOUNCE_CHATS: SettingsError on the first bad entry (one nobody could post to was dropped
    without a word, and the announcements it stood for went nowhere)."""
    for entry in settings.announce_chats or ():
        problem = announce_chat_problem(entry)
        if problem is not None:
            raise SettingsError("ANNOUNCE_CHATS", f"has a bad entry: {problem}")


def not_running(name: str) -> str:
    """Why platform `name` is not running here, for a warning."""
    for platform in PLATFORMS:
        if platform.name == name:
            return f"which is not running here ({platform.switch} is not set)"
    if name == CONSOLE:
        return "which runs only when no other platform is set up"
    return "for which there is no adapter"
