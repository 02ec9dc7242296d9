"""Thin-task machinery (STYLE rule 5): a task body calls a plain workflow function, and this module turns
what it raises into success, a delayed retry or a dead letter.

* ``TransientError`` (incl. ``LockBusyError``), a soft time limit and a Redis connection error: retried
  with exponential backoff and jitter (``retry_after`` honoured when longer; an outcome unknown or a soft
  time limit waits ``outcome_settle_seconds`` at least) through the delayed set
  (``connector_worker.delayed``, never a Celery countdown), up to ``InstanceOptions.max_retries`` when the
  task has an ``instance`` kwarg, else ``connector_max_retries``; then dead letter.
* ``PermanentError``, ``config.settings.ConfigError`` and **anything unexpected**: dead letter at once.
  An unexpected exception is a bug or an unclassified failure; retrying it only delays the alert and
  hammers Magento/Odoo, and the dead letter can be replayed once fixed.
* A worker process that died (SIGKILL, OOM): Celery re-sends the task (``task_retry_on_worker_lost``) up
  to the same ``connector_max_retries``, then fails it, and the dead letter is written from the
  ``task_failure`` signal, which also fires in that case (``Task.on_failure`` does not).

The attempt history travels in the message header ``connector_attempts`` so the dead letter shows every
attempt; an attempt whose process died leaves a gap that is filled as "worker lost".
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import redis
from celery import Task, signals
from celery.exceptions import Retry, SoftTimeLimitExceeded

from connector_worker import task_names
from connector_worker.app import app, get_keys, get_redis, get_settings
from connector_worker.delayed import DelayedQueue, DelayedTask
from connector_worker.dlq import (
    ATTEMPTS_HEADER,
    Attempt,
    DeadLetter,
    DeadLetterStore,
    attempts_from_headers,
    complete_history,
    failure_reason,
)
from connector_worker.errors import OutcomeUnknownError, PermanentError, TransientError
from connector_worker.log import get_logger

log = get_logger(__name__)

# What a later attempt can fix: remote hiccups (classified by our clients), our own Redis, a slow call.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    SoftTimeLimitExceeded,
    redis.ConnectionError,
    redis.TimeoutError,
)

F = TypeVar("F", bound=Callable[..., Any])


def backoff_delay(
    retries: int, base: float, cap: float, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds before retry number ``retries + 1``: ``base * 2**retries`` capped, with equal jitter.

    Equal jitter (a random point in the upper half) spreads a burst of retries while keeping each delay
    at least as long as the previous one's floor. A server's ``retry_after`` wins when it is longer.
    """
    ceiling = min(cap, base * (2 ** min(retries, 32)))
    delay = (rng or random).uniform(ceiling / 2, ceiling)
    if retry_after is not None and retry_after > delay:
        return float(retry_after)
    return delay


def _queue_of(request: Any) -> str | None:
    delivery = getattr(request, "delivery_info", None) or {}
    queue = delivery.get("routing_key")
    return str(queue) if queue else None


class ConnectorTask(Task):  # type: ignore[misc]  # celery ships no type information
    """Base class of every connector task; use :func:`connector_task` to declare one."""

    dead_letter_on_failure = True

    @property
    def max_retries(self) -> int:
        """Read by Celery in the worker's main process to bound re-runs after a worker was lost."""
        return int(self.app.conf.connector_max_retries)

    @property
    def default_retry_delay(self) -> float:
        """The countdown of a worker-lost retry: short, far below the visibility timeout."""
        return float(self.app.conf.connector_worker_lost_retry_delay)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            raise PermanentError(f"{self.name} takes keyword arguments only (JSON kwargs carrying ids)")
        try:
            return self.run(**kwargs)
        except RETRYABLE_ERRORS as exc:
            if self.request.called_directly:
                raise
            self._retry_later(exc, kwargs)

    def retry_limit(self, kwargs: dict[str, Any]) -> int:
        """The instance's ``max_retries`` when the task has an ``instance`` kwarg, else the default."""
        instance = kwargs.get("instance")
        if isinstance(instance, str):
            return get_settings().instance(instance).options.max_retries
        return int(self.app.conf.connector_max_retries)

    def _retry_later(self, exc: BaseException, kwargs: dict[str, Any]) -> NoReturn:
        request = self.request
        limit = self.retry_limit(kwargs)  # an unknown instance raises ConfigError: dead letter at once
        if request.retries >= limit:
            raise exc  # retries exhausted: the task fails and task_failure writes the dead letter
        history = complete_history(attempts_from_headers(request.headers), request.retries, exc)
        conf = self.app.conf
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(exc, OutcomeUnknownError | SoftTimeLimitExceeded):
            # The call may still be running in Odoo (a worker runs a request up to its limit_time_real):
            # wait until it has finished, so the retry reads what it did (a confirmation, an invoice, a
            # payment) instead of doing it again beside it, which Odoo cannot see before the first commits.
            retry_after = max(retry_after or 0.0, float(conf.connector_outcome_settle))
        delay = backoff_delay(
            request.retries,
            float(conf.connector_retry_backoff_base),
            float(conf.connector_retry_backoff_max),
            retry_after,
        )
        item = DelayedTask(
            task=self.name,
            task_id=request.id,
            kwargs=kwargs,
            retries=request.retries + 1,
            due=time.time() + delay,
            queue=_queue_of(request),
            headers={ATTEMPTS_HEADER: [attempt.as_dict() for attempt in history]},
        )
        DelayedQueue(get_redis(), get_keys()).schedule(item)
        log.warning(
            "task_retry_scheduled",
            attempt=request.retries + 1,
            of=limit + 1,
            delay_seconds=round(delay, 3),
            error=type(exc).__name__,
        )
        raise Retry(message=f"attempt {request.retries + 2} in {delay:.1f}s", exc=exc, when=round(delay, 3))

    def signature_from_request(
        self, request: Any = None, args: Any = None, kwargs: Any = None, queue: Any = None, **extra: Any
    ) -> Any:
        """Celery builds a worker-lost retry here (in the main process): record the lost attempt first."""
        request = self.request if request is None else request
        if "retries" in extra:
            headers = dict(getattr(request, "headers", None) or {})
            history = complete_history(attempts_from_headers(headers), int(extra["retries"]), None)
            headers[ATTEMPTS_HEADER] = [attempt.as_dict() for attempt in history]
            extra["headers"] = headers
        return super().signature_from_request(request, args, kwargs, queue, **extra)


def connector_task(name: str, **options: Any) -> Callable[[F], ConnectorTask]:
    """Declare a task with a stable explicit name (``orders.sync``) on the connector's app.

    The decorated function takes keyword arguments only (JSON ids) and calls a workflow function; its
    docstring should say why running it twice is safe.
    """

    def decorate(function: F) -> ConnectorTask:
        task = app.task(name=name, base=ConnectorTask, **options)(function)
        assert isinstance(task, ConnectorTask)
        return task

    return decorate


def dead_letter_for(task: Any, task_id: str, exc: BaseException, kwargs: dict[str, Any]) -> DeadLetter:
    """The dead letter of a failed task, from the request Celery has on the task's stack."""
    request = task.request
    retries = int(getattr(request, "retries", 0) or 0)
    history = complete_history(attempts_from_headers(getattr(request, "headers", None)), retries, exc)
    order = kwargs.get("entity_id", kwargs.get("order_id"))
    instance = kwargs.get("instance")
    return DeadLetter(
        reason=failure_reason(exc, len(history), retryable=isinstance(exc, RETRYABLE_ERRORS)),
        task=task.name,
        task_id=task_id,
        kwargs=kwargs,
        attempts=history,
        instance=instance if isinstance(instance, str) else None,
        entity_id=None if order is None else str(order),
        queue=_queue_of(request),
        hostname=getattr(request, "hostname", None),
    )


def _write_dead_letter(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    kwargs: Any = None,
    **_: Any,
) -> None:
    """Fires in the pool child for raised errors and in the main process when the child died."""
    if not getattr(sender, "dead_letter_on_failure", False) or exception is None:
        return
    letter = dead_letter_for(sender, task_id or "", exception, kwargs if isinstance(kwargs, dict) else {})
    try:
        entry_id = DeadLetterStore(get_redis(), get_keys()).add_once(letter)
    except redis.RedisError:
        # The message is acked all the same, so this line is the only record of the failure: it says what
        # failed, why, and how to run it again (the reconcile also finds the order within its window).
        log.exception(
            "dead_letter_write_failed",
            task=letter.task,
            task_id=letter.task_id,
            instance=letter.instance,
            order_id=letter.entity_id,
            reason=letter.reason,
            replay=_replay_command(letter),
        )
        return
    if entry_id is None:
        return  # the same failure signalled twice (hard time limit): already written
    log.error(
        "task_dead_lettered",
        task_id=letter.task_id,
        dlq_id=entry_id,
        reason=letter.reason,
        attempts=len(letter.attempts),
        task=letter.task,
    )


def _replay_command(letter: DeadLetter) -> str | None:
    """The command that syncs the letter's order again by hand, when the letter names one."""
    if letter.task != task_names.SYNC or letter.instance is None or letter.entity_id is None:
        return None
    return f"connector sync --instance {letter.instance} {letter.entity_id}"


signals.task_failure.connect(_write_dead_letter)

__all__ = [
    "RETRYABLE_ERRORS",
    "Attempt",
    "ConnectorTask",
    "backoff_delay",
    "connector_task",
    "dead_letter_for",
]
