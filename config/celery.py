"""Celery settings for the connector, each with the reason for its value.

The numbers come from measurements of Celery 5.7 / kombu 5.7 on Redis (``reference/celery.md``; section
numbers below point into it). Timing knobs live in :class:`CeleryTuning` so tests and operators can shrink
or stretch them together while the invariants between them (checked on construction) keep holding.
Every process (workers, beat, Flower, the webhook producer) must load the same values: kombu's restore
sweep uses the *scanning* process's visibility timeout (§1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from config.settings import ConfigError, Settings
from connector_worker import task_names
from connector_worker.redis_keys import (
    ALL_QUEUES,
    QUEUE_CONTROL,
    QUEUE_PULL,
    QUEUE_PUSH,
    QUEUE_WEBHOOK,
    RedisKeys,
)

ENV_PREFIX = "CONNECTOR_CELERY_"
# Timeouts of every Redis socket Celery opens (broker, results, beat): an external call always has one.
REDIS_SOCKET_TIMEOUT_SECONDS = 30  # longer than the 1 s BRPOP poll, short enough to notice a dead peer
REDIS_CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class CeleryTuning:
    """Timing knobs; field ``x`` can be set from the environment as ``CONNECTOR_CELERY_<X>``."""

    # A message fetched but not acked for this long is handed to another worker (kombu's restore sweep).
    # It bounds how fast a SIGKILLed worker's task comes back, so it is short; a copy of a task that outlives
    # it is harmless (per-order lock + Odoo unique key), and no retry ever waits in a worker (see delayed.py).
    visibility_timeout_seconds: int = 30
    # How often every worker sweeps for expired unacked messages (kombu 5.7, throttle forced to 1, §1).
    unacked_restore_interval_seconds: float = 5.0
    # Soft limit raises SoftTimeLimitExceeded in the task (retried as transient); the hard limit kills it.
    # Both stay under the visibility timeout with a margin for the fetch-to-start delay (a worker-lost
    # retry would wait as an ETA if given a countdown), so a healthy task is never redelivered while it runs. Each task is one
    # order or one page: work that needs longer must be split, not given a longer limit.
    soft_time_limit_seconds: int = 22
    time_limit_seconds: int = 25
    # Countdown Celery uses when it re-sends a task whose worker process died (task_retry_on_worker_lost).
    # 0: the retry is a plain message at the back of its queue. Any countdown becomes an ETA held by a
    # worker, which then takes more work onto its slots and may start the retry late enough for kombu to
    # hand it out again while it runs (§1, Experiment C); the retries stay bounded by max_retries anyway.
    worker_lost_retry_delay_seconds: float = 0.0
    # Retries when the task has no ``instance`` kwarg (else InstanceOptions.max_retries), and the bound on
    # re-runs after a worker died, which is what stops a poison message from looping (§1, Experiment B).
    max_retries: int = 5
    # Exponential backoff with full jitter for transient errors: base * 2**n, capped; retry_after wins if longer.
    retry_backoff_base_seconds: float = 10.0
    retry_backoff_max_seconds: float = 1800.0
    # The least wait before retrying a call whose answer was lost or cut by the soft time limit: it may still
    # be running in Odoo, up to Odoo's limit_time_real (120 s by default); see tasks/base.py.
    outcome_settle_seconds: float = 150.0
    # Beat wakes at least this often (redbeat's lock is renewed in the same loop), and a second beat takes
    # over at most lock_timeout + max_loop_interval after the first died (§4).
    beat_max_loop_interval_seconds: int = 5
    beat_lock_timeout_seconds: int = 30
    # Beat ticks: how late a due retry may be released, and how often the Odoo outbox is polled.
    release_delayed_every_seconds: float = 5.0
    outbox_relay_every_seconds: float = 10.0
    # Task results are kept a day: enough for Flower, `celery result` and deduplicating redeliveries.
    result_expires_seconds: int = 24 * 3600

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigError(problems)

    def problems(self) -> list[str]:
        """Violated invariants, one line each (empty when the tuning is usable)."""
        vt = self.visibility_timeout_seconds
        checks = [
            (vt >= 2, "visibility_timeout_seconds must be at least 2"),
            (self.unacked_restore_interval_seconds > 0, "unacked_restore_interval_seconds must be > 0"),
            (0 < self.soft_time_limit_seconds < self.time_limit_seconds, "need 0 < soft < hard time limit"),
            (
                self.time_limit_seconds + self.worker_lost_retry_delay_seconds < vt,
                "time_limit_seconds + worker_lost_retry_delay_seconds must be below visibility_timeout_seconds",
            ),
            (
                0 <= self.worker_lost_retry_delay_seconds < vt / 2,
                "worker_lost_retry_delay_seconds must be below half the visibility timeout",
            ),
            (0 <= self.max_retries <= 20, "max_retries must be between 0 and 20"),
            (self.retry_backoff_base_seconds > 0, "retry_backoff_base_seconds must be > 0"),
            (
                self.retry_backoff_max_seconds >= self.retry_backoff_base_seconds,
                "retry_backoff_max_seconds must be >= retry_backoff_base_seconds",
            ),
            (
                self.beat_lock_timeout_seconds > self.beat_max_loop_interval_seconds > 0,
                "beat_lock_timeout_seconds must exceed beat_max_loop_interval_seconds (> 0)",
            ),
            (self.outcome_settle_seconds >= 0, "outcome_settle_seconds must be >= 0"),
            (self.release_delayed_every_seconds > 0, "release_delayed_every_seconds must be > 0"),
            (self.outbox_relay_every_seconds > 0, "outbox_relay_every_seconds must be > 0"),
            (self.result_expires_seconds > 0, "result_expires_seconds must be > 0"),
        ]
        return [f"celery tuning: {message}" for ok, message in checks if not ok]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> CeleryTuning:
        """Defaults overridden by ``CONNECTOR_CELERY_<FIELD>`` variables; bad values raise ConfigError."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for field in dataclasses.fields(cls):
            var = f"{ENV_PREFIX}{field.name.upper()}"
            raw = environ.get(var)
            if not raw:
                continue
            kind = int if field.type in ("int", int) else float
            try:
                values[field.name] = kind(raw)
            except ValueError:
                problems.append(
                    f"environment {var}: {raw!r} is not a{'n integer' if kind is int else ' number'}"
                )
        if problems:
            raise ConfigError(problems)
        return cls(**values)


def broker_transport_options(keys: RedisKeys, tuning: CeleryTuning) -> dict[str, Any]:
    """kombu Redis transport options; identical in every process (the shortest visibility timeout wins)."""
    return {
        # Everything kombu stores (queues, unacked hash/index, bindings) lives under our prefix.
        "global_keyprefix": keys.celery,
        # An int, as kombu compares it with time() arithmetic and the docs ask for one (§1).
        "visibility_timeout": int(tuning.visibility_timeout_seconds),
        # kombu 5.7 sweeps only every interval*throttle seconds (default ~100 s); throttle 1 makes the
        # interval the real period, so a dead worker's message returns ~VT + interval after its fetch (§1 A).
        "unacked_restore_interval": tuning.unacked_restore_interval_seconds,
        "unacked_restore_throttle": 1,
        # The sweep mutex outlives a process killed mid-sweep for this long (default 300 s would stall
        # every sweep for 5 minutes after such a kill); a sweep takes milliseconds.
        "unacked_mutex_expire": max(10, int(tuning.visibility_timeout_seconds)),
        "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
        "socket_keepalive": True,
        # A half-open BRPOP connection (NAT, failover) is noticed within ~2 health checks (§2).
        "health_check_interval": 25,
    }


def task_routes() -> dict[str, dict[str, str]]:
    """Routes by task name; a sender may still pick another queue (a pull fans syncs out to orders.pull)."""
    return {
        task_names.SYNC: {"queue": QUEUE_WEBHOOK},
        task_names.PULL: {"queue": QUEUE_PULL},
        task_names.RECONCILE: {"queue": QUEUE_PULL},
        "orders.push*": {"queue": QUEUE_PUSH},
        "push.*": {"queue": QUEUE_PUSH},
        "outbox.*": {"queue": QUEUE_CONTROL},
        "connector.*": {"queue": QUEUE_CONTROL},
    }


def celery_config(settings: Settings, tuning: CeleryTuning) -> dict[str, Any]:
    """The Celery configuration mapping for ``settings``; see the module docstring for the sources."""
    from config.beat import beat_schedule  # noqa: PLC0415 - beat.py imports this module's tuning type

    keys = RedisKeys.from_settings(settings)
    return {
        # https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-settings
        "broker_url": settings.redis_url,
        "broker_transport_options": broker_transport_options(keys, tuning),
        # None would fall back to broker_connection_retry with a pending-deprecation warning (§1).
        "broker_connection_retry_on_startup": True,
        # Reconnect forever: a worker that exits after 100 failed reconnects turns a Redis restart into
        # an outage until someone restarts the workers.
        "broker_connection_max_retries": None,
        # --- results: https://docs.celeryq.dev/en/stable/userguide/configuration.html#redis-backend-settings
        # Kept (a day) so a redelivered message whose first run already succeeded is skipped, and so
        # Flower / `celery result` can show outcomes. Same Redis, under the same prefix.
        "result_backend": settings.redis_url,
        "result_backend_transport_options": {"global_keyprefix": keys.celery},
        "redis_socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
        "redis_socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
        "result_expires": tuning.result_expires_seconds,
        "worker_deduplicate_successful_tasks": True,
        # --- serialization: JSON only, so no pickle ever crosses Redis and kwargs stay readable in the DLQ.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "event_serializer": "json",
        "timezone": "UTC",
        "enable_utc": True,
        # --- at-least-once: https://docs.celeryq.dev/en/stable/userguide/configuration.html#task-acks-late
        # Ack after the task returns, so a crash means redelivery, not loss.
        "task_acks_late": True,
        # A pool child killed by SIGKILL/OOM requeues its message instead of acking it (measured: lost, §1 B).
        "task_reject_on_worker_lost": True,
        # ...and re-sends it as a retry bounded by max_retries, so a message that kills its process every
        # time ends in the dead-letter stream after max_retries + 1 runs instead of looping (§1 B).
        "task_retry_on_worker_lost": True,
        # Failed and timed-out tasks are acked; the task_failure signal has written the dead letter by then.
        # Rejecting instead would requeue a hard-timeout task forever.
        "task_acks_on_failure": True,
        "task_acks_on_timeout": True,
        # One message per process slot: reserved-but-not-started messages would wait out the visibility
        # timeout if the worker is killed (§1).
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": tuning.soft_time_limit_seconds,
        "task_time_limit": tuning.time_limit_seconds,
        # A task still running when its connection drops was already requeued by kombu; kill our copy so
        # two do not run side by side (§1 E).
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # With REMAP_SIGTERM=SIGQUIT (docker/compose), a stop requeues running tasks after this grace
        # instead of waiting for them; keep the container's stop grace period above it (§1 D).
        "worker_soft_shutdown_timeout": 10.0,
        # Also when idle: a worker-lost retry given a countdown is an ETA message held by the worker, and
        # the docs warn that a cold shutdown without soft shutdown may not restore ETA messages.
        "worker_enable_soft_shutdown_on_idle": True,
        # --- routing: https://docs.celeryq.dev/en/stable/userguide/routing.html
        # Declared so a worker started without -Q consumes every queue; unknown tasks go to the bulk lane,
        # where they cannot starve webhook-driven syncs.
        "task_queues": _queues(),
        "task_default_queue": QUEUE_PULL,
        "task_routes": task_routes(),
        # --- monitoring: Flower's metrics need task events (§3).
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        # Our structlog setup (connector_worker.app) owns logging; Celery must not replace the handlers.
        "worker_hijack_root_logger": False,
        # --- beat: https://github.com/sibson/redbeat - one scheduler at a time across every replica (§4).
        # redbeat, plus: it survives a Redis that lost its data (connector_worker/beat_scheduler.py).
        "beat_scheduler": "connector_worker.beat_scheduler:ConnectorBeatScheduler",
        "beat_max_loop_interval": tuning.beat_max_loop_interval_seconds,
        "beat_schedule": beat_schedule(settings, tuning),
        "redbeat_redis_url": settings.redis_url,
        "redbeat_redis_options": {
            "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
        },
        "redbeat_key_prefix": keys.redbeat,
        "redbeat_lock_timeout": tuning.beat_lock_timeout_seconds,
        # --- our own knobs, read by tasks.base.ConnectorTask (plain values so `celery inspect conf` works).
        "connector_key_prefix": settings.key_prefix,
        "connector_max_retries": tuning.max_retries,
        "connector_worker_lost_retry_delay": tuning.worker_lost_retry_delay_seconds,
        "connector_retry_backoff_base": tuning.retry_backoff_base_seconds,
        "connector_retry_backoff_max": tuning.retry_backoff_max_seconds,
        "connector_outcome_settle": tuning.outcome_settle_seconds,
    }


def _queues() -> dict[str, dict[str, str]]:
    """One queue per name, bound by its own name (Celery builds the kombu Queue objects from this)."""
    return {name: {"routing_key": name} for name in ALL_QUEUES}
