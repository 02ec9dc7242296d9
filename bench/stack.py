"""The processes of one benchmark run: both sandboxes, the webhook receiver and the Celery worker.

Each runs as its own subprocess through the ``connector`` CLI, so the measurement pays for real sockets,
real serialization and real scheduling on the machine's cores, exactly as a deployment would. Starting,
watching and stopping them is the demo's (``connector_worker.demo.processes``): each child in its own
process group, logging to a file in the run's directory, stopped for sure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector_worker.demo.processes import Service, connector_command, http_ok, spawn, stop_all, wait_until
from connector_worker.demo.stack import child_environment

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 60.0  # a 2,000-order seed and Celery's imports take a few seconds on 2 cores


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without connector settings (the demo's rule), plus ``extra``."""
    env = child_environment(os.environ)
    env.update(extra)
    return env


@dataclass
class Stack:
    """Every process of the run; ``stop()`` ends them together."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="connector-bench-")))
    # Every Redis key of the run lives under this prefix (queues included), so runs never meet.
    prefix: str = field(default_factory=lambda: f"bench:{uuid.uuid4().hex[:10]}:")
    procs: list[Service] = field(default_factory=list)

    def spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Service:
        service = spawn(name, argv, env, self.workdir, cwd=REPO_ROOT)
        self.procs.append(service)
        return service

    def stop(self) -> None:
        stop_all(reversed(self.procs))
        self.procs.clear()

    def magento(
        self, *, orders: int, seed: int, token: str, webhook_url: str | None, webhook_secret: str | None
    ) -> tuple[Service, dict[str, Any]]:
        """The Magento sandbox with ``orders`` seeded orders; the integration token works as a bearer."""
        argv = ["--port", "0", "--orders", str(orders), "--seed", str(seed), "--bearer-token", token]
        argv += ["--instance", "hooks"]
        if webhook_url and webhook_secret:
            argv += ["--webhook-url", webhook_url, "--webhook-secret", webhook_secret]
        env = base_env({"LOG_LEVEL": "WARNING"})
        proc = self.spawn("magento", connector_command("sandbox", "magento", *argv), env)
        return proc, proc.read_announcement("rest_url", START_TIMEOUT_SECONDS)

    def odoo(self, *, api_key: str) -> tuple[Service, dict[str, Any]]:
        """The Odoo 19 sandbox (JSON-2 with an API key, as the connector talks to Odoo 19)."""
        argv = ["--port", "0", "--version", "19", "--api-key", api_key]
        proc = self.spawn("odoo", connector_command("sandbox", "odoo", *argv), base_env({}))
        return proc, proc.read_announcement("api_key", START_TIMEOUT_SECONDS)

    def webhook(self, env: Mapping[str, str], port: int) -> Service:
        proc = self.spawn("webhook", connector_command("webhook", "--port", str(port)), env)
        ready = f"http://127.0.0.1:{port}/readyz"
        wait_until(proc, lambda: http_ok(ready), "answer /readyz", START_TIMEOUT_SECONDS)
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
    ) -> Service:
        """Celery worker number ``index`` on ``queues``; returns once ``ready()`` (pings answered) says it
        consumes."""
        argv = ["worker", "-P", pool, "-c", str(concurrency), "-Q", ",".join(queues)]
        argv += ["-n", f"bench{index or ''}@%h", "--without-mingle", "--without-gossip"]
        proc = self.spawn(f"worker{index or ''}", connector_command(*argv), env)
        wait_until(proc, ready, "answer a Celery ping", START_TIMEOUT_SECONDS)
        return proc
