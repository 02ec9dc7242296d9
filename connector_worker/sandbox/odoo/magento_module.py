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
ORDER_UNIQUE_MESSAGE = (
    "The operation cannot be completed: A Magento order can be imported only once per instance."
)
INSTANCE_UNIQUE_MESSAGE = (
    "The operation cannot be completed: A Magento instance with this name already exists."
)


def enqueue_trigger(env: Env, order_id: int, trigger: str) -> None:
    """Write an automatic ``update`` row for a linked order, unless the worker itself made the change."""
    if env.context.get(SYNC_CONTEXT_KEY):
        return
    order = env.record("sale.order", order_id)
    if order.get("magento_instance_id") and order.get("magento_order_id"):
        env.create(
            "magento.outbox",
            {
                "instance_id": order["magento_instance_id"],
                "sale_order_id": order_id,
                "event": "update",
                "trigger": trigger,
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


def _button_row(env: Env, order_id: int, event: str) -> None:
    order = env.record("sale.order", order_id)
    env.create(
        "magento.outbox",
        {
            "instance_id": order["magento_instance_id"],
            "sale_order_id": order_id,
            "event": event,
            "trigger": "button",
        },
    )


@rpc_method("sale.order")
def action_magento_create(env: Env, model: str, ids: list[int]) -> bool:
    for order_id in ids:
        if not env.get(model, order_id, "magento_instance_id"):
            active = env.search("magento.instance", [])
            if len(active) != 1:
                raise UserError("Set the Magento Instance of the order first.")
            env.write(model, [order_id], {"magento_instance_id": active[0]})
        _button_row(env, order_id, "create")
    return True


def _linked_button(env: Env, ids: list[int], event: str) -> bool:
    for order_id in ids:
        order = env.record("sale.order", order_id)
        if not order.get("magento_order_id") or not order.get("magento_instance_id"):
            raise UserError("This order is not linked to a Magento order.")
        _button_row(env, order_id, event)
    return True


@rpc_method("sale.order")
def action_magento_pull(env: Env, model: str, ids: list[int]) -> bool:
    return _linked_button(env, ids, "pull")


@rpc_method("sale.order")
def action_magento_update(env: Env, model: str, ids: list[int]) -> bool:
    return _linked_button(env, ids, "update")


@rpc_method("magento.outbox", model_level=True)
def claim(env: Env, model: str, limit: int = 50) -> list[dict[str, Any]]:
    """Take pending rows (and stale queued ones), oldest first; calls are serialized, so no row goes twice."""
    stale = (datetime.now(UTC) - timedelta(minutes=STALE_QUEUED_MINUTES)).strftime(DATETIME_FORMAT)
    domain = ["|", ("state", "=", "pending"), "&", ("state", "=", "queued"), ("date_queued", "<", stale)]
    rows = []
    for row_id in env.search(model, domain, 0, limit or None, "id"):
        row = env.record(model, row_id)
        env.write(
            model,
            [row_id],
            {"state": "queued", "date_queued": env.now(), "attempts": (row.get("attempts") or 0) + 1},
        )
        rows.append(
            {
                "id": row_id,
                "instance_id": row["instance_id"],
                "instance_name": env.get("magento.instance", row["instance_id"], "name"),
                "sale_order_id": row.get("sale_order_id") or False,
                "event": row["event"],
                "trigger": row["trigger"],
                "payload": row.get("payload") or False,
                "attempts": row["attempts"],
            }
        )
    return rows


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
    env.write(model, ids, {"state": "pending"})
    return True
