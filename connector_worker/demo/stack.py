"""The demo's processes, started in dependency order and stopped together: Redis, the Magento sandbox (with
webhooks), the Odoo sandbox (unless a real Odoo is given), the webhook receiver, a Celery worker and beat.

Each is a real process started from this interpreter with its own environment, as an operator would run
them: ``REDIS_URL``, ``ODOO_*``, ``CONNECTOR_CONFIG`` (an instances file written in the run's directory) and
a ``CONNECTOR_KEY_PREFIX`` unique to the run, so a rerun never sees an earlier run's keys.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from config import render
from config.celery import CeleryTuning
from config.settings import InstanceConfig, InstanceOptions, OAuthAuth, OdooSettings, Settings, load_settings
from connector_worker.demo.broker import Broker
from connector_worker.demo.processes import (
    Service,
    ServiceError,
    connector_command,
    http_ok,
    reserve_port,
    spawn,
    stop_all,
    wait_until,
)

START_ATTEMPTS = 3
READY_TIMEOUT_SECONDS = 60.0  # a cold start on a loaded 2-core box imports Celery, FastAPI, ... in each child
# Celery timings for a demo that should finish in seconds: a busy order lock or a hiccup is retried within
# a second or two (the delayed set is released every second), and beat wakes every second. The outbox relay
# never ticks during a demo: it has nothing to do in one, and in a real Odoo it would claim the outbox rows
# of the user's own instances, which the demo's worker does not know.
DEMO_TUNING_ENV = {
    "CONNECTOR_CELERY_RELEASE_DELAYED_EVERY_SECONDS": "1",
    "CONNECTOR_CELERY_RETRY_BACKOFF_BASE_SECONDS": "1",
    "CONNECTOR_CELERY_RETRY_BACKOFF_MAX_SECONDS": "5",
    "CONNECTOR_CELERY_OUTCOME_SETTLE_SECONDS": "2",
    "CONNECTOR_CELERY_BEAT_MAX_LOOP_INTERVAL_SECONDS": "1",
    "CONNECTOR_CELERY_OUTBOX_RELAY_EVERY_SECONDS": "3600",
}
# Variables of the caller's environment that would steer a child away from the demo's own settings.
_FOREIGN_PREFIXES = ("CONNECTOR_", "ODOO_", "WEBHOOK_")
_FOREIGN_NAMES = frozenset({"REDIS_URL", "LOG_FORMAT", "LOG_LEVEL"})

Say = Callable[[str], None]
# The sandbox's integration credentials, as it announces them.
OAUTH_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


@dataclass(frozen=True)
class StackOptions:
    """What to start: a sandbox Odoo unless ``odoo`` is given, an embedded Redis unless ``redis_url`` is."""

    instance: str = "demo"
    orders: int = 24
    seed: int = 3
    odoo: OdooSettings | None = None
    redis_url: str | None = None
    worker_concurrency: int = 2
    pull_interval_seconds: int = 10


@dataclass
class Stack:
    """The running processes of one demo run and the settings that reach them."""

    options: StackOptions
    run_dir: Path
    say: Say
    key_prefix: str = field(default_factory=lambda: f"demo:{uuid.uuid4().hex[:10]}:")
    webhook_secret: str = field(default_factory=lambda: uuid.uuid4().hex + uuid.uuid4().hex)
    tuning: CeleryTuning = field(default_factory=lambda: CeleryTuning.from_env(DEMO_TUNING_ENV))
    services: list[Service] = field(default_factory=list)
    settings: Settings | None = None
    env: dict[str, str] = field(default_factory=dict)
    magento: dict[str, Any] = field(default_factory=dict)
    webhook_url: str = ""
    redis_url: str = ""

    # -- start ------------------------------------------------------------------------------------------
    def start(self) -> Settings:
        """Start every process and wait until each is ready; returns the settings the children run with.

        A process that lost its port to another program in the meantime (Valkey's port scan races with any
        other Valkey starting on the machine) makes the whole start begin again, up to
        :data:`START_ATTEMPTS` times.
        """
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                return self._start_once()
            except ServiceError as exc:
                if not exc.port_taken or attempt == START_ATTEMPTS:
                    raise
                culprit = str(exc).split(";")[0]
                self.say(f"  {culprit}: its port was taken by another program meanwhile; starting again")
                self.stop()
                self.services.clear()
                self.env.clear()
        raise AssertionError("unreachable")

    def _start_once(self) -> Settings:
        # The receiver's port is reserved (bound, SO_REUSEADDR, not listening) until the receiver listens
        # on it, so no process started meanwhile can get it from the kernel.
        reservation = reserve_port()
        try:
            webhook_port = int(reservation.getsockname()[1])
            self.webhook_url = f"http://127.0.0.1:{webhook_port}/webhooks/magento/{self.options.instance}"
            self._start_shop_and_odoo()
            self._startconnector_command(webhook_port)
        finally:
            reservation.close()
        assert self.settings is not None
        return self.settings

    def _start_shop_and_odoo(self) -> None:
        """Redis, the Magento sandbox and the Odoo sandbox, started together; then the instances file."""
        redis_service = (
            None
            if self.options.redis_url
            else self._spawn("redis", _module("connector_worker.demo.redis_server"))
        )
        magento = self._spawn("magento", connector_command("sandbox", "magento", *self._magento_args()))
        odoo = (
            None
            if self.options.odoo
            else self._spawn("odoo", connector_command("sandbox", "odoo", "--port", "0"))
        )
        self.redis_url = self.options.redis_url or self._announced(redis_service, "url")["url"]
        self.say(
            f"  redis    {'embedded Valkey' if redis_service else 'REDIS_URL'} on {_safe_url(self.redis_url)}"
        )
        self.magento = self._announced(magento, "rest_url")
        self.say(
            f"  magento  Magento 2.4.7 sandbox on {self.magento['base_url']} "
            f"({self.magento['orders']} seeded orders, webhooks on)"
        )
        odoo_settings = self.options.odoo or self._odoo_sandbox(odoo)
        self.settings = self._write_config(odoo_settings)

    def _magento_args(self) -> list[str]:
        opts = self.options
        return [
            "--port", "0",
            "--seed", str(opts.seed),
            "--orders", str(opts.orders),
            "--legacy-order",
            "--instance", opts.instance,
            "--webhook-url", self.webhook_url,
            "--webhook-secret", self.webhook_secret,
        ]  # fmt: skip

    def _odoo_sandbox(self, service: Service | None) -> OdooSettings:
        found = self._announced(service, "api_key")
        self.say(f"  odoo     Odoo {found['version']} sandbox on {found['url']} (database {found['db']})")
        return OdooSettings(url=found["url"], db=found["db"], login=found["login"], api_key=found["api_key"])

    def _startconnector_command(self, webhook_port: int) -> None:
        worker_args = ["-c", str(self.options.worker_concurrency), "-n", "demo@%h"]
        worker_args += ["--without-mingle", "--without-gossip", "-l", "INFO"]
        webhook = self._spawn(
            "webhook", connector_command("webhook", "--host", "127.0.0.1", "--port", str(webhook_port))
        )
        worker = self._spawn("worker", connector_command("worker", *worker_args))
        beat = self._spawn("beat", connector_command("beat", "-l", "INFO"))
        self._wait(webhook, lambda: http_ok(f"http://127.0.0.1:{webhook_port}/readyz"), "answer /readyz")
        self.say(f"  webhook  receiver on {self.webhook_url}")
        assert self.settings is not None
        broker = Broker(self.settings, self.tuning)
        try:
            nodes = self._wait(worker, broker.workers_answering, "answer a Celery ping")
        finally:
            broker.close()
        self.say(f"  worker   Celery worker {nodes[0]} ({self.options.worker_concurrency} processes)")
        self._wait(beat, lambda: "beat: Starting" in beat.log_text(), "start (redbeat lock)")
        self.say(f"  beat     Celery beat (redbeat): a pull every {self.options.pull_interval_seconds} s")

    def _write_config(self, odoo: OdooSettings) -> Settings:
        """Write the instances file and the children's environment; load the settings back from both."""
        path = self.run_dir / "instances.toml"
        path.write_text(instances_toml(self.options, self.magento, self.webhook_secret), encoding="utf-8")
        path.chmod(0o600)
        env = child_environment(os.environ)
        env.update(DEMO_TUNING_ENV)
        env.update(REDIS_URL=self.redis_url, CONNECTOR_KEY_PREFIX=self.key_prefix, CONNECTOR_CONFIG=str(path))
        env.update(render.odoo_environment(odoo))
        self.env.update(env)
        return load_settings(self.env)

    # -- helpers ----------------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> Service:
        env = self.env or child_environment(os.environ)
        service = spawn(name, argv, env, self.run_dir, cwd=self.run_dir)
        self.services.append(service)
        return service

    @staticmethod
    def _announced(service: Service | None, key: str) -> dict[str, Any]:
        assert service is not None
        return service.read_announcement(key, READY_TIMEOUT_SECONDS)

    @staticmethod
    def _wait(service: Service, probe: Callable[[], Any], what: str) -> Any:
        return wait_until(service, probe, what, READY_TIMEOUT_SECONDS)

    def check_alive(self) -> None:
        """Raise :class:`ServiceError` naming the first process that has died."""
        for service in self.services:
            service.check_alive()

    def stop(self) -> None:
        """Stop everything: the connector's processes and the sandboxes together, Redis last."""
        others = [s for s in self.services if s.name != "redis"]
        stop_all(reversed(others))
        stop_all([s for s in self.services if s.name == "redis"])

    def leftovers(self) -> list[str]:
        """Names of processes still running after :meth:`stop` (should be none)."""
        return [s.name for s in self.services if s.alive()]


def instances_toml(options: StackOptions, magento: Mapping[str, Any], webhook_secret: str) -> str:
    """The instances file of the demo: one instance on the Magento sandbox, OAuth 1.0a, webhooks signed."""
    oauth = magento["oauth"]
    instance = InstanceConfig(
        name=options.instance,
        base_url=magento["base_url"],
        auth=OAuthAuth.model_validate({"type": "oauth", **{key: oauth[key] for key in OAUTH_KEYS}}),
        webhook_secret=SecretStr(webhook_secret),
        options=InstanceOptions(pull_interval_seconds=options.pull_interval_seconds),
    )
    return render.instances_toml([instance])


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without connector settings, plus JSON logs and unbuffered output."""
    env = {
        key: value
        for key, value in environ.items()
        if key not in _FOREIGN_NAMES and not key.startswith(_FOREIGN_PREFIXES)
    }
    env.update(LOG_FORMAT="json", LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    return env


def _module(name: str) -> list[str]:
    return [sys.executable, "-m", name]


def _safe_url(url: str) -> str:
    """``url`` without its password, for printing."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"


__all__ = ["DEMO_TUNING_ENV", "ServiceError", "Stack", "StackOptions", "child_environment", "instances_toml"]
