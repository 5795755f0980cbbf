"""Start-up: process start to the first answer to /next over Telegram, and peak memory, beside a
bare python-telegram-bot bot that answers /next with a constant, measured in the same run.

Both run as their own process against the fake Bot API (tests/fakes/telegram_api.py, its own
process too), with the /next message already waiting when they start: the time is from the
process start until the fake has the answer, with every module already compiled (a warm-up run
of each fills a bytecode cache of the bench's own). Ours is `meetup-bot run` as deployed (Telegram
mode, the test calendar, a SQLite ledger, the calendar cache off); peak RSS is VmHWM. Then
SIGTERM, and the time until the process has exited. The store is at this release's schema when
each timed run starts (the warm-up made it), as at any restart: `run` then answers before it
loads SQLAlchemy (bot/store/deferred.py). With --database-url, ours uses that database instead
(PostgreSQL: the store opens before the first answer, through SQLAlchemy; tables of the bench's
own, in a schema it makes and drops).

    .venv/bin/python bench/start.py [--runs N] [--database-url postgresql://...]

Targets: start to answer <= 1.3x the bare bot (SQLite; issue 24); peak RSS <= 100 MiB and
<= 1.5x the bare bot; exit after SIGTERM <= 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from tests.fakes.telegram_api import spawn

TOKEN = "123456:BENCH-start"
EVENTS = ROOT / "tests" / "telegram" / "events.yaml"
BARE = """
import sys
from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("The next meetup is on Tuesday.")

app = ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2] + "/bot").job_queue(None).build()
app.add_handler(CommandHandler("next", answer))
app.run_polling(timeout=1)
"""


# SQLAlchemy's import on top of PTB's (what they share counted once), as `run` does it for SQLite:
# off the first answer's path on SQLite, on it with PostgreSQL.
SQLALCHEMY = """
import time
import telegram.ext
began = time.perf_counter()
import sqlalchemy, sqlalchemy.dialects.sqlite
print(time.perf_counter() - began)
"""


async def import_seconds(code: str, env: dict[str, str]) -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=env, stdout=asyncio.subprocess.PIPE
    )  # fmt: skip
    out, _ = await process.communicate()
    return float(out.decode().strip())


def post(url: str, data: object) -> None:
    request = urllib.request.Request(
        url, json.dumps(data).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_start(command: list[str], env: dict[str, str], workdir: Path) -> tuple[float, float, float]:
    """(seconds to the first answer, peak RSS MiB, seconds from SIGTERM to exit)."""
    record = workdir / "sent.jsonl"
    record.unlink(missing_ok=True)
    fake, url = await spawn(record)
    try:
        await asyncio.to_thread(post, f"{url}/_fake/updates", {"text": "/next", "chat_id": 4242})
        began = time.perf_counter()
        bot = await asyncio.create_subprocess_exec(
            *command, url, env={**env, "TELEGRAM_API_URL": url}, cwd=workdir,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        while not (record.exists() and record.stat().st_size):  # the fake appends each send
            if bot.returncode is not None:
                raise RuntimeError(f"{command} exited with {bot.returncode} before answering")
            await asyncio.sleep(0.002)
        answered = time.perf_counter() - began
        rss = peak_rss_mib(bot.pid)
        stop = time.perf_counter()
        bot.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(bot.wait(), 30)
        except TimeoutError:
            bot.kill()
            await bot.wait()
        stopped = time.perf_counter() - stop
        return answered, rss, stopped
    finally:
        fake.kill()
        await fake.wait()


async def run(runs: int, workdir: Path, database_url: str | None = None) -> int:
    python = sys.executable
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "PORT"))}
    # Compiled modules as a deployment has them (pip compiles what it installs; our sources are
    # compiled by the warm-up runs), in a cache of the bench's own: nothing written to the tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    ours_env = {
        **env,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "EVENTS_FILE": str(EVENTS),
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bot.sqlite3'}",
        "MEETUP_BOT_CACHE": "off",
        "PYTHONPATH": str(ROOT),
    }
    # `meetup-bot run`, with the API URL it is given last (the same argument the bare bot takes).
    ours = [python, "-c", "import sys; from adapters.cli import main; sys.argv[1:] = []; sys.exit(main(['run']))"]
    bare = [python, "-c", BARE, TOKEN]
    results: dict[str, list[tuple[float, float, float]]] = {"bare": [], "ours": []}
    await one_start(bare, env, workdir)  # warm the page cache for both: imports from disk once
    await one_start(ours, ours_env, workdir)
    for _ in range(runs):  # interleaved, so that a busy moment on the machine hits both
        results["bare"].append(await one_start(bare, env, workdir))
        results["ours"].append(await one_start(ours, ours_env, workdir))
    med = {name: [statistics.median(r[i] for r in rows) for i in range(3)] for name, rows in results.items()}
    (bare_s, bare_rss, bare_stop), (ours_s, ours_rss, ours_stop) = med["bare"], med["ours"]
    store = "PostgreSQL" if database_url else "SQLite"
    print(
        f"start -> first /next answer over Telegram, {store} store, median of {runs} (load {os.getloadavg()[0]:.1f}):"
    )
    print(f"  bare PTB bot:      {bare_s:.3f} s   peak RSS {bare_rss:5.1f} MiB   SIGTERM -> exit {bare_stop:.2f} s")
    print(f"  meetup-bot run:    {ours_s:.3f} s   peak RSS {ours_rss:5.1f} MiB   SIGTERM -> exit {ours_stop:.2f} s")
    ratio_s, ratio_rss = ours_s / bare_s, ours_rss / bare_rss
    by_run = ", ".join(f"{o[0] / b[0]:.2f}" for o, b in zip(results["ours"], results["bare"], strict=True))
    target = 1.5 if database_url else 1.3
    paired = statistics.median(o[0] / b[0] for o, b in zip(results["ours"], results["bare"], strict=True))
    print(f"  ratio start:       {ratio_s:.2f} (target <= {target}); median of the paired runs' ratios {paired:.2f}")
    print(f"                     run by run (ours / the bare bot just before it): {by_run}")
    # SQLite: the first card's count is read with the standard library, SQLAlchemy loads after the
    # answer. PostgreSQL: the store, and SQLAlchemy, are on the way to it.
    store_s = statistics.median([await import_seconds(SQLALCHEMY, env) for _ in range(runs)])
    where = "on the first answer's path" if database_url else "after the first answer, not on its path"
    print(
        f"  SQLAlchemy's import alone: {store_s:.3f} s ({where});"
        f" the bare bot plus that alone is {(bare_s + store_s) / bare_s:.2f}x"
    )
    print(f"  ratio peak RSS:    {ratio_rss:.2f} (target <= 1.5; and <= 100 MiB)")
    ok = ratio_s <= target and ratio_rss <= 1.5 and ours_rss <= 100 and ours_stop <= 2.0
    print("  result:            " + ("OK" if ok else "BELOW TARGET"))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="PostgreSQL for ours (a schema of the bench's own in it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="start-") as tmp:
        if not args.database_url:
            return asyncio.run(run(args.runs, Path(tmp)))
        with bench_schema(args.database_url) as url:
            return asyncio.run(run(args.runs, Path(tmp), url))


@contextlib.contextmanager
def bench_schema(url: str) -> Iterator[str]:
    """`url` with a schema of the bench's own first on its search path; dropped afterwards."""
    from sqlalchemy import create_engine, text

    from bot.config import database_url

    url = database_url({"DATABASE_URL": url}, Path("unused"))  # the driver `run` uses
    schema = f"bench_start_{os.getpid()}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
