"""Where a command reads the calendar: the one function every subcommand asks.

`--events`/`--file` when given; else, with CALENDAR_REPO set, the working folder's copy, cloned
or fetched now (under the writer's lock, so never in the middle of a running bot's edit); else
EVENTS_FILE, or events.yaml.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from adapters.log_redaction import redact_in_logs
from bot.calendar.loader import CalendarError, load_calendar_data, parse_calendar
from bot.config import CalendarRepoSettings, Settings, calendar_repo_setting
from bot.edits.git_repo import CalendarRepo

log = logging.getLogger(__name__)


def calendar_path(explicit: str | None, env: Mapping[str, str] | None = None) -> Path:
    """The events file to read. Raises SettingsError (a bad CALENDAR_* setting) or GitError (the
    repository cannot be fetched; one line, credentials redacted)."""
    if explicit:
        return Path(explicit)
    env = os.environ if env is None else env
    settings = calendar_repo_setting(env)
    if settings is None:
        return Path(env.get("EVENTS_FILE") or "events.yaml")
    return checkout(settings).path


def checkout(settings: CalendarRepoSettings) -> CalendarRepo:
    """Clone or fetch CALENDAR_REPO into its working folder, reset to the remote branch."""
    for secret in settings.secrets():
        redact_in_logs(secret)
    from bot.edits.writer import CalendarWriter  # the calendar's model: only when there is a repository

    repo = settings.repo()
    CalendarWriter(repo.path, repo=repo).pull_now()
    repo.check_file()  # a wrong CALENDAR_FILE is named, not the working folder's missing copy
    return repo


def run_settings(settings: Settings, events: str | None) -> Settings:
    """`run`'s settings: `--events` names a local file (and turns CALENDAR_REPO off); else with
    CALENDAR_REPO the events file is the working folder's copy, fetched now."""
    if events:
        return replace(settings, events_file=Path(events), calendar_repo=None)
    if settings.calendar_repo is None:
        return settings
    repo = checkout(settings.calendar_repo)
    serve_last_good(repo)
    return replace(settings, events_file=repo.path)


def serve_last_good(repo: CalendarRepo) -> None:
    """A (re)start on a broken push: the working copy goes back to the newest commit whose
    calendar loads, as a running bot keeps its last good calendar; the first fetch then tells the
    organisers about the broken one. With no good commit, `run` reports the errors and stops."""
    try:
        load_calendar_data(repo.path, cache=False)
        return
    except CalendarError:
        pass

    def valid(text: str) -> bool:
        try:
            parse_calendar(text, repo.file)
        except CalendarError:
            return False
        return True

    good = repo.last_good(valid)
    if good is not None:
        repo.checkout(good)
        log.error("%s on %s has errors; serving its last good version, %s", repo.file, repo.branch, repo.describe(good))


def repo_for(path: Path, env: Mapping[str, str] | None = None) -> CalendarRepo | None:
    """The CALENDAR_REPO working folder whose calendar `path` is, if it is one (a writer pushes
    there); None for a local file."""
    settings = calendar_repo_setting(os.environ if env is None else env)
    return settings.repo_serving(path) if settings else None
