"""Start-up imports only what the chosen mode uses (issue 13), and the first answer over Telegram
only what it needs (issue 24): measured in a real `meetup-bot run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.store.store import Store
from tests.conftest import ROOT, SHIPPED_EVENTS

# Runs `meetup-bot run` as the console script does; the console ends at EOF on stdin, and then
# the modules the process loaded are printed.
PROBE = """
import sys
from adapters.cli import main
code = main(["run"])
print("LOADED", " ".join(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[1:])))
sys.exit(code)
"""
HEAVY = ("slack_bolt", "slack_sdk", "aiohttp", "icalendar", "jinja2", "telegram", "sqlalchemy", "alembic")


def loaded_by_run(env: dict[str, str]) -> set[str]:
    """The modules of HEAVY's packages that `run` loaded, by their full names."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "PORT", "DATABASE_URL"))}
    clean.update(env, EVENTS_FILE=str(SHIPPED_EVENTS), MEETUP_BOT_CACHE="off")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=clean,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("LOADED")]
    return set(line.split()[1:])


def test_console_mode_imports_no_platform_and_no_web_server(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    store.create()  # a restart: a first start also loads Alembic, and with it every dialect, once
    store.close()
    loaded = loaded_by_run({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"})
    packages = {name.split(".")[0] for name in loaded}
    assert packages.isdisjoint({"slack_bolt", "slack_sdk", "aiohttp", "telegram"}), packages
    assert packages.isdisjoint({"icalendar", "jinja2"}), packages  # feeds and pages: only with PORT
    # PostgreSQL's dialect package loads its drivers' modules: only for a PostgreSQL store.
    assert "sqlalchemy.dialects.sqlite" in loaded
    assert not any(name.startswith("sqlalchemy.dialects.postgresql") for name in loaded)


def test_a_database_at_the_newest_revision_starts_without_alembic(tmp_path: Path) -> None:
    """Alembic (about 135 ms of imports) loads only when the schema must be upgraded."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    assert any(name.startswith("alembic") for name in loaded_by_run(env))  # a new database: migrated
    assert not any(name.startswith("alembic") for name in loaded_by_run(env))


def test_the_command_line_imports_only_the_named_subcommand() -> None:
    heavy = ["adapters.app", "adapters.schedule_command", "adapters.archive_cli", "sqlalchemy", "aiohttp", "icalendar"]
    code = (
        "import sys; from adapters.cli import build_parser; build_parser(['check'])\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# The packages that may load before the first answer over Telegram, on an up-to-date SQLite
# store: python-telegram-bot with what it loads itself (its HTTP client httpx and that one's
# parts, aiolimiter for its rate limiter; APScheduler, tornado, pytz and tzlocal for its job
# queue, which the bare bot loads too), PyYAML for the calendar (and cython_runtime, its C part's),
# typing_extensions. Not SQLAlchemy or Alembic (the store opens once the adapters have started:
# bot/store/deferred.py), nor what only some commands use (qrcode and Pillow for check-in codes,
# icalendar, Jinja2, aiohttp for the web server, the Slack SDKs).
BEFORE_FIRST_ANSWER = frozenset(
    {"telegram", "httpx", "httpcore", "h11", "anyio", "sniffio", "certifi", "idna", "aiolimiter"}
    | {"apscheduler", "tornado", "pytz", "tzlocal", "yaml", "cython_runtime", "typing_extensions"}
)
# `meetup-bot run` in Telegram mode, with SQLAlchemy's import held back until its first sendMessage
# has left (httpx is PTB's client: observed, not changed): had anything on the way to the first
# answer needed SQLAlchemy, the answer would wait for the hold, which gives up after 60 s. It
# prints the modules loaded when the answer left, and whether the hold ended by the answer.
TELEGRAM_PROBE = """
import importlib.util, sys, threading, httpx
answered, before, held = threading.Event(), [], []

class Held:  # runs SQLAlchemy's package module once the answer has left (its own lock only)
    def __init__(self, loader):
        self.loader = loader
    def create_module(self, spec):
        return self.loader.create_module(spec)
    def exec_module(self, module):
        held.append(answered.wait(60))
        self.loader.exec_module(module)

class HoldSQLAlchemy:
    def find_spec(self, name, path=None, target=None):
        if name != "sqlalchemy":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        spec.loader = Held(spec.loader)
        return spec

sys.meta_path.insert(0, HoldSQLAlchemy())
send = httpx.AsyncClient.send
async def observed(self, request, **kwargs):
    if request.url.path.endswith("/sendMessage") and not answered.is_set():
        before.extend(sorted(m for m in sys.modules if m != "sqlalchemy"))  # held: made, not run
        answered.set()
    return await send(self, request, **kwargs)
httpx.AsyncClient.send = observed
from adapters.cli import main
code = main(["run"])
print("BEFORE", " ".join(before))
print("HELD", " ".join(map(str, held)) or "-")
print("AFTER", " ".join(sorted(sys.modules)))
sys.exit(code)
"""


def _fake_bot_api(record: Path) -> tuple[subprocess.Popen[str], str]:
    """The fake Bot API (tests/fakes/telegram_api.py) in its own process, recording every send."""
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--record", str(record)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert fake.stdout is not None
    line = fake.stdout.readline()
    assert line.startswith("listening on "), line
    return fake, line.strip().removeprefix("listening on ")


def _first_answer(url: str, record: Path, env: dict[str, str]) -> tuple[set[str], set[str]]:
    """The modules `run` had loaded when its first answer left (/next waits for it at the fake),
    and by the time it stopped."""
    body = json.dumps({"text": "/next", "chat_id": 4242}).encode()
    request = urllib.request.Request(f"{url}/_fake/updates", body, {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()
    bot = subprocess.Popen(
        [sys.executable, "-c", TELEGRAM_PROBE], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        while not (record.exists() and record.stat().st_size):  # the fake appends each send it gets
            assert bot.poll() is None, bot.communicate()
            time.sleep(0.01)
    finally:
        bot.send_signal(signal.SIGTERM)
        out, err = bot.communicate(timeout=60)
    assert bot.returncode == 0, out + err
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line.startswith(("BEFORE ", "HELD ", "AFTER ")))
    assert lines["HELD"].split() in (["True"], ["-"]), lines["HELD"]  # never waited out: the answer came first
    return set(lines["BEFORE"].split()), set(lines["AFTER"].split())


def test_the_first_answer_over_telegram_needs_no_sqlalchemy(tmp_path: Path) -> None:
    record = tmp_path / "sent.jsonl"
    database = tmp_path / "bot.sqlite3"
    store = Store(f"sqlite:///{database}")
    store.create()  # a restart: the store is at this release's schema
    store.close()
    fake, url = _fake_bot_api(record)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "PORT", "DATABASE_URL"))}
    env = {
        **clean,
        "TELEGRAM_BOT_TOKEN": "123456:start-imports",
        "TELEGRAM_API_URL": url,
        "EVENTS_FILE": str(ROOT / "tests" / "telegram" / "events.yaml"),
        "DATABASE_URL": f"sqlite:///{database}",
        "MEETUP_BOT_CACHE": "off",
    }
    try:
        before, after = _first_answer(url, record, env)
    finally:
        fake.kill()
        fake.wait()
    packages = {name.split(".")[0] for name in before}
    third_party = {
        p
        for p in packages - set(sys.stdlib_module_names) - {"bot", "adapters", "sitecustomize", "usercustomize"}
        if not p.startswith("_")
    }
    assert third_party <= BEFORE_FIRST_ANSWER, third_party - BEFORE_FIRST_ANSWER
    assert not {"sqlalchemy", "alembic"} & packages
    assert "bot.store.hot_reads" in before  # the count came through the standard library's sqlite3
    assert "2027-03-02-escaping" in record.read_text()  # and the answer was the card, buttons and all
    assert "sqlalchemy" in after  # the store was opened after it
