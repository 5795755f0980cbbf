"""What a platform adapter declares to be plugged in (see adapters/platforms.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # only types: reading settings must not import aiohttp or the core's commands
    from adapters.base import Adapter
    from adapters.web.server import HttpServer
    from bot.announce.outbound import ChatStatusListener
    from bot.chat.commands import CommandRegistry
    from bot.store.seen import SeenDeliveries


@dataclass(frozen=True, slots=True)
class AdapterParts:
    """What the composition root hands an adapter it builds."""

    registry: CommandRegistry
    http: HttpServer | None  # the one server on $PORT, None when PORT is unset
    status: ChatStatusListener  # told when a chat is joined, left or moved
    seen: SeenDeliveries | None = None  # delivery ids every process shares (Slack retries)


class PlatformSettings(Protocol):
    @property
    def enabled(self) -> bool:
        """Whether the environment turns this platform on (its token is set)."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for log redaction."""
        ...

    def build(self, parts: AdapterParts) -> Adapter:
        """The adapter; its platform library is imported only here."""
        ...


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    # Reads this platform's settings from the environment; raises bot.config.SettingsError.
    read: Callable[[Mapping[str, str]], PlatformSettings]
    switch: str  # the setting that turns it on, e.g. TELEGRAM_BOT_TOKEN
    service_accounts: frozenset[str] = frozenset()  # user ids on this platform
    # What a user id looks like here (a full match), and what to say when one does not: the
    # ORGANISERS entries and events.yaml's organisers are checked against it.
    user_id: str = r"\S+"
    user_id_shape: str = "an id"
    # The same for a chat id (ANNOUNCE_CHATS entries).
    chat_id: str = r"\S+"
    chat_id_shape: str = "a chat id"
