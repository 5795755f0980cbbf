"""The `community:` section of events.yaml: name, timezone, chats, calls for speakers and
venues, the call policy, reminders and topic aliases."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar.fields import FieldReader, item_line, or_default, shown
from bot.calendar.model import DEFAULT_REMINDERS, CallForSpeakers, CallForVenues, CallPolicy, Community
from bot.calendar.wall_clock import parse_clock, parse_clock_range, parse_duration, parse_weekday
from bot.calendar.yamlnodes import YMap

COMMUNITY_KEYS = {
    "name", "short_name", "timezone", "language", "description", "links", "organisers",
    "announce", "call_for_speakers", "call_for_venues", "calls", "reminders", "topic_aliases",
    "organisers_chat", "city", "country", "currency",
}  # fmt: skip
CFS_KEYS = {"text", "topics", "how_to_submit"}
CFV_KEYS = {"text", "how_to_offer"}
CALLS_KEYS = {"horizon", "weekday", "at", "quiet_hours", "enabled"}
# Any platform: adapters are plugged in, and `meetup-bot check` warns about one that is not running.
PLATFORM_ID = re.compile(r"[a-z][a-z0-9_-]*:\S+", re.IGNORECASE)


class CommunityReader(FieldReader):
    """Reads the `community:` section; sets the timezone the events are read in."""

    def community(self, value: Any) -> Community | None:
        m = self.mapping(value, "community", 1, COMMUNITY_KEYS, ("name", "timezone"))
        if m is None:
            return None
        tz_name = self.text(m, "timezone", "community")
        if tz_name:
            try:
                self.tz = ZoneInfo(tz_name)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(
                    m.line_of("timezone"),
                    "community.timezone",
                    f"unknown timezone {shown(tz_name)} (use an IANA name such as Asia/Jerusalem)",
                )
        organisers, announce = self.platform_ids(m, "organisers"), self.platform_ids(m, "announce")
        organisers_chat = self.text(m, "organisers_chat", "community")  # where proposals are reviewed
        if organisers_chat and not PLATFORM_ID.fullmatch(organisers_chat):
            where, got = m.line_of("organisers_chat"), repr(organisers_chat)
            self.error(
                where, "community.organisers_chat", f"expected platform:<chat id> such as telegram:-100123, got {got}"
            )
        return Community(
            name=self.text(m, "name", "community") or "",
            timezone=self.tz,
            short_name=self.text(m, "short_name", "community"),
            description=self.text(m, "description", "community"),
            language=self.text(m, "language", "community"),
            links=self.links(m, "links", "community"),
            organisers=organisers,
            announce=announce,
            organisers_chat=organisers_chat or None,
            call_for_speakers=self.call_for_speakers(m),
            call_for_venues=self.call_for_venues(m),
            calls=self.calls(m),
            reminders=self.reminders(m, "community") or DEFAULT_REMINDERS,
            topic_aliases=self.topic_aliases(m),
            city=self.text(m, "city", "community"),
            country=self.code(m, "country", 2, "an ISO 3166 country code such as IL"),
            currency=self.code(m, "currency", 3, "an ISO 4217 currency code such as ILS"),
        )

    def code(self, m: YMap, key: str, size: int, example: str) -> str | None:
        """`country: IL`, `currency: ILS`: letters only, upper-cased."""
        value = self.text(m, key, "community")
        if value is None:
            return None
        if len(value) != size or not value.isascii() or not value.isalpha():
            self.error(m.line_of(key), f"community.{key}", f"expected {example}, got {shown(value)}")
            return None
        return value.upper()

    def platform_ids(self, m: YMap, key: str) -> tuple[str, ...]:
        """`platform:<id>` strings such as `telegram:-100123` (organisers, announcement chats)."""
        ids = self.texts(m, key, "community")
        for i, ref in enumerate(ids):
            if not PLATFORM_ID.fullmatch(ref):
                self.error(item_line(m, key, i), f"community.{key}[{i}]", f"expected platform:<id>, got {shown(ref)}")
        return ids

    def call_for_speakers(self, c: YMap) -> CallForSpeakers:
        if c.get("call_for_speakers") is None:
            return CallForSpeakers()
        m = self.mapping(
            c["call_for_speakers"], "community.call_for_speakers", c.line_of("call_for_speakers"), CFS_KEYS
        )
        if m is None:
            return CallForSpeakers()
        path = "community.call_for_speakers"
        return CallForSpeakers(
            text=self.text(m, "text", path),
            topics=self.texts(m, "topics", path),
            how_to_submit=self.text(m, "how_to_submit", path),
        )

    def call_for_venues(self, c: YMap) -> CallForVenues:
        if c.get("call_for_venues") is None:
            return CallForVenues()
        m = self.mapping(c["call_for_venues"], "community.call_for_venues", c.line_of("call_for_venues"), CFV_KEYS)
        if m is None:
            return CallForVenues()
        path = "community.call_for_venues"
        return CallForVenues(text=self.text(m, "text", path), how_to_offer=self.text(m, "how_to_offer", path))

    def calls(self, c: YMap) -> CallPolicy:
        default = CallPolicy()
        if c.get("calls") is None:
            return default
        path = "community.calls"
        m = self.mapping(c["calls"], path, c.line_of("calls"), CALLS_KEYS)
        if m is None:
            return default
        quiet = self.parsed(m, "quiet_hours", path, parse_clock_range, "a range such as 22:00-08:00")
        enabled = self.flag(m, "enabled", path)
        return CallPolicy(
            horizon=self.parsed(m, "horizon", path, parse_duration, "a duration such as 6w or 10d") or default.horizon,
            weekday=or_default(
                self.parsed(m, "weekday", path, parse_weekday, "a weekday such as sunday"), default.weekday
            ),
            at=self.parsed(m, "at", path, parse_clock, "a time such as 10:00") or default.at,
            quiet_start=quiet[0] if quiet else default.quiet_start,
            quiet_end=quiet[1] if quiet else default.quiet_end,
            enabled=default.enabled if enabled is None else enabled,
        )

    def topic_aliases(self, c: YMap) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = c.get("topic_aliases")
        if value is None:
            return ()
        path = "community.topic_aliases"
        m = self.mapping(value, path, c.line_of("topic_aliases"), set(value) if isinstance(value, YMap) else set())
        if m is None:
            return ()
        return tuple((topic.lower(), tuple(a.lower() for a in self.texts(m, topic, path))) for topic in m)
