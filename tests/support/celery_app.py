"""Celery app for tests: the production app plus test-only tasks, so production code carries none.

Each test task appends one JSON line per execution to the Redis list named by its ``run_key`` kwarg
(time, pid, node, attempt number), which is what the tests measure.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from typing import Any

from connector_worker.app import app, get_redis
from connector_worker.errors import MappingError, OutcomeUnknownError, TransientError
from tasks.base import connector_task

__all__ = ["app"]


def _record(run_key: str, event: str, **extra: Any) -> int:
    request = record.request
    entry = {
        "event": event,
        "at": time.time(),
        "pid": os.getpid(),
        "host": request.hostname or socket.gethostname(),
        "retries": request.retries,
        "task_id": request.id,
        **extra,
    }
    return int(get_redis().rpush(run_key, json.dumps(entry)))


@connector_task(name="test.record")
def record(
    *,
    run_key: str,
    behaviour: str = "ok",
    seconds: float = 0.0,
    fail_times: int = 0,
    retry_after: float | None = None,
    instance: str | None = None,
    entity_id: int | None = None,
    order: dict[str, Any] | None = None,
) -> str:
    """Runs ``behaviour``: ok, sleep, transient or unknown (fails ``fail_times`` times), permanent, poison, bug.

    ``order`` stands for the payload a pull hands to ``orders.sync`` (Decimals, datetimes): each run records
    the type of each of its values as it arrived.
    """
    types = {key: type(value).__name__ for key, value in (order or {}).items()}
    runs = _record(run_key, "start", instance=instance, entity_id=entity_id, order_types=types)
    if behaviour == "sleep":
        time.sleep(seconds)
    elif behaviour == "transient" and runs <= fail_times:
        raise TransientError(f"Magento answered 503 (run {runs})", retry_after=retry_after)
    elif behaviour == "unknown" and runs <= fail_times:
        raise OutcomeUnknownError(f"Odoo's answer was lost (run {runs})")
    elif behaviour == "permanent":
        raise MappingError("unknown SKU 'NOPE-1' in order 42")
    elif behaviour == "poison":
        # Die mid-run, like an OOM kill: a kill within microseconds of the start can beat the pool's
        # "job accepted" message, and billiard then misses the death until the hard time limit.
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGKILL)
    elif behaviour == "bug":
        raise KeyError("items")
    _record(run_key, "done")
    return "done"
