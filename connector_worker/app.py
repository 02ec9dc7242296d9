"""The Celery app: ``celery -A connector_worker.app worker | beat | flower`` work as Celery users expect.

Configuration is loaded lazily from the environment (``config.settings`` + ``config.celery``) the first time
Celery needs it, so importing this module never fails. Task modules are every module of the ``tasks``
package; ``tasks.base`` wires the dead-letter hook. Delivery is at least once and may be concurrent
(reference/celery.md §1): correctness rests on the per-order lock and Odoo's unique key, not on Celery.
"""

from __future__ import annotations

import functools
import os
import pkgutil
import warnings
from typing import Any

import redis
from celery import Celery, signals

from config.celery import (
    REDIS_CONNECT_TIMEOUT_SECONDS,
    REDIS_SOCKET_TIMEOUT_SECONDS,
    CeleryTuning,
    celery_config,
)
from config.settings import Settings, load_settings
from connector_worker import task_names
from connector_worker.delayed import DelayedQueue, DelayedTask
from connector_worker.log import bind_context, clear_context, configure_logging, get_logger
from connector_worker.redis_keys import RedisKeys

# Celery's Redis result backend calls setex, deprecated in redis-py 8.1: noise, not a problem (§2).
warnings.filterwarnings("ignore", message="Call to deprecated setex", category=DeprecationWarning)

log = get_logger(__name__)
TASKS_PACKAGE = "tasks"


@functools.cache
def get_settings() -> Settings:
    """This process's settings, loaded once from the environment."""
    return load_settings()


@functools.cache
def get_tuning() -> CeleryTuning:
    """This process's Celery timing knobs (``CONNECTOR_CELERY_*`` overrides)."""
    return CeleryTuning.from_env(os.environ)


def get_keys() -> RedisKeys:
    """Key builders under this process's prefix."""
    return RedisKeys.from_settings(get_settings())


@functools.cache
def get_redis() -> redis.Redis:
    """This process's client for locks, dedup, DLQ and delayed retries (safe across fork: redis-py
    resets a pool's connections in a child process)."""
    return redis.Redis.from_url(
        get_settings().redis_url,
        socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def task_modules() -> list[str]:
    """Every module of the ``tasks`` package, ``tasks.base`` first (it connects the dead-letter hook)."""
    import tasks  # noqa: PLC0415 - only its path is needed, and only here

    found = sorted(f"{TASKS_PACKAGE}.{info.name}" for info in pkgutil.iter_modules(tasks.__path__))
    return ["tasks.base", *(name for name in found if name != "tasks.base")]


def make_app(
    settings: Settings | None = None, tuning: CeleryTuning | None = None, *, set_as_current: bool = True
) -> Celery:
    """A configured app; with no ``settings`` the configuration is read from the environment on first use.

    The CLI builds a short-lived app from explicit settings; everything else uses :data:`app`.
    """
    celery_app = Celery("connector", include=task_modules(), set_as_current=set_as_current)
    if settings is None:
        celery_app.add_defaults(lambda: celery_config(get_settings(), get_tuning()))
    else:
        celery_app.add_defaults(celery_config(settings, tuning or CeleryTuning()))
    return celery_app


app = make_app()


def send_delayed(celery_app: Celery, item: DelayedTask) -> None:
    """Publish a due retry as the same task id, with its retry count and attempt history."""
    celery_app.send_task(
        item.task,
        kwargs=item.kwargs,
        task_id=item.task_id,
        queue=item.queue,
        retries=item.retries,
        headers=item.headers,
    )


def _release_delayed() -> int:
    """Beat tick: move due retries from the delayed set to their queues.

    Running it twice (two workers, a redelivered tick) is safe: each retry is claimed atomically once.
    """
    sent = DelayedQueue(get_redis(), get_keys()).release_due(lambda item: send_delayed(app, item))
    if sent:
        log.info("delayed_retries_released", count=sent)
    return sent


release_delayed = app.task(name=task_names.RELEASE_DELAYED, ignore_result=True, dead_letter_on_failure=False)(
    _release_delayed
)


def _configure_logging(**_: Any) -> None:
    """Route Celery's own logging through our structlog setup (JSON, secrets redacted)."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level, settings.secret_values())


def _bind_task_context(task_id: str | None = None, task: Any = None, kwargs: Any = None, **_: Any) -> None:
    """Every log line of a task carries its id, name, instance and order."""
    clear_context()
    values = kwargs if isinstance(kwargs, dict) else {}
    order_id = values.get("entity_id", values.get("order_id"))
    bind_context(
        task_id=task_id, task=getattr(task, "name", None), instance=values.get("instance"), order_id=order_id
    )


def _clear_task_context(**_: Any) -> None:
    clear_context()


signals.setup_logging.connect(_configure_logging)
signals.task_prerun.connect(_bind_task_context)
signals.task_postrun.connect(_clear_task_context)
