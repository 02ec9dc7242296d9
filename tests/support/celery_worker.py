"""Run real Celery workers and beats as subprocesses against the test Redis (fakeredis cannot run a worker).

Every process gets the test's key prefix (so tests sharing one Redis never see each other's queues), the
short timings of :data:`TEST_TUNING` and, optionally, an instances file. Typical use::

    with celery_worker(redis_url, key_prefix) as worker:      # waits until the worker is ready
        app = make_app(Settings(redis_url=redis_url, key_prefix=key_prefix), set_as_current=False)
        app.send_task("orders.sync", kwargs={...})

``start_worker`` / ``start_beat`` return at once so several processes can boot in parallel; call
``wait_ready()`` on each, and ``stop()`` (or ``kill()``) when done. Logs go to a file (``log_text()``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from config.celery import CeleryTuning

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_APP = "tests.support.celery_app"  # the production app plus test-only tasks
READY_TIMEOUT_SECONDS = 30.0

# Timings shrunk so redelivery, retries and beat ticks happen within seconds; the invariants still hold.
TEST_TUNING = CeleryTuning(
    visibility_timeout_seconds=4,
    unacked_restore_interval_seconds=0.5,
    soft_time_limit_seconds=2,
    time_limit_seconds=3,
    worker_lost_retry_delay_seconds=0.2,
    max_retries=2,
    retry_backoff_base_seconds=0.4,
    retry_backoff_max_seconds=4.0,
    outcome_settle_seconds=1.0,
    beat_max_loop_interval_seconds=1,
    beat_lock_timeout_seconds=4,
    release_delayed_every_seconds=0.2,
    outbox_relay_every_seconds=3600.0,
)


def celery_env(
    redis_url: str,
    key_prefix: str,
    *,
    tuning: CeleryTuning = TEST_TUNING,
    config_path: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Environment of a connector process: Redis, prefix, tuning as ``CONNECTOR_CELERY_*``, JSON logs."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONNECTOR_")}
    env.update(REDIS_URL=redis_url, CONNECTOR_KEY_PREFIX=key_prefix, LOG_FORMAT="json", LOG_LEVEL="INFO")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    for name, value in vars(tuning).items():
        env[f"CONNECTOR_CELERY_{name.upper()}"] = str(value)
    if config_path is not None:
        env["CONNECTOR_CONFIG"] = str(config_path)
    env.update(extra or {})
    return env


@dataclass
class CeleryProcess:
    """One ``celery worker`` or ``celery beat`` subprocess, in its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    ready_marker: str

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until ``text`` appears in the log; fail with the log tail if the process dies or stalls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            f"{self.name}: {text!r} not logged in {timeout}s; log tail:\n{self.log_text()[-4000:]}"
        )

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> CeleryProcess:
        self.wait_for_log(self.ready_marker, timeout)
        return self

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool children), like an OOM kill of the container."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        """Warm shutdown (SIGTERM), escalating to SIGKILL after ``timeout``."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def _spawn(name: str, argv: list[str], env: Mapping[str, str], ready_marker: str) -> CeleryProcess:
    log_path = Path(tempfile.mkstemp(prefix=f"celery-{name}-", suffix=".log")[1])
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", *argv],
            cwd=REPO_ROOT,
            env=dict(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return CeleryProcess(name, proc, log_path, ready_marker)


def start_worker(
    env: Mapping[str, str],
    *,
    name: str = "w1",
    app: str = TEST_APP,
    queues: list[str] | None = None,
    concurrency: int = 1,
    pool: str = "prefork",
) -> CeleryProcess:
    """Start ``celery -A app worker`` without waiting; ``name`` becomes the node name ``name@host``."""
    argv = ["-A", app, "worker", "-n", f"{name}@%h", "-c", str(concurrency), "-P", pool]
    argv += ["--without-mingle", "--without-gossip", "-l", "INFO"]
    if queues:
        argv += ["-Q", ",".join(queues)]
    return _spawn(name, argv, env, ready_marker=" ready.")


def start_beat(env: Mapping[str, str], *, name: str = "beat", app: str = TEST_APP) -> CeleryProcess:
    """Start ``celery -A app beat`` (redbeat) without waiting; ready once it holds the beat lock."""
    argv = ["-A", app, "beat", "-l", "DEBUG"]
    return _spawn(name, argv, env, ready_marker="beat: Starting")


@contextmanager
def celery_worker(redis_url: str, key_prefix: str, **options: object) -> Iterator[CeleryProcess]:
    """A ready worker for the block (default test tuning, all queues), stopped afterwards."""
    worker = start_worker(celery_env(redis_url, key_prefix), **options)  # type: ignore[arg-type]
    try:
        yield worker.wait_ready()
    finally:
        worker.stop()


def write_instances_file(path: Path, *instances: tuple[str, Mapping[str, object]]) -> Path:
    """A minimal instances TOML (bearer auth, loopback base URL) with per-instance ``options``."""
    blocks = []
    for name, options in instances:
        lines = [
            "[[instances]]",
            f'name = "{name}"',
            f'base_url = "http://127.0.0.1:9/{name}"',
            "[instances.auth]",
            'type = "bearer"',
            'token = "test-token-not-secret"',
            "[instances.options]",
            *(f"{key} = {value!r}" for key, value in options.items()),
        ]
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def wait_until(predicate: Callable[[], T | None], timeout: float, interval: float = 0.05) -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
