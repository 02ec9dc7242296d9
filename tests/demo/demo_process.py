"""Run ``connector demo`` as a user would, in a session of its own, and look at what it leaves behind.

The demo starts in a new session, so every process it starts (they keep its session) can be found in
``/proc`` afterwards; its temporary directory is the test's (``TMPDIR``), so kept logs stay there too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO_TIMEOUT_SECONDS = 150.0
REAP_WAIT_SECONDS = 5.0  # an orphan is a zombie until init reaps it
# Lines where the demo says where a process it started listens ("  magento  ... on http://127.0.0.1:PORT").
SERVICE_LINE = re.compile(
    r"^  (redis|magento|odoo|webhook) .* on (?:redis|https?)://127\.0\.0\.1:(\d+)", re.M
)


@dataclass
class DemoRun:
    """A finished (or interrupted) demo: its exit status, everything it printed, its summary file."""

    returncode: int
    stdout: str
    stderr: str
    session: int
    summary_path: Path

    @property
    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.summary_path.read_text(encoding="utf-8"))
        return data

    def ports(self) -> dict[str, int]:
        """Port of each process the demo started and announced."""
        return {name: int(port) for name, port in SERVICE_LINE.findall(self.stdout)}


def connector_command() -> list[str]:
    script = Path(sys.executable).parent / "connector"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from connector_worker.cli.main import main; main()"]


def demo_environment(tmp_path: Path, redis_url: str | None) -> dict[str, str]:
    """This environment without connector settings; ``REDIS_URL`` only when given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "REDIS_URL" and not key.startswith(("CONNECTOR_", "ODOO_"))
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    env.update(TMPDIR=str(tmp_path), PYTHONUNBUFFERED="1")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def start_demo(
    args: Sequence[str], env: Mapping[str, str], tmp_path: Path
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """Start the demo in a new session; returns the process and the files its stdout and stderr go to."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    out, err = tmp_path / "demo.out", tmp_path / "demo.err"
    summary = tmp_path / "summary.json"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [*connector_command(), "demo", "--summary-json", str(summary), *args],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
    return proc, out, err


def finish(proc: subprocess.Popen[bytes], tmp_path: Path, timeout: float = DEMO_TIMEOUT_SECONDS) -> DemoRun:
    """Wait for the demo; a demo that hangs is killed with its whole session and the test fails."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_session(proc.pid)
        proc.wait()
        raise AssertionError(
            f"the demo did not finish in {timeout} s:\n{read(tmp_path / 'demo.out')}"
        ) from None
    return DemoRun(
        proc.returncode,
        read(tmp_path / "demo.out"),
        read(tmp_path / "demo.err"),
        proc.pid,
        tmp_path / "summary.json",
    )


def run_demo(args: Sequence[str], *, tmp_path: Path, redis_url: str | None = None) -> DemoRun:
    proc, _, _ = start_demo(args, demo_environment(tmp_path, redis_url), tmp_path)
    return finish(proc, tmp_path)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def session_processes(session: int) -> list[str]:
    """``pid command`` of every live process of ``session`` (zombies awaiting init are waited out)."""
    deadline = time.monotonic() + REAP_WAIT_SECONDS
    while True:
        found = _live_in_session(session)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _live_in_session(session: int) -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[3]) == session and fields[0] != "Z":
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{stat.parent.name} {cmdline.strip()}")
    return found


def kill_session(session: int) -> None:
    """SIGKILL every process left in ``session`` (cleanup after a failed test only)."""
    for line in _live_in_session(session):
        pid = int(line.split()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def kept_run_dirs(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("connector-demo-*"))


def remove_kept(tmp_path: Path) -> None:
    for path in kept_run_dirs(tmp_path):
        shutil.rmtree(path, ignore_errors=True)
