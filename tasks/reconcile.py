"""``orders.reconcile``: the slow safety net of DESIGN.md ("Periodic pull", step 2).

The pull trusts its watermark and the synced markers in Redis; the reconcile trusts neither. Every
``reconcile_interval_seconds`` it reads the orders Magento updated in the last ``reconcile_window_seconds``
(by the pull's keyset reader, one request per page) and asks Odoo, one search per page, which of them it
holds and at which Magento status and paid flag. An order Odoo lacks (a message lost with a Redis wipe, an
order deleted in Odoo) or holds at another status or paid flag (a sync that never ran) gets its sync again,
with the payload as for a pull. An order waiting in the dead letters is left there: its replay is the
operator's call.

The window ends ``pull_overlap_seconds`` ago: more recent orders are the pull's, and may still be queued.
The watermark is never moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from connector_worker import task_names
from connector_worker.dlq import DeadLetterStore
from connector_worker.log import get_logger
from connector_worker.runtime import Runtime, get_runtime
from connector_worker.synced import forget_synced
from mappers.status import is_paid
from tasks.base import connector_task
from tasks.pull import (
    Dispatch,
    PullWindow,
    Select,
    enqueue_sync,
    finish_run,
    given_window,
    pull_orders,
    run_budget,
)
from tasks.resolve import Resolver

log = get_logger(__name__)

RUN = "reconcile"  # names its lock, apart from the pull's
# The Magento fields of an Odoo order the reconcile compares with Magento's order.
LINE_FIELDS = ("magento_status", "magento_paid")


def reconcile_window(runtime: Runtime, instance_name: str, now: dt.datetime | None = None) -> PullWindow:
    """``now − window`` up to ``now − pull overlap``."""
    options = runtime.instance(instance_name).options
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    until = now - dt.timedelta(seconds=options.pull_overlap_seconds)
    return PullWindow(start=until - dt.timedelta(seconds=options.reconcile_window_seconds), until=until)


def dead_lettered(runtime: Runtime, instance_name: str) -> set[str]:
    """Entity ids of the instance's orders in the dead letters (the stream is capped, so read whole)."""
    store = DeadLetterStore(runtime.redis, runtime.keys)
    return {
        letter.entity_id
        for letter in store.list(count=store.count() + 1, instance=instance_name)
        if letter.entity_id
    }


def out_of_line_with_odoo(runtime: Runtime, instance_name: str) -> Select:
    """The reconcile's choice of a page: orders Odoo lacks or holds at another Magento status."""
    instance_id = Resolver(runtime, runtime.instance(instance_name)).instance_id()
    waiting = dead_lettered(runtime, instance_name)

    def select(
        runtime: Runtime, instance_name: str, orders: Sequence[Mapping[str, Any]]
    ) -> Sequence[Mapping[str, Any]]:
        candidates = [order for order in orders if str(order["entity_id"]) not in waiting]
        if not candidates:
            return []
        held = runtime.odoo().find_orders(
            instance_id, [order["entity_id"] for order in candidates], LINE_FIELDS
        )
        chosen = []
        for order in candidates:
            record = held.get(str(order["entity_id"]))
            seen = _magento_as_held(order)
            if record is None or {field: record.get(field) or None for field in LINE_FIELDS} != seen:
                log.info(
                    "order_out_of_line",
                    order_id=order["entity_id"],
                    odoo="missing" if record is None else {field: record.get(field) for field in LINE_FIELDS},
                    magento=seen,
                )
                chosen.append(order)
        return chosen

    return select


def _magento_as_held(order: Mapping[str, Any]) -> dict[str, Any]:
    """What a sync in line with ``order`` left in Odoo's :data:`LINE_FIELDS`: its status, and whether it was
    paid (an invoice can leave the status as it was and still change the Odoo order: confirmed, paid)."""
    return {
        "magento_status": order.get("status") or None,
        "magento_paid": "paid" if is_paid(order) else "not_paid",
    }


def resync(runtime: Runtime, instance_name: str, send: Dispatch) -> Dispatch:
    """``send`` a page after forgetting its orders' synced markers: a marker says a version was synced, and
    Odoo says otherwise, so the sync must act instead of finding the version unchanged."""

    def dispatch(orders: Sequence[Mapping[str, Any]]) -> None:
        forget_synced(runtime.redis, runtime.keys, instance_name, [order["entity_id"] for order in orders])
        send(orders)

    return dispatch


@connector_task(task_names.RECONCILE)
def reconcile_orders_task(
    instance: str, since: str | None = None, until: str | None = None, after_id: int | None = None
) -> dict[str, Any]:
    """One reconcile run of ``instance``; a run that outlasts its budget queues a continuation."""
    runtime = get_runtime()
    window = given_window(since, until, after_id) or reconcile_window(runtime, instance)
    outcome = pull_orders(
        runtime,
        instance,
        window,
        resync(runtime, instance, enqueue_sync(runtime, instance, source=RUN)),
        budget_seconds=run_budget(),
        select=out_of_line_with_odoo(runtime, instance),
        run=RUN,
    )
    finish_run(task_names.RECONCILE, instance, window, outcome)
    return {"pages": outcome.pages, "seen": outcome.seen, "dispatched": outcome.dispatched}
