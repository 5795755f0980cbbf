"""Secrets registered for redaction never reach a log line, whoever logs them and however."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

from adapters.log_redaction import REDACTED, redact_in_logs

SECRET = "pw-7f3a9c2e-never-log-me"


def test_message_args_and_exception_text_are_scrubbed() -> None:
    redact_in_logs(SECRET)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("connecting to postgresql://bot:%s@db/x", SECRET)
        try:
            raise RuntimeError(f"login failed for {SECRET}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert SECRET not in text
    assert text.count(REDACTED) == 2 and "login failed for" in text


def test_the_cli_registers_every_secret_in_the_settings() -> None:
    # A fresh interpreter: setup_logging as `meetup-bot run` calls it, then a library logs a URL.
    code = (
        "import logging; from adapters import platforms; from adapters.logging_setup import setup_logging\n"
        "from bot.config import Settings\n"
        "s = Settings.from_env({'DATABASE_URL': 'postgres://u:db-pass-123456@h/x',\n"
        "                       'SLACK_BOT_TOKEN': 'xoxb-abcdef123', 'SLACK_APP_TOKEN': 'xapp-9',\n"
        "                       'TELEGRAM_WEBHOOK_SECRET': 's3cr7'})\n"
        "setup_logging('INFO', platforms.secrets(s))\n"
        "logging.getLogger('somelib').warning('url %s token %s', s.database_url, 'xoxb-abcdef123')\n"
        "logging.getLogger('somelib').warning('app token %s, webhook secret %s', 'xapp-9', 's3cr7')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "somelib" in result.stderr
    assert "db-pass-123456" not in result.stderr and "xoxb-abcdef123" not in result.stderr
    # Short secrets too, whatever their length (a 5-character webhook secret once leaked).
    assert "app token [redacted], webhook secret [redacted]" in result.stderr
