"""The beat schedule, built from the settings: one pull and one reconcile per instance, plus the retry-release
and outbox ticks.

Tasks are scheduled by name only (their code lives in ``tasks/``), and every tick expires after its own
period: after a worker outage the queue holds one tick per entry, not a backlog of stale ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector_worker import task_names
from connector_worker.redis_keys import QUEUE_CONTROL, QUEUE_PULL

if TYPE_CHECKING:
    from config.celery import CeleryTuning
    from config.settings import Settings


def pull_entry_name(instance: str) -> str:
    """Schedule entry name of one instance's pull (redbeat stores it under this name)."""
    return f"{task_names.PULL}:{instance}"


def reconcile_entry_name(instance: str) -> str:
    """Schedule entry name of one instance's reconcile."""
    return f"{task_names.RECONCILE}:{instance}"


def _entry(task: str, every: float, queue: str, kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "task": task,
        "schedule": float(every),
        "kwargs": kwargs or {},
        # A tick nobody consumed within its period is dropped; the next one is already on its way.
        "options": {"queue": queue, "expires": float(every)},
    }


def beat_schedule(settings: Settings, tuning: CeleryTuning) -> dict[str, dict[str, Any]]:
    """Celery ``beat_schedule`` mapping for ``settings``."""
    schedule = {
        task_names.RELEASE_DELAYED: _entry(
            task_names.RELEASE_DELAYED, tuning.release_delayed_every_seconds, QUEUE_CONTROL
        ),
        task_names.OUTBOX_RELAY: _entry(
            task_names.OUTBOX_RELAY, tuning.outbox_relay_every_seconds, QUEUE_CONTROL
        ),
    }
    for name, instance in sorted(settings.instances.items()):
        schedule[pull_entry_name(name)] = _entry(
            task_names.PULL, instance.options.pull_interval_seconds, QUEUE_PULL, {"instance": name}
        )
        if instance.options.reconcile_interval_seconds:
            schedule[reconcile_entry_name(name)] = _entry(
                task_names.RECONCILE,
                instance.options.reconcile_interval_seconds,
                QUEUE_PULL,
                {"instance": name},
            )
    return schedule
