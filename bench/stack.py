"""The processes of one benchmark run: both sandboxes, the webhook receiver and the Celery worker.

Each runs as its own subprocess through the ``connector`` CLI, so the measurement pays for real sockets,
real serialization and real scheduling on the machine's cores, exactly as a deployment would. Every
process gets its own session (process group) and is stopped by its own id at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# The ``connector`` console script, run by this interpreter (the CLI module has no ``__main__``).
CONNECTOR = [sys.executable, "-c", "from connector_worker.cli.main import main; main()"]
START_TIMEOUT_SECONDS = 60.0  # a 2,000-order seed and Celery's imports take a few seconds on 2 cores
STOP_TIMEOUT_SECONDS = 15.0  # a warm Celery shutdown, then SIGKILL
POLL_SECONDS = 0.05
# Environment variables of the caller that must not leak into the processes we configure ourselves.
_OWN_PREFIXES = ("CONNECTOR_", "ODOO_", "WEBHOOK_", "LOG_")
_OWN_NAMES = frozenset({"REDIS_URL"})


class StackError(RuntimeError):
    """A process of the benchmark did not start or died; the message ends with its log tail."""


@dataclass
class Proc:
    """One subprocess of the run, with its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    out_path: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise StackError(f"{self.name} exited with {self.popen.returncode}; log tail:\n{self.log_tail()}")

    def wait_for_log(self, marker: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.log_path.read_text(encoding="utf-8", errors="replace"):
            self.check_alive()
            if time.monotonic() > deadline:
                raise StackError(f"{self.name}: {marker!r} not logged in {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(POLL_SECONDS)

    def first_json_line(self, timeout: float = START_TIMEOUT_SECONDS) -> dict[str, Any]:
        """The one JSON line a sandbox CLI prints on stdout once it listens."""
        assert self.out_path is not None
        deadline = time.monotonic() + timeout
        while True:
            text = self.out_path.read_text(encoding="utf-8", errors="replace")
            if text.endswith("\n"):
                parsed: dict[str, Any] = json.loads(text.splitlines()[0])
                return parsed
            self.check_alive()
            if time.monotonic() > deadline:
                raise StackError(f"{self.name}: no startup line in {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        """SIGTERM to the process group we created, SIGKILL if it has not exited in time."""
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without connector settings, plus ``extra`` and the repository on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_OWN_PREFIXES) and key not in _OWN_NAMES
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def spawn(
    name: str, argv: Sequence[str], env: Mapping[str, str], workdir: Path, *, stdout: bool = False
) -> Proc:
    """Start ``argv`` in its own session, stderr (and stdout unless captured) to ``<workdir>/<name>.log``."""
    log_path = workdir / f"{name}.log"
    out_path = workdir / f"{name}.out" if stdout else None
    with log_path.open("wb") as log_file:
        out_file = out_path.open("wb") if out_path else log_file
        try:
            popen = subprocess.Popen(
                list(argv),
                cwd=REPO_ROOT,
                env=dict(env),
                stdout=out_file,
                stderr=log_file,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            if out_path:
                out_file.close()
    return Proc(name, popen, log_path, out_path)


def free_port() -> int:
    """A loopback port nobody listens on right now (for the receiver, whose URL the sandbox needs first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(proc: Proc, port: int, timeout: float = START_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            proc.check_alive()
            if time.monotonic() > deadline:
                raise StackError(
                    f"{proc.name}: port {port} not open in {timeout:.0f} s:\n{proc.log_tail()}"
                ) from None
            time.sleep(POLL_SECONDS)


@dataclass
class Stack:
    """Every process of the run; ``stop()`` ends them in reverse order of start."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="connector-bench-")))
    # Every Redis key of the run lives under this prefix (queues included), so runs never meet.
    prefix: str = field(default_factory=lambda: f"bench:{uuid.uuid4().hex[:10]}:")
    procs: list[Proc] = field(default_factory=list)

    def add(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()

    def magento(
        self, *, orders: int, seed: int, token: str, webhook_url: str | None, webhook_secret: str | None
    ) -> tuple[Proc, dict[str, Any]]:
        """The Magento sandbox with ``orders`` seeded orders; the integration token works as a bearer."""
        argv = [*CONNECTOR, "sandbox", "magento", "--port", "0", "--orders", str(orders), "--seed", str(seed)]
        argv += ["--bearer-token", token, "--instance", "hooks"]
        if webhook_url and webhook_secret:
            argv += ["--webhook-url", webhook_url, "--webhook-secret", webhook_secret]
        proc = self.add(spawn("magento", argv, base_env({"LOG_LEVEL": "WARNING"}), self.workdir, stdout=True))
        return proc, proc.first_json_line()

    def odoo(self, *, api_key: str) -> tuple[Proc, dict[str, Any]]:
        """The Odoo 19 sandbox (JSON-2 with an API key, as the connector talks to Odoo 19)."""
        argv = [*CONNECTOR, "sandbox", "odoo", "--port", "0", "--version", "19", "--api-key", api_key]
        proc = self.add(spawn("odoo", argv, base_env({}), self.workdir, stdout=True))
        info = proc.first_json_line()
        wait_for_port(proc, int(str(info["url"]).rsplit(":", 1)[1]))
        return proc, info

    def webhook(self, env: Mapping[str, str], port: int) -> Proc:
        proc = self.add(spawn("webhook", [*CONNECTOR, "webhook", "--port", str(port)], env, self.workdir))
        wait_for_port(proc, port)
        return proc

    def worker(
        self,
        env: Mapping[str, str],
        *,
        pool: str,
        concurrency: int,
        queues: Sequence[str],
        ready: Callable[[], bool],
        index: int = 0,
    ) -> Proc:
        """Celery worker number ``index`` on ``queues``; returns once ``ready()`` (pings answered) says it
        consumes."""
        argv = [*CONNECTOR, "worker", "-P", pool, "-c", str(concurrency), "-Q", ",".join(queues)]
        argv += ["-n", f"bench{index or ''}@%h", "--without-mingle", "--without-gossip"]
        proc = self.add(spawn(f"worker{index or ''}", argv, env, self.workdir))
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not ready():
            proc.check_alive()
            if time.monotonic() > deadline:
                raise StackError(
                    f"worker: no answer to ping in {START_TIMEOUT_SECONDS:.0f} s:\n{proc.log_tail()}"
                )
        return proc
