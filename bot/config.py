"""Settings from the environment, checked once at start. Secrets never appear in a repr or a log.

Only the core's own settings are named here. Each platform adapter reads and checks its own
settings (tokens, API URLs) from `Settings.env` (see adapters/platforms.py), so a new platform
needs no edit in `bot/`. A bad value raises `SettingsError`, whose text is one line that names
the setting; the command line prints it and exits 2.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from bot.edits.git_repo import CalendarRepo, redact_url, url_secrets

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ON, _OFF = ("on", "1", "true", "yes"), ("off", "0", "false", "no")


class SettingsError(ValueError):
    """A setting with a value the bot cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name} {problem}")
        self.name = name


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def port_setting(env: Mapping[str, str], key: str = "PORT") -> int | None:
    """A TCP port, 1-65535, or None when unset."""
    raw = env.get(key, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise SettingsError(key, f"must be a port number from 1 to 65535, got {_shown(raw)}")
    return int(raw)


def host_setting(env: Mapping[str, str], key: str = "HOST") -> str:
    """The address the HTTP server binds: 0.0.0.0 (every interface) by default, as container
    hosts need; `127.0.0.1` keeps it to this machine. An IP address or a host name."""
    raw = env.get(key, "").strip()
    if not raw:
        return "0.0.0.0"
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]  # [::1] as URLs write it
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        pass
    if not _HOSTNAME.fullmatch(raw) or raw.rsplit(".", 1)[-1].isdigit():  # 999.1.1.1: no IP, no name
        wanted = "an IP address such as 127.0.0.1 or 0.0.0.0, or a host name"
        raise SettingsError(key, f"must be {wanted}, got {_shown(raw)}")
    return raw


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # one part of a host name
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")


def url_setting(env: Mapping[str, str], key: str, *, https_only: bool = False) -> str | None:
    """An absolute http(s) URL with a host (`bot.example.org` alone is refused), or None."""
    raw = env.get(key, "").strip()
    if not raw:
        return None
    schemes = ("https",) if https_only else ("http", "https")
    wanted = "an https:// URL" if https_only else "a URL starting with http:// or https://"
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        raise SettingsError(key, f"must be {wanted}, got {_shown(raw)}") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise SettingsError(key, f"must be {wanted}, got {_shown(raw)}")
    return raw


def switch_setting(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw not in _ON + _OFF:
        raise SettingsError(key, f"must be on or off, got {_shown(raw)}")
    return raw in _ON


def log_level_setting(env: Mapping[str, str], key: str = "LOG_LEVEL") -> str:
    raw = env.get(key, "").strip().upper() or "INFO"
    if raw not in LOG_LEVELS:
        raise SettingsError(key, f"must be one of {', '.join(LOG_LEVELS)}, got {_shown(raw)}")
    return raw


def database_url(env: Mapping[str, str], default_sqlite: Path) -> str:
    """DATABASE_URL, with Heroku's `postgres://` form accepted and mapped to psycopg 3;
    a SQLite file otherwise."""
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{default_sqlite}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    # Only the scheme is ever shown: the rest of the URL can hold a password.
    if not url.startswith(("postgresql+psycopg://", "sqlite://")):
        scheme = url.partition("://")[0] if "://" in url else ""
        got = f"a {_shown(scheme)} URL" if scheme else "no scheme"
        raise SettingsError("DATABASE_URL", f"must be a postgres://, postgresql:// or sqlite:/// URL, got {got}")
    if is_in_memory_sqlite(url):
        # Every connection to it is a new, empty database, and whatever the ledger held is gone at
        # a restart, so reminders would go out again: the bot needs a database that lasts.
        raise SettingsError(
            "DATABASE_URL",
            "is an in-memory SQLite database, which keeps nothing: give a file, e.g. sqlite:///bot.sqlite3",
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a port that is not a number, or a broken [IPv6] host
        if parts.netloc.rpartition("@")[2].endswith(":"):
            raise ValueError("no port after the colon")
    except ValueError as error:
        raise SettingsError("DATABASE_URL", f"has a host or port that cannot be read ({error})") from None
    return url


def is_in_memory_sqlite(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url


@dataclass(frozen=True, slots=True)
class CalendarRepoSettings:
    """CALENDAR_REPO and its companions: the calendar lives in a git repository (issue 19)."""

    url: str = field(repr=False)  # may hold a token: never shown (redact_url)
    branch: str = "main"
    file: str = "events.yaml"  # inside the repository
    pull_seconds: float = 60.0
    workdir: Path = Path(".")  # the working folder the bot clones into and reads from

    def secrets(self) -> tuple[str, ...]:
        return url_secrets(self.url)

    def repo(self) -> CalendarRepo:
        """The working folder of the repository (nothing is fetched until someone asks)."""
        return CalendarRepo(self.url, self.branch, self.file, self.workdir)

    def repo_serving(self, path: Path) -> CalendarRepo | None:
        """The repository when `path` is its working folder's calendar (a writer of it commits and
        pushes); None for any other file (`--events`, a local copy)."""
        repo = self.repo()
        return repo if repo.path.absolute() == path.absolute() else None


# ssh's scp-like form, `git@github.com:org/calendar.git`
_SCP_LIKE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+")
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")
MAX_PULL_SECONDS = 86400
_BAD_REF = re.compile(r"(^[-/.])|(/$)|(\.\.)|(@\{)|(//)|(\.lock$)|(\.$)|(/\.)|([\x00-\x20\x7f~^:?*\[\\])")


def calendar_repo_setting(env: Mapping[str, str]) -> CalendarRepoSettings | None:
    """CALENDAR_REPO, CALENDAR_BRANCH, CALENDAR_FILE, CALENDAR_PULL_SECONDS and CALENDAR_WORKDIR,
    checked; None when CALENDAR_REPO is unset (the calendar is the local EVENTS_FILE). The
    companions are checked even then: a wrong one is one line at start, not a surprise on the day
    CALENDAR_REPO is set."""
    url = env.get("CALENDAR_REPO", "").strip()
    if url:
        _check_repo_url(url)
    branch = env.get("CALENDAR_BRANCH", "").strip() or "main"
    if _BAD_REF.search(branch) or branch == "@":
        raise SettingsError("CALENDAR_BRANCH", f"must be a git branch name such as main, got {_shown(branch)}")
    file = env.get("CALENDAR_FILE", "").strip() or "events.yaml"
    parts = PurePosixPath(file).parts
    if file.startswith(("/", "\\")) or ".." in parts or "\\" in file or not parts or parts[0] == ".git":
        wanted = "a path inside the repository such as events.yaml"
        raise SettingsError("CALENDAR_FILE", f"must be {wanted}, got {_shown(file)}")
    raw = env.get("CALENDAR_PULL_SECONDS", "").strip() or "60"
    # ASCII digits only: float() would also take "٣" or "1e308" (a fetch every 10^308 seconds)
    seconds = float(raw) if _SECONDS.fullmatch(raw) else float("nan")
    if not 0 < seconds <= MAX_PULL_SECONDS:
        wanted = f"a positive number of seconds, at most {MAX_PULL_SECONDS} (a day)"
        raise SettingsError("CALENDAR_PULL_SECONDS", f"must be {wanted}, got {_shown(raw)}")
    workdir = _workdir_setting(env)
    if not url:
        return None
    if "://" not in url and not _SCP_LIKE.fullmatch(url):  # a local path: git runs in the working folder
        url = str(Path(url).expanduser().absolute())
    if workdir is None:  # one folder per repository; the hash is of the URL without its credentials
        base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        workdir = base / "meetup-bot" / f"calendar-{hashlib.sha256(redact_url(url).encode()).hexdigest()[:12]}"
    return CalendarRepoSettings(url, branch, str(PurePosixPath(*parts)), seconds, workdir)


def _workdir_setting(env: Mapping[str, str]) -> Path | None:
    """CALENDAR_WORKDIR: a folder (made by the first clone), or None for the default."""
    raw = env.get("CALENDAR_WORKDIR", "").strip()
    if not raw:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise SettingsError("CALENDAR_WORKDIR", f"must be a folder path without control characters, got {_shown(raw)}")
    path = Path(raw).expanduser()
    for at in (path, *path.parents):  # the nearest part that exists must be a folder to clone into
        try:
            if not (at.exists() or at.is_symlink()):
                continue
        except OSError:  # unreadable: the clone says why
            break
        if not at.is_dir():
            where = "" if at == path else f" ({at} is not)"
            raise SettingsError("CALENDAR_WORKDIR", f"must be a folder to clone into, got {_shown(raw)}{where}")
        break
    return path


def _check_repo_url(url: str) -> None:
    shown = _shown(redact_url(url))  # the URL's user-info (a token) is never echoed
    wanted = "a git URL (https://…, ssh://…, git@host:path, file://… or a local path)"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise SettingsError("CALENDAR_REPO", f"must be {wanted} without spaces, got {shown}")
    if "://" in url:
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError:
            raise SettingsError("CALENDAR_REPO", f"has a host or port that cannot be read, got {shown}") from None
        if parts.scheme not in ("https", "http", "ssh", "git+ssh", "file"):
            raise SettingsError("CALENDAR_REPO", f"must be {wanted}, got {shown}")
        if not (parts.hostname if parts.scheme != "file" else parts.path.strip("/")):
            raise SettingsError("CALENDAR_REPO", f"must be {wanted} with a host and a path, got {shown}")
        return
    if _SCP_LIKE.fullmatch(url) or url.startswith(("/", "./", "../", "~")) or ":" not in url:
        return
    raise SettingsError("CALENDAR_REPO", f"must be {wanted}, got {shown}")


@dataclass(frozen=True, slots=True)
class Settings:
    events_file: Path = Path("events.yaml")
    log_level: str = "INFO"
    # HTTP (webhooks, feeds, health)
    port: int | None = None
    host: str = "0.0.0.0"  # HOST: the address to bind; 127.0.0.1 for this machine only
    public_url: str | None = None
    # Store and announcements
    database_url: str = field(default="sqlite:///meetup-bot.sqlite3", repr=False)
    announce_chats: tuple[str, ...] | None = None  # None: use events.yaml's community.announce
    organisers: tuple[str, ...] | None = None  # None: use events.yaml's community.organisers
    scheduler_enabled: bool = True
    # The calendar in a git repository (CALENDAR_REPO…); None: the local events_file as it is.
    calendar_repo: CalendarRepoSettings | None = None
    # User keys (`platform:id`) of platform service accounts that stand for no one person (a
    # platform's anonymous admin, say): never trusted as an organiser. Adapters declare them.
    service_accounts: frozenset[str] = frozenset()
    # The environment the settings came from: each platform adapter reads its own from it.
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every core setting; raises SettingsError naming the first bad one."""
        env = dict(os.environ if env is None else env)
        announce = env.get("ANNOUNCE_CHATS")
        organisers = env.get("ORGANISERS", "").strip() or None  # empty: events.yaml's, as when unset
        if organisers is not None and not _csv(organisers):  # "," would silently make nobody an organiser
            raise SettingsError("ORGANISERS", f"has no entry, such as console:local, got {_shown(organisers)}")
        public_url = url_setting(env, "PUBLIC_URL")
        return cls(
            events_file=Path(env.get("EVENTS_FILE") or "events.yaml"),
            log_level=log_level_setting(env),
            port=port_setting(env),
            host=host_setting(env),
            public_url=public_url.rstrip("/") if public_url else None,
            database_url=database_url(env, Path(env.get("SQLITE_PATH") or "meetup-bot.sqlite3")),
            announce_chats=_csv(announce) if announce is not None else None,
            organisers=_csv(organisers) if organisers is not None else None,
            scheduler_enabled=switch_setting(env, "SCHEDULER", True),
            calendar_repo=calendar_repo_setting(env),
            env=env,
        )

    def secrets(self) -> tuple[str, ...]:
        """The core's secrets (the database password), for log redaction; adapters add theirs."""
        password = urlsplit(self.database_url).password
        repo = self.calendar_repo.secrets() if self.calendar_repo else ()
        return ((password,) if password else ()) + repo
