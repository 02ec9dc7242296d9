"""The connector's own processes in end-to-end tests: ``connector webhook`` and one-off CLI commands, run
as an operator would (the worker and beat processes come from ``tests.support.celery_worker``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CONNECTOR_BIN = Path(sys.executable).with_name("connector")
RECEIVER_START_TIMEOUT_SECONDS = 20.0


@dataclass
class Receiver:
    """``connector webhook`` running as its own process."""

    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def deliveries(self) -> list[dict[str, Any]]:
        """The receiver's JSON log lines about deliveries (one per request)."""
        found = []
        for line in self.log_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("event") == "webhook delivery":
                found.append(entry)
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_receiver(env: Mapping[str, str], port: int) -> Receiver:
    """``connector webhook`` on ``port``; returns once ``/healthz`` answers."""
    log_path = Path(tempfile.mkstemp(prefix="connector-webhook-", suffix=".log")[1])
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [str(CONNECTOR_BIN), "webhook", "--host", "127.0.0.1", "--port", str(port)],
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    receiver = Receiver(f"http://127.0.0.1:{port}", proc, log_path)
    deadline = time.monotonic() + RECEIVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{receiver.url}/healthz", timeout=1.0).status_code == 200:
                return receiver
        except httpx.HTTPError:
            time.sleep(0.05)
    receiver.stop()
    raise AssertionError(f"webhook receiver did not start; log:\n{receiver.log_text()[-3000:]}")


def run_connector(
    env: Mapping[str, str], *args: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run the ``connector`` CLI as an operator would, with the stack's environment."""
    return subprocess.run(
        [str(CONNECTOR_BIN), *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
