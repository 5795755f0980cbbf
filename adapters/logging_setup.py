"""Logging for the whole process: one format, and secrets redacted from every record.

The httpx logger prints each request's full URL at INFO, and a Telegram Bot API URL contains
the bot token, so it is held at WARNING; the redaction (`adapters.log_redaction`, applied where
records are made) is the second line of defence and covers every secret in the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from adapters.log_redaction import redact_in_logs

NOISY = ("httpx", "httpcore", "apscheduler.executors", "telegram.ext.Updater", "slack_bolt", "aiohttp.access")


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Configure the root logger and register every secret for redaction."""
    for secret in secrets:
        redact_in_logs(secret)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).getEffectiveLevel()))
