"""The suite never depends on the working tree's events.yaml (issue 20, item 8): a user's /accept
in the checkout once failed 24 tests. tests/conftest.py points every test at a frozen copy and
fails a test that opens the real file, in pytest or in any Python process a test starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SHIPPED_EVENTS, WORKING_TREE_EVENTS
from tests.events_guard import sitecustomize as events_guard

# Tests that read the shipped calendar in every way there is: in pytest (its meetups, its text),
# and through the CLI in subprocesses started in the checkout (`check` and `export` with no file).
READERS = [
    "tests/core/test_shipped_events.py::test_shipped_events_validate",
    "tests/core/test_cli.py",
    "tests/archive/test_export.py",
]


def test_the_shipped_calendar_of_the_tests_is_a_copy() -> None:
    assert SHIPPED_EVENTS.resolve() != WORKING_TREE_EVENTS.resolve()
    assert not SHIPPED_EVENTS.is_relative_to(ROOT)
    assert os.environ["EVENTS_FILE"] == str(SHIPPED_EVENTS)  # what `run` and `check` default to here


def test_a_process_that_opens_the_working_tree_events_yaml_is_caught(tmp_path: Path) -> None:
    """A process started in the checkout reading ./events.yaml (here: `check` with EVENTS_FILE
    unset) is logged by the guard every test process loads; the log here is the test's own, so
    this test is not the one failed."""
    log = tmp_path / "opened.log"
    env = {k: v for k, v in os.environ.items() if k != "EVENTS_FILE"} | {events_guard.LOG: str(log)}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr  # whatever the file holds now: not the point
    [line] = log.read_text(encoding="utf-8").splitlines()
    assert "opened it (mode 'r')" in line and line.endswith("adapters/cli.py check")


def test_the_readers_pass_with_the_working_tree_events_yaml_broken(tmp_path: Path) -> None:
    """The suite as it would run in a checkout whose events.yaml a user broke: the code and the
    config are the checkout's (linked), the tests a copy (so their ROOT is this folder), and
    events.yaml is not even YAML. The readers pass, and none opened it."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("bot", "adapters", "pyproject.toml"):
        (checkout / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "tests", checkout / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    broken = "community: [this is : not {valid\n"
    (checkout / "events.yaml").write_text(broken, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("EVENTS_FILE", "PYTHONPATH", events_guard.LOG)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *READERS],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
    assert (checkout / "events.yaml").read_text(encoding="utf-8") == broken
