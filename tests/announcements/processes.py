"""Real processes for the crash tests: the standalone fake Bot API and `meetup-bot run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT = [sys.executable, "-m", "adapters.cli", "run"]


def wait_for(predicate: Callable[[], bool], within: float, what: str, step: float = 0.02) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {within}s waiting for {what}")


class FakeApiProcess:
    """`python -m tests.fakes.telegram_api --record FILE`, on a free loopback port."""

    def __init__(self, record: Path, *, enforce_limits: bool = False) -> None:
        self.record = record
        args = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--record", str(record)]
        if enforce_limits:
            args.append("--enforce-limits")
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # bounded: the server prints it at once or dies
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"fake Bot API did not start: {line!r}")
        self.url = line.removeprefix("listening on ").strip()

    def sent(self) -> list[dict[str, object]]:
        if not self.record.exists():
            return []
        lines = self.record.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def per_chat(self) -> Counter[str]:
        return Counter(f"telegram:{m['chat_id']}" for m in self.sent())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def reminder_due_now(path: Path, title: str = "Crash Test") -> None:
    """An events file whose one meetup's reminder fell due a moment ago (within grace)."""
    start = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    path.write_text(
        f"""\
community:
  name: Crash Test Meetup
  timezone: Asia/Jerusalem
events:
  - id: crash
    title: {title}
    start: "{start.isoformat()}"
    reminders: [{{before: 2h}}]
""",
        encoding="utf-8",
    )


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("a", encoding="utf-8")
        full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL"))}
        full.update(env)
        self.proc = subprocess.Popen(
            BOT, cwd=ROOT, env=full, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode
