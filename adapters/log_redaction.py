"""Keep secrets (bot tokens, the database password) out of every log record, whoever logs it.

A Telegram token is part of every Bot API URL: httpx logs each URL at INFO, python-telegram-bot
logs its base URL at DEBUG, and an exception text can quote a URL. A handler filter only
protects the handlers it sits on, and a logger filter only the records logged on that very
logger, so the redaction happens where records are made: a log record factory, installed once
per process, that rewrites any registered secret. `setup_logging` registers every secret in the
settings; adapters register their own too, so they are safe wherever they run.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

REDACTED = "[redacted]"
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact_in_logs(secret: str) -> None:
    """From now on, `secret` is replaced in every log record's message and exception text."""
    global _installed
    # Whatever its length: a short webhook secret is still a secret, and a mauled log line is
    # a smaller harm than a leaked one.
    if not secret:
        return
    with _lock:
        _secrets.add(secret)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _scrub(record: logging.LogRecord) -> None:
    # Longest first: a secret that is part of a longer one must not leave the rest of it behind.
    secrets = tuple(sorted(_secrets, key=len, reverse=True))
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's own problem to report
        return
    clean = _replace(message, secrets)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        clean_exc = _replace(text, secrets)
        if clean_exc != text:
            # Formatters print exc_text when it is set; the exception object stays for code
            # that inspects it, but its rendering no longer carries the secret.
            record.exc_text = clean_exc


def redact(text: str) -> str:
    """`text` with every registered secret replaced: for lines printed without logging."""
    return _replace(text, tuple(sorted(_secrets, key=len, reverse=True)))


def _replace(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
