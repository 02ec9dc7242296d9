"""``orders.pull``: the periodic incremental pull of one instance (DESIGN.md, "Periodic pull").

``updated_at >= watermark − overlap`` and ``<= run start``, sorted by ``updated_at, entity_id``, read by
keyset on both and stopped by ``total_count``. Each page: skip orders already synced at that ``updated_at``, resolve the rest's
customers and products in batches (one search per kind), hand every order to ``orders.sync`` *with its
payload* (no second Magento request), then move the watermark to the page's largest ``updated_at`` —
never past the run start, so an order updated during the run is read again next time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector_worker import task_names
from connector_worker.errors import TransientError
from connector_worker.locks import hold_lock
from connector_worker.log import get_logger
from connector_worker.magento.search import Filter, SearchCriteria
from connector_worker.redis_keys import QUEUE_PULL
from connector_worker.runtime import Runtime, get_runtime
from connector_worker.synced import changed_orders
from connector_worker.watermarks import advance_watermark, pull_window_start, read_watermark
from mappers.fields import ORDER_SEARCH_SELECTION
from tasks.base import connector_task
from tasks.resolve import Resolver

log = get_logger(__name__)

FIRST_PULL_FROM = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # no watermark yet: the whole history
# A run hands over to a continuation after this long, and after half the task's soft time limit at most:
# the budget is checked between pages, so a run lasts it plus one page. A run cut short by the limit
# instead is retried with the same window and redoes the same pages; one whose window was given (a
# continuation, a re-pull) did so until its retries were spent, and the rest of the window was never read.
PULL_RUN_BUDGET_SECONDS = 12.0
# Redis commands a page's publish pipeline holds before it is sent (one LPUSH per message): a page of the
# largest size Magento serves goes in one round trip.
PUBLISH_BATCH_COMMANDS = 300

# Hands over one page's orders; returns once they are safely queued (or synced), so the watermark may move.
Dispatch = Callable[[Sequence[Mapping[str, Any]]], None]
# Which orders of a page are handed over: the pull's choice (not synced at this version) or the
# reconcile's (not in line with Odoo).
Select = Callable[[Runtime, str, Sequence[Mapping[str, Any]]], Sequence[Mapping[str, Any]]]


def changed_since_synced(
    runtime: Runtime, instance_name: str, orders: Sequence[Mapping[str, Any]]
) -> Sequence[Mapping[str, Any]]:
    """The orders whose current version has no synced marker: the pull's selection."""
    return changed_orders(runtime.redis, runtime.keys, instance_name, orders)


@dataclass(frozen=True)
class PullWindow:
    """What one pull reads: ``start <= updated_at <= until``, less the orders at ``start`` whose ids are at
    most ``after_id`` (a continuation resumes inside the second where its run stopped)."""

    start: dt.datetime
    until: dt.datetime
    after_id: int | None = None


@dataclass
class PullOutcome:
    """What one pull run did."""

    pages: int = 0
    seen: int = 0
    dispatched: int = 0
    skipped: int = 0
    resume_from: dt.datetime | None = None  # set when the run handed the rest to a continuation
    resume_after_id: int | None = None  # ... from the orders at ``resume_from`` after this id


@dataclass
class _Cursor:
    """Keyset position: every order before (``at``, ``after_id``) in (updated_at, entity_id) order is handled."""

    at: dt.datetime
    after_id: int | None = None  # None: the orders at ``at`` are all still to read


def pull_orders(
    runtime: Runtime,
    instance_name: str,
    window: PullWindow,
    dispatch: Dispatch,
    *,
    budget_seconds: float | None = None,
    on_page: Callable[[PullOutcome, int], None] | None = None,
    select: Select = changed_since_synced,
    run: str = "pull",
) -> PullOutcome:
    """Read ``window`` and ``dispatch`` every ``select``-ed order; hand over past ``budget_seconds``.

    ``run`` names the per-instance lock; only a pull (``run="pull"``) moves the watermark, so a reconcile
    reads its own window beside the pulls without touching theirs. A pull whose window starts after the
    watermark (``connector pull --since`` a later date) leaves it alone too: moving it would step over
    the orders between the two, which no run has read.

    Pages are read by keyset on (``updated_at``, ``entity_id``), always page 1 of "after the last order
    handled": an order updated during the run leaves the window instead of shifting the later pages (which
    would skip an order for good), and a second holding many pages of orders is read like any other,
    also across a continuation. Every query stops by ``total_count``; the watermark follows the cursor
    after each page.
    """
    instance = runtime.instance(instance_name)
    client = runtime.magento(instance_name)
    size = instance.options.page_size
    outcome = PullOutcome()
    started = time.monotonic()
    cursor = _Cursor(window.start, window.after_id)
    with hold_lock(runtime.redis, runtime.keys.lock(f"{run}:{instance_name}")):
        moves_watermark = run == "pull" and _continues_watermark(runtime, instance_name, window)
        while True:
            page = client.search_orders(_criteria(cursor, window.until, size))
            outcome.pages += 1
            chosen = select(runtime, instance_name, page.items)
            outcome.seen += len(page.items)
            outcome.skipped += len(page.items) - len(chosen)
            _handle_page(runtime, instance_name, chosen, dispatch, outcome)
            finished = _advance(cursor, page.items, page.is_last)
            if moves_watermark:
                advance_watermark(
                    runtime.redis, runtime.keys, instance_name, cursor.at, not_after=window.until
                )
            if on_page is not None:
                on_page(outcome, page.total_count)
            if finished:
                return outcome
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                outcome.resume_from, outcome.resume_after_id = cursor.at, cursor.after_id
                return outcome


def _continues_watermark(runtime: Runtime, instance_name: str, window: PullWindow) -> bool:
    """Whether ``window`` starts at or before the watermark (or, before the first pull, where the instance's
    history starts), so reading it leaves no gap behind a watermark it moves."""
    mark = read_watermark(runtime.redis, runtime.keys, instance_name)
    if window.start <= (mark or first_pull_from(runtime, instance_name)):
        return True
    log.warning(
        "watermark_kept",
        reason="the window starts after the watermark: orders in between were not read",
        window_start=window.start.isoformat(),
        watermark=mark.isoformat() if mark else None,
    )
    return False


def _criteria(cursor: _Cursor, until: dt.datetime, size: int) -> SearchCriteria:
    """Orders after the cursor in (updated_at, entity_id) order, up to ``until``.

    Magento ORs the filters of a group and ANDs the groups, so "after (T, id)" is written
    ``(updated_at > T OR entity_id > id) AND updated_at >= T``.
    """
    base = SearchCriteria()
    if cursor.after_id is not None:
        base = base.any_of(
            Filter.of("updated_at", "gt", cursor.at), Filter.of("entity_id", "gt", cursor.after_id)
        )
    return (
        base.updated_since(cursor.at)
        .where("updated_at", "lteq", until)
        .page_size(size)
        .fields(ORDER_SEARCH_SELECTION)
    )


def _advance(cursor: _Cursor, items: Sequence[Mapping[str, Any]], is_last: bool) -> bool:
    """Move the cursor past ``items`` (sorted by updated_at, entity_id); True when the window is exhausted."""
    if items:
        last = items[-1]
        cursor.at, cursor.after_id = max(cursor.at, last["updated_at"]), int(last["entity_id"])
    return is_last


def _handle_page(
    runtime: Runtime,
    instance_name: str,
    changed: Sequence[Mapping[str, Any]],
    dispatch: Dispatch,
    outcome: PullOutcome,
) -> None:
    if not changed:
        return
    # Batch the lookups for the whole page: the syncs then find customers and products in the caches. An
    # order that cannot be mapped is still handed over: its sync fails it with the reason (dead letter).
    found = Resolver(runtime, runtime.instance(instance_name)).prefetch(changed)
    for entity_id, error in found.errors.items():
        if isinstance(error, TransientError):  # e.g. its new customer locked: the sync will resolve it
            log.info("order_not_prefetched", order_id=entity_id, error=str(error))
        else:
            log.warning("order_not_mappable", order_id=entity_id, error=str(error))
    dispatch(changed)
    outcome.dispatched += len(changed)


def default_window(runtime: Runtime, instance_name: str, since: dt.datetime | None = None) -> PullWindow:
    """The window of a new run: from ``since`` when given, else watermark − overlap (or the beginning)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if since is None:
        options = runtime.instance(instance_name).options
        since = pull_window_start(
            runtime.redis,
            runtime.keys,
            instance_name,
            overlap=dt.timedelta(seconds=options.pull_overlap_seconds),
            first_pull_from=first_pull_from(runtime, instance_name),
        )
    return PullWindow(start=since, until=now)


def first_pull_from(runtime: Runtime, instance_name: str) -> dt.datetime:
    """Where an instance's history starts for the pull: its ``pull_history_from``, else the beginning."""
    return runtime.instance(instance_name).options.pull_history_from or FIRST_PULL_FROM


def enqueue_sync(runtime: Runtime, instance_name: str, source: str = "pull") -> Dispatch:
    """A dispatcher that queues ``orders.sync`` with the order payload on the pull queue, a page at a time.

    A page's messages go to Redis in one pipeline (kombu's ``Producer.batch``), flushed before the
    dispatcher returns: the watermark moves only once they are all queued, and a failed flush raises, so
    the page is read again. The payload stays out of ``kwargsrepr``, the copy of the arguments Celery puts
    into the message headers, its events and its log lines: an order ``repr``-ed on every send (15 KB
    before ``fields=``) cost about a fifth of the send's CPU, and the headers would hold a customer's
    address. Logs and Flower show the instance, order and source.
    """
    from connector_worker.app import app  # noqa: PLC0415 - the Celery app only where tasks are sent

    def send(orders: Sequence[Mapping[str, Any]]) -> None:
        with app.producer_or_acquire() as producer, producer.batch(max_size=PUBLISH_BATCH_COMMANDS):
            for order in orders:
                entity_id = int(order["entity_id"])
                app.send_task(
                    task_names.SYNC,
                    kwargs={
                        "instance": instance_name,
                        "entity_id": entity_id,
                        "source": source,
                        "order": order,
                    },
                    queue=QUEUE_PULL,
                    producer=producer,
                    argsrepr="()",
                    kwargsrepr=repr(
                        {"instance": instance_name, "entity_id": entity_id, "source": source, "order": "…"}
                    ),
                )

    return send


@connector_task(task_names.PULL)
def pull_orders_task(
    instance: str, since: str | None = None, until: str | None = None, after_id: int | None = None
) -> dict[str, Any]:
    """One pull run of ``instance``. Safe twice: a per-instance lock keeps runs apart, the watermark only
    moves forward, and every dispatched sync is idempotent (a re-read order is skipped or re-synced).
    A run that outlasts its budget queues a continuation from where it stopped.
    """
    runtime = get_runtime()
    window = given_window(since, until, after_id) or default_window(
        runtime, instance, dt.datetime.fromisoformat(since) if since else None
    )
    outcome = pull_orders(
        runtime, instance, window, enqueue_sync(runtime, instance), budget_seconds=run_budget()
    )
    finish_run(task_names.PULL, instance, window, outcome)
    return {"pages": outcome.pages, "dispatched": outcome.dispatched, "skipped": outcome.skipped}


def given_window(since: str | None, until: str | None, after_id: int | None = None) -> PullWindow | None:
    """The window a continuation (or a re-pull) names, or None when it names no end."""
    if since is None or until is None:
        return None
    return PullWindow(dt.datetime.fromisoformat(since), dt.datetime.fromisoformat(until), after_id)


def finish_run(task: str, instance: str, window: PullWindow, outcome: PullOutcome) -> None:
    """Queue ``task``'s continuation when the run handed over, and log the run (``pull_done``, …)."""
    if outcome.resume_from is not None:
        from connector_worker.app import app  # noqa: PLC0415

        app.send_task(
            task,
            kwargs={
                "instance": instance,
                "since": outcome.resume_from.isoformat(),
                "until": window.until.isoformat(),
                "after_id": outcome.resume_after_id,
            },
            queue=QUEUE_PULL,
        )
    log.info(
        f"{task.removeprefix('orders.')}_done",
        pages=outcome.pages,
        seen=outcome.seen,
        dispatched=outcome.dispatched,
        skipped=outcome.skipped,
        resumes_from=outcome.resume_from.isoformat() if outcome.resume_from else None,
        resumes_after_id=outcome.resume_after_id,
    )


def run_budget() -> float:
    """:data:`PULL_RUN_BUDGET_SECONDS`, or half the task's soft time limit when that is shorter."""
    soft = pull_orders_task.app.conf.task_soft_time_limit
    return min(PULL_RUN_BUDGET_SECONDS, float(soft) / 2) if soft else PULL_RUN_BUDGET_SECONDS
