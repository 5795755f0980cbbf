"""Who may broadcast, and who may change where announcements go.

Organisers are platform user ids (`telegram:123`, `slack:U0123`), never display names, which
anyone can copy. A platform's service accounts (Telegram shows every anonymous group admin as
one user, @GroupAnonymousBot) say nothing about who is typing, so they are never trusted; each
adapter declares its own, and they reach here as `Settings.service_accounts`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.chat.messages import IncomingMessage, UserRef

log = logging.getLogger(__name__)


class Organisers:
    def __init__(self, ids: Iterable[str], untrusted: Iterable[str] = ()) -> None:
        """`untrusted`: `platform:id` keys of service accounts, never an organiser."""
        self.untrusted = frozenset(untrusted)
        keys: set[str] = set()
        for raw in ids:
            platform, sep, user_id = raw.strip().partition(":")
            if not sep or not platform or not user_id:
                log.warning("ignoring organiser %r: expected platform:user_id", raw)
                continue
            key = f"{platform.lower()}:{user_id}"
            if key in self.untrusted:
                log.warning("ignoring organiser %s: a platform's service account, not a person", key)
                continue
            keys.add(key)
        self.keys = frozenset(keys)

    @classmethod
    def resolve(
        cls, override: Iterable[str] | None, from_calendar: Iterable[str], untrusted: Iterable[str] = ()
    ) -> Organisers:
        """ORGANISERS from the environment when set, else events.yaml's community.organisers."""
        return cls(override if override is not None else from_calendar, untrusted)

    def is_untrusted(self, user: UserRef) -> bool:
        return user.key in self.untrusted

    def __contains__(self, user: object) -> bool:
        return isinstance(user, UserRef) and not self.is_untrusted(user) and user.key in self.keys

    def __len__(self) -> int:
        return len(self.keys)


def may_manage_subscription(message: IncomingMessage, organisers: Organisers) -> bool:
    """/subscribe and /unsubscribe: anyone in a private chat; in a group, its admins (as the
    platform says) or an organiser. An anonymous admin cannot be told apart, so is refused."""
    sender = message.sender
    if organisers.is_untrusted(sender):
        return False
    if message.chat.is_private or sender in organisers:
        return True
    return sender.is_chat_admin
