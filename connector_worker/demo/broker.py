"""The demo's view of Celery: is a worker answering, queue one pull now, and what did the syncs report.

The demo never runs a task itself: it only sends, pings and reads the results the workers stored, so what it
prints is what the real processes did.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery

from config.celery import CeleryTuning
from config.settings import Settings
from connector_worker.app import make_app
from connector_worker.redis_keys import QUEUE_PULL, RedisKeys
from connector_worker.task_names import PULL

RESULT_KEY_INFIX = (
    "celery-task-meta-"  # Celery's Redis result backend key: <global_keyprefix><infix><task id>
)
PING_TIMEOUT_SECONDS = 1.0
SCAN_BATCH = 500


@dataclass(frozen=True)
class SyncReport:
    """One ``orders.sync`` run as its worker stored it: ``created | updated | unchanged`` and who asked."""

    odoo_id: int | None
    result: str
    source: str


class Broker:
    """A short-lived Celery app on the demo's Redis and key prefix, for sending and pinging only."""

    def __init__(self, settings: Settings, tuning: CeleryTuning) -> None:
        self.app: Celery = make_app(settings, tuning, set_as_current=False)
        # Sending only: no result subscriptions (see connector_worker.cli.webhook_cmd.send_only).
        self.app.conf.result_backend = None
        self.keys = RedisKeys.from_settings(settings)

    def workers_answering(self) -> list[str]:
        """Node names of the workers that answered a ping."""
        replies = self.app.control.ping(timeout=PING_TIMEOUT_SECONDS) or []
        return sorted(name for reply in replies for name in reply)

    def queue_pull(self, instance: str) -> str:
        """Queue one ``orders.pull`` of ``instance`` now (beat's first tick comes one interval later)."""
        result = self.app.send_task(PULL, kwargs={"instance": instance}, queue=QUEUE_PULL)
        return str(result.id)

    def close(self) -> None:
        self.app.close()


def sync_reports(client: redis.Redis, keys: RedisKeys) -> list[SyncReport]:
    """Every successful ``orders.sync`` result stored under the demo's prefix (results carry ``source``)."""
    pattern = f"{keys.celery}{RESULT_KEY_INFIX}*"
    names = list(client.scan_iter(match=pattern, count=SCAN_BATCH))
    reports = []
    for start in range(0, len(names), SCAN_BATCH):
        for raw in client.mget(names[start : start + SCAN_BATCH]):
            report = _report(raw)
            if report is not None:
                reports.append(report)
    return reports


def _report(raw: Any) -> SyncReport | None:
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
    except ValueError:
        return None
    result = meta.get("result") if isinstance(meta, dict) and meta.get("status") == "SUCCESS" else None
    if not isinstance(result, dict) or "source" not in result:
        return None
    odoo_id = result.get("odoo_id")
    return SyncReport(int(odoo_id) if odoo_id else None, str(result.get("result")), str(result.get("source")))


def first_sync_sources(reports: list[SyncReport]) -> dict[int, str]:
    """For each Odoo order, the source of the sync that created it (``pull`` or ``webhook``)."""
    return {r.odoo_id: r.source for r in reports if r.result == "created" and r.odoo_id is not None}


def update_counts(reports: list[SyncReport]) -> Counter[str]:
    """How many syncs changed an existing order, by source."""
    return Counter(r.source for r in reports if r.result == "updated")
