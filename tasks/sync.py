"""``orders.sync``: bring one Magento order into Odoo — created once, then kept up to date.

The steps: fetch (unless the pull handed the order over) → skip if this version was already synced (no lock:
most duplicates end here) → take the per-order lock, waiting briefly for a copy that holds it → skip if that
copy synced this version, re-read the order if it synced a newer one → create the Odoo order with all its
lines in one call, or write the Magento fields on the existing one → apply the status map → register the
payment when Magento says paid and auto-payment is on → remember the version synced.

Create or update: an order the connector never synced (no synced marker) is created straight away, and
Odoo's unique (instance, Magento ID) turns the rare order that is there after all (a marker lost or
expired, a create whose answer was lost) into a :class:`DuplicateOrderError`, after which it is found and
updated. An order synced before (a marker, of any version), or one Odoo's *Pull from Magento* asked for, is
looked up first. A new order thus costs its create alone, not a search and a create.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.settings import InstanceConfig, InstanceOptions
from connector_worker import task_names
from connector_worker.errors import MappingError, OutcomeUnknownError, PermanentError, TransientError
from connector_worker.locks import RedisLock, order_lock
from connector_worker.log import bind_context, get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.invoicing import PaymentJournal
from connector_worker.odoo.orders import DuplicateOrderError
from connector_worker.runtime import Runtime, get_runtime
from connector_worker.synced import is_superseded, is_synced, mark_synced, synced_version, version
from mappers import errors as mapping_errors
from mappers.fields import ORDER_SELECTION
from mappers.order import magento_order_to_odoo, magento_status_values
from mappers.status import OdooOrderState, SaleAction, is_paid, is_refunded, sale_order_actions
from tasks.base import connector_task
from tasks.payments import PaymentOutcome, register_payment
from tasks.reconcile import RUN as RECONCILE_SOURCE
from tasks.resolve import Resolver

log = get_logger(__name__)

# How long a copy waits for another copy of the same order (or customer) before it is retried later
# (connector_worker.locks.hold_lock): a duplicate delivery then usually finds its version synced. The task bounds it by a third
# of its soft time limit, so waiting never costs the attempt.
ORDER_LOCK_WAIT_SECONDS = 5.0

# What the sync reads of an existing Odoo order: its state and the Magento fields it compares.
ORDER_READ_FIELDS = (
    "id",
    "name",
    "state",
    "locked",
    "delivery_status",
    "invoice_status",
    "invoice_ids",
    "amount_total",
    "magento_state",
    "magento_status",
    "magento_amount_mismatch",
)


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync did, for logs, the CLI and tests."""

    instance: str
    entity_id: int
    result: str  # created | updated | unchanged
    odoo_id: int | None = None
    name: str | None = None
    actions: tuple[str, ...] = ()
    payment: str | None = None
    mismatch: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def sync_order(
    runtime: Runtime,
    instance_name: str,
    entity_id: int,
    *,
    order: Mapping[str, Any] | None = None,
    lock_wait_seconds: float = ORDER_LOCK_WAIT_SECONDS,
    find_first: bool = False,
) -> SyncOutcome:
    """Sync Magento order ``entity_id`` of ``instance_name`` into Odoo (safe to run any number of times).

    ``find_first``: the caller knows Odoo has the order (e.g. Odoo asked for it), so it is looked up rather
    than created first even when no version of it was synced before.
    """
    instance = runtime.instance(instance_name)
    magento = runtime.magento(instance_name)
    if order is None:
        order = magento.get_order(entity_id, ORDER_SELECTION)
    if is_synced(runtime.redis, runtime.keys, instance_name, order):
        return SyncOutcome(instance_name, entity_id, "unchanged")
    with order_lock(
        runtime.redis, runtime.keys, instance_name, entity_id, wait_seconds=lock_wait_seconds
    ) as lock:
        # A version as recent was synced while this payload waited (queue, retry, dead letter, the lock):
        # read the order again rather than write older data over newer. Only an order synced before can
        # be stale, so a new one costs one read of its marker here.
        synced = synced_version(runtime.redis, runtime.keys, instance_name, entity_id)
        if is_superseded(synced, order):
            order = magento.get_order(entity_id, ORDER_SELECTION)
        if synced is not None and synced == version(order):
            return SyncOutcome(instance_name, entity_id, "unchanged")
        find_first = find_first or synced is not None
        outcome = _sync_locked(runtime, instance, order, lock, lock_wait_seconds, find_first=find_first)
        mark_synced(runtime.redis, runtime.keys, instance_name, order)
    log.info(
        "order_synced",
        result=outcome.result,
        odoo_id=outcome.odoo_id,
        odoo_name=outcome.name,
        actions=list(outcome.actions),
        payment=outcome.payment,
    )
    return outcome


def _sync_locked(
    runtime: Runtime,
    instance: InstanceConfig,
    order: Mapping[str, Any],
    lock: RedisLock,
    lock_wait_seconds: float,
    *,
    find_first: bool,
) -> SyncOutcome:
    gw = runtime.odoo()
    resolver = Resolver(runtime, instance, lock_wait_seconds=lock_wait_seconds)
    entity_id = int(order["entity_id"])
    now = dt.datetime.now(dt.UTC)
    record = _find(gw, resolver.instance_id(), entity_id) if find_first else None
    result = "updated"
    mismatch = False
    if record is None:
        created, record = _create_or_find(gw, resolver, order, lock, now, looked_up=find_first)
        result = "created" if created else "updated"
        mismatch = bool(record.get("magento_amount_mismatch"))
    try:
        # Every write checks the order's lock right before it is made, as the create does: a copy whose
        # lock lapsed (its renewals failed for a whole TTL) may be racing another copy that took it over.
        actions, payment = _bring_in_line(
            runtime, instance, order, record, now, before_writing=lock.ensure_held
        )
        # Magento's fields last, once the order is in line: the status map reads the Magento state Odoo
        # holds (a reopened order is told apart from one cancelled in Odoo by it), so an attempt that
        # stops half way must leave the previous state there for its retry.
        if result == "updated":
            lock.ensure_held()
            gw.write_order(int(record["id"]), magento_status_values(order, now))
    except PermanentError as exc:
        raise _record_error(gw, record, exc) from exc
    return SyncOutcome(
        instance.name,
        entity_id,
        result,
        odoo_id=int(record["id"]),
        name=record.get("name"),
        actions=tuple(action.value for action in actions),
        payment=payment.value if payment else None,
        mismatch=mismatch,
    )


def _create_or_find(
    gw: OdooGateway,
    resolver: Resolver,
    order: Mapping[str, Any],
    lock: RedisLock,
    now: dt.datetime,
    *,
    looked_up: bool,
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the order created or None, the Odoo order): created, else found because Odoo has it already.

    Created first (not ``looked_up``), an order that cannot be mapped or created (say its product was
    deleted since) is looked for too: one Odoo has needs no mapping to be brought in line.
    """
    entity_id = int(order["entity_id"])
    try:
        created = _create(gw, resolver, order, lock, now)
    except PermanentError:
        found = None if looked_up else _find(gw, resolver.instance_id(), entity_id)
        if found is None:
            raise
        return None, found
    record = created or _find(gw, resolver.instance_id(), entity_id)
    if record is None:
        raise TransientError(f"order {entity_id}: Odoo's answer to the create was lost and no order is there")
    return created, record


def _find(gw: OdooGateway, instance_id: int, entity_id: int) -> dict[str, Any] | None:
    return gw.find_orders(instance_id, [entity_id], ORDER_READ_FIELDS).get(str(entity_id))


def _create(
    gw: OdooGateway, resolver: Resolver, order: Mapping[str, Any], lock: RedisLock, now: dt.datetime
) -> dict[str, Any] | None:
    """Create the order with all its lines; None when Odoo already has it (synced before, or another copy
    won the race) or may have it (the answer to the create was lost): the caller then looks it up."""
    entity_id = int(order["entity_id"])
    resolved = resolver.resolve([order], now)
    if entity_id in resolved.errors:
        error = resolved.errors[entity_id]
        raise error if isinstance(error, TransientError) else _permanent(error)
    try:
        mapping = magento_order_to_odoo(order, resolved.contexts[entity_id], resolved.plans.get(entity_id))
    except mapping_errors.MappingError as exc:
        raise _permanent(exc) from exc
    if mapping.mismatch:
        log.warning(
            "amount_mismatch",
            magento_total=str(mapping.magento_total),
            odoo_total=str(mapping.predicted_total),
            tolerance=str(resolver.instance.options.amount_tolerance),
        )
    lock.ensure_held()
    try:
        created = gw.create_order(mapping.values)
    except DuplicateOrderError:
        return None
    except OutcomeUnknownError:
        return None
    bind_context(odoo_id=created["id"])
    return {
        **created,
        "locked": False,
        "delivery_status": False,
        "invoice_ids": [],
        "magento_state": None,
        "magento_amount_mismatch": mapping.mismatch,
    }


def _bring_in_line(
    runtime: Runtime,
    instance: InstanceConfig,
    order: Mapping[str, Any],
    record: dict[str, Any],
    now: dt.datetime,
    *,
    before_writing: Callable[[], None],
) -> tuple[list[SaleAction], PaymentOutcome | None]:
    """Apply the status map, then the payment; locking (closed orders) comes last, after the payment."""
    gw = runtime.odoo()
    options = instance.options
    before = OdooOrderState(
        state=str(record["state"]),
        locked=bool(record.get("locked")),
        delivery_status=record.get("delivery_status") or None,
        magento_state=record.get("magento_state") or None,
    )
    paid = is_paid(order)
    actions = sale_order_actions(
        str(order.get("state") or ""), order.get("status"), before, options, paid=paid
    )
    order_id = int(record["id"])
    now_applied = [action for action in actions if action is not SaleAction.LOCK]
    for action in now_applied:
        before_writing()
        _apply(gw, order_id, action)
        record["state"] = _STATE_AFTER.get(action, record["state"])
    payment = None
    if options.auto_payment and paid and record["state"] == "sale":
        # An order read this sync and left as it was holds its invoice status; one acted on, or just
        # created, is read again by the payment step.
        fresh = not now_applied and "invoice_status" in record
        payment = _pay(runtime, options, order, record, now, before_writing=before_writing, fresh=fresh)
    if SaleAction.LOCK in actions:  # last: a locked order takes no invoice
        before_writing()
        _apply(gw, order_id, SaleAction.LOCK)
    return actions, payment


def _pay(
    runtime: Runtime,
    options: InstanceOptions,
    order: Mapping[str, Any],
    record: Mapping[str, Any],
    now: dt.datetime,
    *,
    before_writing: Callable[[], None],
    fresh: bool,
) -> PaymentOutcome:
    """The payment of a confirmed order Magento shows paid, unless booking it would misstate the books."""
    if is_refunded(order):
        # Refunded in full before Odoo registered the payment: booking the payment alone would show money
        # Magento gave back (credit notes are not mirrored).
        return PaymentOutcome.REFUNDED
    if record.get("magento_amount_mismatch"):
        # Odoo's total is not what Magento collected: paying Odoo's would book a payment nobody received.
        # The order carries the flag; a person registers the payment once the difference is understood.
        log.warning("payment_withheld", reason="Odoo's total differs from Magento's grand_total")
        return PaymentOutcome.AMOUNT_MISMATCH
    journal = _bank_journal(runtime, options.payment_journal_code)
    memo = f"Magento #{order.get('increment_id') or order['entity_id']}"
    try:
        return register_payment(
            runtime.odoo(),
            record,
            journal=journal,
            memo=memo,
            payment_date=now.date(),
            refresh=not fresh,
            before_writing=before_writing,
        )
    except PermanentError:
        runtime.ids.journals.pop(options.payment_journal_code, None)  # it may be the journal: look again
        raise


def _bank_journal(runtime: Runtime, code: str | None) -> PaymentJournal:
    """The payment journal for ``code``, looked up once per process (``Runtime.ids``): one RPC saved per
    paid order. A payment refused by Odoo drops it, so a journal changed meanwhile is read again."""
    journals = runtime.ids.journals
    if code not in journals:
        journals[code] = runtime.odoo().bank_journal(code)
    return journals[code]


_STATE_AFTER = {SaleAction.CONFIRM: "sale", SaleAction.CANCEL: "cancel", SaleAction.DRAFT: "draft"}


def _apply(gw: OdooGateway, order_id: int, action: SaleAction) -> None:
    if action is SaleAction.CONFIRM:
        gw.confirm_order(order_id)
    elif action is SaleAction.CANCEL:
        gw.cancel_order(order_id)
    elif action is SaleAction.DRAFT:
        gw.draft_order(order_id)
    elif action is SaleAction.LOCK:
        gw.set_locked(order_id, True)
    elif action is SaleAction.UNLOCK:
        gw.set_locked(order_id, False)
    elif action is SaleAction.DELIVER:
        gw.deliver_order(order_id)


def _permanent(exc: Exception) -> PermanentError:
    if isinstance(exc, PermanentError):
        return exc
    return MappingError(str(exc))


def _record_error(gw: OdooGateway, record: Mapping[str, Any], exc: PermanentError) -> PermanentError:
    """Show a permanent failure on the Odoo order too (best effort), so an integrator sees it there."""
    try:
        gw.write_order(int(record["id"]), {"magento_sync_error": str(exc)[:2000]})
    except (PermanentError, TransientError):
        log.warning("sync_error_not_recorded", odoo_id=record["id"])
    return exc


@connector_task(task_names.SYNC)
def sync_order_task(
    instance: str,
    entity_id: int,
    source: str = "webhook",
    order: dict[str, Any] | None = None,
    outbox_id: int | None = None,
) -> dict[str, Any]:
    """Sync one order. Safe twice: the per-order lock serializes copies, Odoo's unique (instance, Magento ID)
    refuses a second create (the copy then updates), and every later step checks Odoo's state first.

    ``outbox_id``: the ``magento.outbox`` row (button *Pull from Magento*) to mark done, or failed with the
    reason when the failure is permanent (a transient one is retried and reported later).
    """
    runtime = get_runtime()
    try:
        outcome = sync_order(
            runtime,
            instance,
            int(entity_id),
            order=order,
            lock_wait_seconds=_lock_wait(),
            # Odoo asked for an order it holds, or the reconcile found it there at another status (most of
            # its syncs): look it up rather than send a create Odoo refuses as a duplicate.
            find_first=outbox_id is not None or source == RECONCILE_SOURCE,
        )
    except PermanentError as exc:
        if outbox_id is not None:
            runtime.odoo().outbox_failed([outbox_id], str(exc)[:2000])
        raise
    if outbox_id is not None:
        runtime.odoo().outbox_done([outbox_id])
    return {"result": outcome.result, "odoo_id": outcome.odoo_id, "name": outcome.name, "source": source}


def _lock_wait() -> float:
    """:data:`ORDER_LOCK_WAIT_SECONDS`, or a third of the soft time limit when that is shorter."""
    soft = sync_order_task.app.conf.task_soft_time_limit
    return min(ORDER_LOCK_WAIT_SECONDS, float(soft) / 3) if soft else ORDER_LOCK_WAIT_SECONDS
