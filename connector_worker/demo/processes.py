"""Child processes of the demo: each in its own process group, logging to a file, stopped for sure.

A process group per child means a Ctrl-C in the terminal reaches the demo alone (it then stops the children
in order), and a stop can reach a child's own children (Celery's pool, Valkey under its wrapper) too.
Every child stays in the demo's session, so a test can check that nothing of a run outlives it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

STOP_GRACE_SECONDS = 10.0  # SIGTERM, then SIGKILL: a Celery warm shutdown finishes well within this
KILL_WAIT_SECONDS = 5.0
POLL_SECONDS = 0.05
LOG_TAIL_LINES = 25
HTTP_PROBE_TIMEOUT_SECONDS = 2.0
PORT_TAKEN = "address already in use"  # EADDRINUSE as Python, uvicorn and Valkey word it


class ServiceError(RuntimeError):
    """A child did not start, or died: the message names it and quotes the end of its log.

    ``port_taken``: its log says another process got its port first (a start that may simply be retried).
    """

    def __init__(self, message: str, *, port_taken: bool = False) -> None:
        super().__init__(message)
        self.port_taken = port_taken


@dataclass
class Service:
    """One running child process and its log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def failure(self, what: str) -> ServiceError:
        """An error saying what went wrong with this service, with its log's last lines."""
        status = "" if self.alive() else f" (exited with {self.proc.returncode})"
        return ServiceError(
            f"{self.name}: {what}{status}; log {self.log_path}:\n{self.log_tail() or '(empty)'}",
            port_taken=PORT_TAKEN in self.log_text().lower(),
        )

    def check_alive(self) -> None:
        """Raise :class:`ServiceError` when the process has exited."""
        if not self.alive():
            raise self.failure("stopped unexpectedly")

    def read_announcement(self, key: str, timeout: float) -> dict[str, Any]:
        """The first JSON object line of the log that has ``key`` (sandboxes announce where they listen)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_text().splitlines():
                found = _json_object(line)
                if found is not None and key in found:
                    return found
            if not self.alive():
                break
            time.sleep(POLL_SECONDS)
        raise self.failure(f"did not announce itself within {timeout:.0f} s")

    def running(self) -> bool:
        """The process or anything left in its group (a pool child, a server under a wrapper) still runs."""
        return self.alive() or _group_exists(self.proc.pid)

    def terminate(self) -> None:
        """SIGTERM the whole process group (a warm shutdown for Celery, a clean stop for servers)."""
        _signal_group(self.proc.pid, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL whatever is left of the process group and reap the process."""
        _signal_group(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=KILL_WAIT_SECONDS)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM the process group, wait up to ``grace``, then SIGKILL whatever is left of it."""
        stop_all([self], grace)


def stop_all(services: Iterable[Service], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every service at once, wait up to ``grace`` for all of them, then SIGKILL the rest."""
    chosen = list(services)
    for service in chosen:
        service.terminate()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(service.running() for service in chosen):
        time.sleep(POLL_SECONDS)
    for service in chosen:
        if service.running():
            service.kill()


def spawn(
    name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path, *, cwd: Path | None = None
) -> Service:
    """Start ``argv`` in a new process group (same session), stdout and stderr into ``<log_dir>/<name>.log``."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log_file:  # a new start (a retry) begins a new log
        proc = subprocess.Popen(  # noqa: S603  (argv is this interpreter and our own fixed commands)
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            process_group=0,
        )
    return Service(name, proc, log_path)


def wait_until(service: Service, probe: Callable[[], Any], what: str, timeout: float) -> Any:
    """``probe()``'s first truthy answer, asked every poll while ``service`` lives; a :class:`ServiceError`
    saying it did not ``what`` when ``timeout`` runs out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        service.check_alive()
        found = probe()
        if found:
            return found
        time.sleep(POLL_SECONDS)
    raise service.failure(f"did not {what} within {timeout:.0f} s")


def http_ok(url: str) -> bool:
    """Whether ``url`` answers 200 now (a readiness probe: ``/readyz`` of the webhook receiver)."""
    try:
        return httpx.get(url, timeout=HTTP_PROBE_TIMEOUT_SECONDS).status_code == 200
    except httpx.HTTPError:
        return False


def connector_command(*args: str) -> list[str]:
    """``connector ARGS`` with this interpreter's console script (or the same entry point via ``-c``)."""
    script = shutil.which("connector", path=str(Path(sys.executable).parent))
    if script:
        return [script, *args]
    return [sys.executable, "-c", "from connector_worker.cli.main import main; main()", *args]


def reserve_port() -> socket.socket:
    """A loopback port held by a bound, non-listening socket that lets a SO_REUSEADDR server bind it too.

    Hold it until the server listens, so no process started meanwhile gets the port from the kernel.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _json_object(line: str) -> dict[str, Any] | None:
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def _group_exists(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
