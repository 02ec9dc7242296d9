"""Deliveries: the outgoing picking a confirmed order creates, its validation, and ``delivery_status``.

As on a fresh database (reference odoo.md §7.10), negative stock is allowed: storable products wait
with nothing reserved, yet validating with the quantities written succeeds.
"""

from __future__ import annotations

from typing import Any

from connector_worker.sandbox.odoo.behaviour import Record, behaviour, rpc_method
from connector_worker.sandbox.odoo.exceptions import UserError
from connector_worker.sandbox.odoo.magento_module import enqueue_trigger
from connector_worker.sandbox.odoo.orm import Env

OUTGOING_TYPE, STOCK_LOCATION, CUSTOMER_LOCATION = 1, 1, 2


def _storable(env: Env, product: Record) -> bool:
    if env.version >= 18:
        return bool(env.value("product.product", product, "is_storable"))
    return bool(env.value("product.product", product, "type") == "product")


def _ships(env: Env, product: Record) -> bool:
    return bool(env.value("product.product", product, "type") in ("consu", "product"))


def create_delivery(env: Env, order_id: int) -> int | None:
    """One outgoing picking with a move per goods line (services and notes ship nothing)."""
    order = env.record("sale.order", order_id)
    uom_field = "product_uom_id" if env.version >= 19 else "product_uom"
    lines = []
    for line_id in env.children("sale.order.line", "order_id", order_id):
        line = env.record("sale.order.line", line_id)
        product = env.store.get("product.product", line.get("product_id") or 0)
        if (
            product
            and not line.get("display_type")
            and _ships(env, product)
            and (line.get("product_uom_qty") or 0) > 0
        ):
            lines.append((line, product))
    if not lines:
        return None
    now = env.now()
    waiting = any(_storable(env, product) for _line, product in lines)
    picking_id = env.create(
        "stock.picking",
        {
            "name": f"WH/OUT/{env.store.next_sequence('stock.picking.out'):05d}",
            "picking_type_id": OUTGOING_TYPE,
            "location_id": STOCK_LOCATION,
            "location_dest_id": CUSTOMER_LOCATION,
            "partner_id": order.get("partner_shipping_id"),
            "origin": order["name"],
            "sale_id": order_id,
            "scheduled_date": now,
            "move_type": "direct",
            "state": "confirmed" if waiting else "assigned",
            "company_id": 1,
        },
    )
    for line, product in lines:
        storable = _storable(env, product)
        env.create(
            "stock.move",
            {
                "product_id": product["id"],
                "product_uom_qty": line["product_uom_qty"],
                "product_uom": line.get(uom_field) or 1,
                "quantity": 0.0 if storable else line["product_uom_qty"],
                "picked": False,
                "state": "confirmed" if storable else "assigned",
                "picking_id": picking_id,
                "sale_line_id": line["id"],
                "location_id": STOCK_LOCATION,
                "location_dest_id": CUSTOMER_LOCATION,
                "date": now,
                "procure_method": "make_to_stock",
                "origin": order["name"],
                "company_id": 1,
            },
        )
    return picking_id


def cancel_deliveries(env: Env, order_id: int) -> None:
    for picking_id in env.children("stock.picking", "sale_id", order_id):
        if env.get("stock.picking", picking_id, "state") != "done":
            env.write("stock.picking", [picking_id], {"state": "cancel"})
            env.write("stock.move", env.children("stock.move", "picking_id", picking_id), {"state": "cancel"})


def delivery_status(env: Env, order: Record) -> str | bool:
    pickings = [env.record("stock.picking", i) for i in env.children("stock.picking", "sale_id", order["id"])]
    states = [p.get("state") for p in pickings]
    if not pickings or all(s == "cancel" for s in states):
        return False
    if all(s in ("done", "cancel") for s in states):
        return "full"
    if any(s == "done" for s in states):
        return "partial"
    moves = [
        env.record("stock.move", m)
        for p in pickings
        for m in env.children("stock.move", "picking_id", p["id"])
    ]
    return "started" if any(m.get("picked") for m in moves) else "pending"


def _backorder_wizard(ids: list[int]) -> dict[str, Any]:
    return {
        "name": "Create Backorder?",
        "type": "ir.actions.act_window",
        "view_mode": "form",
        "res_model": "stock.backorder.confirmation",
        "views": [[False, "form"]],
        "view_id": False,
        "target": "new",
        "context": {"button_validate_picking_ids": ids, "default_pick_ids": [[4, i] for i in ids]},
    }


@rpc_method("stock.picking")
def button_validate(env: Env, model: str, ids: list[int]) -> Any:
    pickings = [env.record(model, i) for i in ids]
    short = False
    for picking in pickings:
        if picking.get("state") in ("done", "cancel"):
            raise UserError(
                "You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities."
            )
        moves = [env.record("stock.move", m) for m in env.children("stock.move", "picking_id", picking["id"])]
        if not any((m.get("quantity") or 0) > 0 for m in moves):
            raise UserError(
                "You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities."
            )
        short = short or any((m.get("quantity") or 0) < (m.get("product_uom_qty") or 0) for m in moves)
    if short and not env.context.get("skip_backorder"):
        return _backorder_wizard(ids)
    orders = list(dict.fromkeys(picking["sale_id"] for picking in pickings if picking.get("sale_id")))
    before = {order_id: delivery_status(env, env.record("sale.order", order_id)) for order_id in orders}
    for picking in pickings:
        _validate(env, picking)
    for order_id in orders:  # the module's _action_done: one row per order these pickings fully delivered
        if before[order_id] != "full" and delivery_status(env, env.record("sale.order", order_id)) == "full":
            validated = [picking["id"] for picking in pickings if picking.get("sale_id") == order_id]
            enqueue_trigger(env, order_id, "delivered", {"picking_ids": validated})
    return True


def _validate(env: Env, picking: Record) -> None:
    move_ids = env.children("stock.move", "picking_id", picking["id"])
    remaining = []
    for move_id in move_ids:
        move = env.record("stock.move", move_id)
        missing = (move.get("product_uom_qty") or 0) - (move.get("quantity") or 0)
        if missing > 0:
            remaining.append((move, missing))
        env.write("stock.move", [move_id], {"state": "done", "picked": True})
    env.write("stock.picking", [picking["id"]], {"state": "done", "date_done": env.now()})
    if remaining and picking["id"] not in (env.context.get("picking_ids_not_to_backorder") or []):
        _create_backorder(env, picking, remaining)


def _create_backorder(env: Env, picking: Record, remaining: list[tuple[Record, float]]) -> None:
    values = {
        k: v
        for k, v in picking.items()
        if k not in ("id", "name", "state", "date_done", "create_date", "write_date")
    }
    values.update(
        name=f"WH/OUT/{env.store.next_sequence('stock.picking.out'):05d}",
        backorder_id=picking["id"],
        state="confirmed",
    )
    backorder = env.create("stock.picking", values)
    for move, missing in remaining:
        keep = (
            "product_id",
            "product_uom",
            "location_id",
            "location_dest_id",
            "sale_line_id",
            "procure_method",
            "origin",
            "company_id",
        )
        env.create(
            "stock.move",
            {
                **{k: move.get(k) for k in keep},
                "product_uom_qty": missing,
                "quantity": 0.0,
                "picked": False,
                "state": "confirmed",
                "picking_id": backorder,
                "date": env.now(),
            },
        )


def _register() -> None:
    behaviour("sale.order").computed["delivery_status"] = delivery_status
    picking = behaviour("stock.picking")
    picking.computed["picking_type_code"] = lambda env, rec: env.get(
        "stock.picking.type", rec["picking_type_id"], "code"
    )
    picking.defaults.update(state=lambda env, vals: "draft", move_type=lambda env, vals: "direct")


_register()
