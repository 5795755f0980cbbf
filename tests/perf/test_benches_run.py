"""The benches still run: each, with the smallest work, exits 0 and prints its ratio lines.

No figure is checked here (figures are for the benches themselves, on a quiet machine): only
that a change to the code they drive has not broken them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bench(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_telegram_bench_runs_every_bot_and_prints_every_ratio() -> None:
    out = run_bench("telegram.py", "--updates", "40", "--rounds", "2", "--slices", "2", "--chats", "5", "--bots", "all")
    for line in ("ours vs fair ", "ours vs lean ", "ours vs same work", "ours vs bare", "noise floor"):
        assert line in out, out
    assert "by round: rate" in out
