"""The ``magento2_connector`` module as the sandbox serves it: instances, the outbox and its triggers,
the three buttons and the unique (instance, Magento order id) constraint (ODOO_MODULE.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connector_worker.sandbox.odoo.behaviour import behaviour, rpc_method
from connector_worker.sandbox.odoo.exceptions import UserError, ValidationError
from connector_worker.sandbox.odoo.orm import Env
from connector_worker.sandbox.odoo.values import DATETIME_FORMAT

SYNC_CONTEXT_KEY = "magento_connector_sync"
STALE_QUEUED_MINUTES = 15  # a worker died between claim and enqueue: the row is claimable again
MAX_CLAIM = 500  # one claim never hands out more (the module's bound, inside Odoo's time limits)
OUTBOX_EVENTS = ("create", "update", "pull")
UNKNOWN_EVENTS_MESSAGE = "Unknown Magento outbox events: {events}. Known events: create, update, pull."
ORDER_UNIQUE_MESSAGE = (
    "The operation cannot be completed: A Magento order can be imported only once per instance."
)
INSTANCE_UNIQUE_MESSAGE = (
    "The operation cannot be completed: A Magento instance with this name already exists."
)


def enqueue_trigger(env: Env, order_id: int, trigger: str, extra: dict[str, Any] | None = None) -> None:
    """Write an automatic ``update`` row for a linked order, unless the worker itself made the change."""
    if env.context.get(SYNC_CONTEXT_KEY):
        return
    order = env.record("sale.order", order_id)
    if order.get("magento_instance_id") and order.get("magento_order_id"):
        _outbox_row(env, order_id, "update", trigger, extra)


def _outbox_row(
    env: Env, order_id: int, event: str, trigger: str, extra: dict[str, Any] | None = None
) -> None:
    """One row as the module's ``_magento_enqueue`` writes it: the order's name in the payload, plus
    ``picking_ids`` for a delivery or ``invoice_ids`` for an invoice."""
    order = env.record("sale.order", order_id)
    env.create(
        "magento.outbox",
        {
            "instance_id": order["magento_instance_id"],
            "sale_order_id": order_id,
            "event": event,
            "trigger": trigger,
            "payload": {"order_name": order.get("name"), **(extra or {})},
        },
    )


def _check_order_unique(env: Env, ids: list[int]) -> None:
    for order_id in ids:
        order = env.record("sale.order", order_id)
        instance, magento_id = order.get("magento_instance_id"), order.get("magento_order_id")
        if not instance or not magento_id:
            continue
        same = env.store.lookup("sale.order", "magento_order_id", magento_id)
        if any(
            other != order_id and env.record("sale.order", other).get("magento_instance_id") == instance
            for other in same
        ):
            raise ValidationError(ORDER_UNIQUE_MESSAGE)


def _check_instance_unique(env: Env, ids: list[int]) -> None:
    for instance_id in ids:
        name = env.record("magento.instance", instance_id).get("name")
        if len(env.store.lookup("magento.instance", "name", name)) > 1:
            raise ValidationError(INSTANCE_UNIQUE_MESSAGE)


def _register() -> None:
    instance = behaviour("magento.instance")
    instance.defaults.update(store_code=lambda env, vals: "default", company_id=lambda env, vals: 1)
    instance.constraints.append(_check_instance_unique)
    outbox = behaviour("magento.outbox")
    outbox.defaults.update(
        trigger=lambda env, vals: "button", state=lambda env, vals: "pending", attempts=lambda env, vals: 0
    )
    behaviour("sale.order").constraints.append(_check_order_unique)


_register()


@rpc_method("sale.order")
def action_magento_create(env: Env, model: str, ids: list[int]) -> bool:
    for order_id in ids:
        waiting = [
            row
            for row in env.store.lookup("magento.outbox", "sale_order_id", order_id)
            if env.record("magento.outbox", row).get("event") == "create"
            and env.record("magento.outbox", row).get("state") in ("pending", "queued")
        ]
        if waiting:  # as the module: one create at a time, or Magento could get the order twice
            continue
        if not env.get(model, order_id, "magento_instance_id"):
            active = env.search("magento.instance", [])
            if len(active) != 1:
                raise UserError("Set the Magento Instance of the order first.")
            env.write(model, [order_id], {"magento_instance_id": active[0]})
        _outbox_row(env, order_id, "create", "button")
    return True


def _linked_button(env: Env, ids: list[int], event: str) -> bool:
    for order_id in ids:
        order = env.record("sale.order", order_id)
        if not order.get("magento_order_id") or not order.get("magento_instance_id"):
            raise UserError("This order is not linked to a Magento order.")
        _outbox_row(env, order_id, event, "button")
    return True


@rpc_method("sale.order")
def action_magento_pull(env: Env, model: str, ids: list[int]) -> bool:
    return _linked_button(env, ids, "pull")


@rpc_method("sale.order")
def action_magento_update(env: Env, model: str, ids: list[int]) -> bool:
    return _linked_button(env, ids, "update")


def _claimable_events(events: Any) -> tuple[str, ...]:
    """The events a claim may hand out: all of them unless ``events`` names some (as the module checks)."""
    if events is None or events is False:
        return OUTBOX_EVENTS
    wanted = (events,) if isinstance(events, str) else tuple(events)
    unknown = [event for event in wanted if event not in OUTBOX_EVENTS]
    if unknown:
        raise UserError(UNKNOWN_EVENTS_MESSAGE.format(events=", ".join(map(str, unknown))))
    return wanted


def _claimable_instance_ids(env: Env, instances: Any) -> list[int] | None:
    """Ids of the instances named (archived ones too), or None for every instance, as the module resolves
    them; a name no instance has matches nothing."""
    if instances is None or instances is False:
        return None
    names = [instances] if isinstance(instances, str) else [str(name) for name in instances]
    found: set[int] = set()
    for name in names:
        found |= env.store.lookup("magento.instance", "name", name)
    return sorted(found)


@rpc_method("magento.outbox", model_level=True)
def claim(
    env: Env, model: str, limit: int = 50, events: Any = None, instances: Any = None
) -> list[dict[str, Any]]:
    """Take pending rows (and stale queued ones) of ``events`` and ``instances`` (names), oldest first, at
    most ``MAX_CLAIM``.

    Calls are serialized by the sandbox's transaction lock, which stands for the module's ``FOR UPDATE
    SKIP LOCKED``: no row goes to two callers.
    """
    wanted = _claimable_events(events)
    instance_ids = _claimable_instance_ids(env, instances)
    limit = min(int(limit), MAX_CLAIM)
    if limit <= 0 or not wanted or instance_ids == []:
        return []
    stale = (datetime.now(UTC) - timedelta(minutes=STALE_QUEUED_MINUTES)).strftime(DATETIME_FORMAT)
    domain: list[Any] = [
        "&",
        ("event", "in", list(wanted)),
        "|",
        ("state", "=", "pending"),
        "&",
        ("state", "=", "queued"),
        ("date_queued", "<", stale),
    ]
    if instance_ids is not None:
        domain = ["&", ("instance_id", "in", instance_ids), *domain]
    return [_claim_row(env, model, row_id) for row_id in env.search(model, domain, 0, limit, "id")]


def _claim_row(env: Env, model: str, row_id: int) -> dict[str, Any]:
    row = env.record(model, row_id)
    attempts = (row.get("attempts") or 0) + 1
    env.write(model, [row_id], {"state": "queued", "date_queued": env.now(), "attempts": attempts})
    payload = row.get("payload")
    return {
        "id": row_id,
        "instance_id": row["instance_id"],
        "instance_name": env.get("magento.instance", row["instance_id"], "name"),
        "sale_order_id": row.get("sale_order_id") or False,
        "event": row["event"],
        "trigger": row["trigger"],
        "payload": payload if payload is not None else False,
        "attempts": attempts,
    }


@rpc_method("magento.outbox")
def mark_done(env: Env, model: str, ids: list[int]) -> bool:
    env.write(model, ids, {"state": "done", "date_done": env.now(), "last_error": False})
    return True


@rpc_method("magento.outbox")
def mark_failed(env: Env, model: str, ids: list[int], error: str) -> bool:
    env.write(model, ids, {"state": "failed", "last_error": error})
    return True


@rpc_method("magento.outbox")
def action_retry(env: Env, model: str, ids: list[int]) -> bool:
    """Failed rows go back to pending; rows in any other state are left alone (as the module does)."""
    failed = [row_id for row_id in ids if env.get(model, row_id, "state") == "failed"]
    if failed:
        env.write(model, failed, {"state": "pending"})
    return True
