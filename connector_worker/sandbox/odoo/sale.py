"""Sale orders and their lines: defaults, amounts, statuses, and the buttons confirm/cancel/draft/lock.

Messages and return values follow Odoo 17-19 (reference odoo.md §3.2, §7.6, §7.13-§7.16); the only
version differences here are the line field names and the 17/18 cancel wizard.
"""

from __future__ import annotations

from typing import Any

from connector_worker.sandbox.odoo import money, stock
from connector_worker.sandbox.odoo.base_models import COMPANY_ID, company_currency
from connector_worker.sandbox.odoo.behaviour import Record, behaviour, rpc_method
from connector_worker.sandbox.odoo.exceptions import UserError, ValidationError
from connector_worker.sandbox.odoo.magento_module import enqueue_trigger
from connector_worker.sandbox.odoo.orm import Env

LOCK_PROTECTED = (
    "product_id",
    "name",
    "price_unit",
    "product_uom",
    "product_uom_id",
    "product_uom_qty",
    "tax_id",
    "tax_ids",
)


def tax_field(env: Env) -> str:
    return "tax_ids" if env.version >= 19 else "tax_id"


def uom_field(env: Env) -> str:
    return "product_uom_id" if env.version >= 19 else "product_uom"


def order_lines(env: Env, order_id: int) -> list[Record]:
    return [env.record("sale.order.line", i) for i in env.children("sale.order.line", "order_id", order_id)]


def _line_input(env: Env, line: Record) -> money.LineInput:
    return money.LineInput(
        float(line.get("price_unit") or 0.0),
        float(line.get("product_uom_qty") or 0.0),
        float(line.get("discount") or 0.0),
        tuple(line.get(tax_field(env)) or ()),
    )


def order_totals(env: Env, order: Record) -> money.Totals:
    lines = [line for line in order_lines(env, order["id"]) if not line.get("display_type")]
    return money.totals(env, [_line_input(env, line) for line in lines], _currency_rounding(env, order))


def _product(env: Env, vals: dict[str, Any]) -> Record | None:
    product_id = vals.get("product_id")
    return env.record("product.product", product_id) if product_id else None


def _line_default(key: str, fallback: Any) -> Any:
    def default(env: Env, vals: dict[str, Any]) -> Any:
        product = None if vals.get("display_type") else _product(env, vals)
        if product is None:
            return fallback
        if key == "name":
            return env.display_name("product.product", product["id"])
        if key == "tax":
            return [(6, 0, list(env.value("product.product", product, "taxes_id")))]
        field = {"price_unit": "list_price", "uom": "uom_id"}[key]
        return env.value("product.product", product, field)

    return default


# -- computed values ---------------------------------------------------------------------------------
def _policy(env: Env, line: Record) -> str:
    product = env.store.get("product.product", line.get("product_id") or 0)
    return str(env.value("product.product", product, "invoice_policy") or "order") if product else "order"


def qty_invoiced(env: Env, line: Record) -> float:
    total = 0.0
    for aml_id in line.get("invoice_lines") or []:
        aml = env.store.get("account.move.line", aml_id)
        move = env.store.get("account.move", aml["move_id"]) if aml else None
        if aml and move and move.get("state") != "cancel":
            sign = -1.0 if move.get("move_type") == "out_refund" else 1.0
            total += sign * float(aml.get("quantity") or 0.0)
    return total


def qty_delivered(env: Env, line: Record) -> float:
    done = [env.record("stock.move", i) for i in env.children("stock.move", "sale_line_id", line["id"])]
    return sum(float(m.get("quantity") or 0.0) for m in done if m.get("state") == "done")


def qty_to_invoice(env: Env, line: Record) -> float:
    order = env.record("sale.order", line["order_id"])
    if order.get("state") != "sale" or line.get("display_type"):
        return 0.0
    basis = (
        qty_delivered(env, line)
        if _policy(env, line) == "delivery"
        else float(line.get("product_uom_qty") or 0.0)
    )
    return basis - qty_invoiced(env, line)


def line_invoice_status(env: Env, line: Record) -> str:
    order = env.record("sale.order", line["order_id"])
    if order.get("state") != "sale" or line.get("display_type"):
        return "no"
    ordered = float(line.get("product_uom_qty") or 0.0)
    if abs(qty_to_invoice(env, line)) > 1e-9:
        return "to invoice"
    if _policy(env, line) == "delivery" and qty_delivered(env, line) > ordered:
        return "upselling"
    return "invoiced" if qty_invoiced(env, line) >= ordered else "no"


def order_invoice_status(env: Env, order: Record) -> str:
    if order.get("state") != "sale":
        return "no"
    statuses = [
        line_invoice_status(env, line)
        for line in order_lines(env, order["id"])
        if not line.get("display_type")
    ]
    if "to invoice" in statuses:
        return "to invoice"
    if statuses and all(s == "invoiced" for s in statuses):
        return "invoiced"
    if statuses and all(s in ("invoiced", "upselling") for s in statuses):
        return "upselling"
    return "no"


def order_invoices(env: Env, order: Record) -> list[int]:
    moves: list[int] = []
    for line in order_lines(env, order["id"]):
        for aml_id in line.get("invoice_lines") or []:
            aml = env.store.get("account.move.line", aml_id)
            if aml and aml["move_id"] not in moves:
                moves.append(aml["move_id"])
    return sorted(moves, reverse=True)


def _line_amount(index: int) -> Any:
    def compute(env: Env, line: Record) -> float:
        if line.get("display_type"):
            return 0.0
        order = env.store.get("sale.order", line.get("order_id") or 0)
        rounding = _currency_rounding(env, order) if order else 0.01
        return money.totals(env, [_line_input(env, line)], rounding).lines[0][index]

    return compute


def _currency_rounding(env: Env, order: Record) -> float:
    return money.currency_rounding(env, order_currency(env, order))


def order_currency(env: Env, order: Record) -> int:
    """The pricelist's currency, else the company's: ``currency_id`` is computed (reference §7.14)."""
    pricelist = order.get("pricelist_id")
    if pricelist:
        return int(env.get("product.pricelist", pricelist, "currency_id"))
    return company_currency(env)


def _register_fields() -> None:
    order = behaviour("sale.order")
    order.defaults.update(
        name=lambda env, vals: "New",
        state=lambda env, vals: "draft",
        date_order=lambda env, vals: env.now(),
        company_id=lambda env, vals: COMPANY_ID,
        user_id=lambda env, vals: env.uid,
        partner_invoice_id=lambda env, vals: vals.get("partner_id") or False,
        partner_shipping_id=lambda env, vals: vals.get("partner_id") or False,
        picking_policy=lambda env, vals: "direct",
        locked=lambda env, vals: False,
    )
    order.prepare_create.append(_order_name)
    order.computed.update(
        amount_untaxed=lambda env, rec: order_totals(env, rec).untaxed,
        amount_tax=lambda env, rec: order_totals(env, rec).tax,
        amount_total=lambda env, rec: order_totals(env, rec).total,
        currency_id=order_currency,
        invoice_status=order_invoice_status,
        invoice_ids=order_invoices,
        invoice_count=lambda env, rec: len(order_invoices(env, rec)),
    )
    order.before_unlink.append(_unlink_orders)
    line = behaviour("sale.order.line")
    line.defaults.update(
        name=_line_default("name", False),
        price_unit=_line_default("price_unit", 0.0),
        tax_id=_line_default("tax", []),
        tax_ids=_line_default("tax", []),
        product_uom=_line_default("uom", False),
        product_uom_id=_line_default("uom", False),
        product_uom_qty=lambda env, vals: 0.0 if vals.get("display_type") else 1.0,
        sequence=lambda env, vals: 10,
        customer_lead=lambda env, vals: 0.0,
    )
    line.computed.update(
        price_subtotal=_line_amount(0),
        price_tax=_line_amount(1),
        price_total=_line_amount(2),
        qty_invoiced=qty_invoiced,
        qty_delivered=qty_delivered,
        qty_to_invoice=qty_to_invoice,
        invoice_status=line_invoice_status,
        state=lambda env, rec: env.get("sale.order", rec["order_id"], "state"),
        currency_id=lambda env, rec: order_currency(env, env.record("sale.order", rec["order_id"])),
    )
    line.constraints.append(_check_display_lines)
    line.before_write.append(_check_locked)
    line.before_unlink.append(_unlink_lines)


def _order_name(env: Env, vals: dict[str, Any]) -> None:
    if vals.get("name") in (None, False, "New", "/"):
        vals["name"] = f"S{env.store.next_sequence('sale.order'):05d}"


def _check_display_lines(env: Env, ids: list[int]) -> None:
    for line_id in ids:
        line = env.record("sale.order.line", line_id)
        if line.get("display_type") and (
            line.get("product_id") or line.get("product_uom_qty") or line.get("price_unit")
        ):
            raise ValidationError(
                "The operation cannot be completed: Forbidden values on non-accountable sale order line"
            )


def _check_locked(env: Env, ids: list[int], vals: dict[str, Any]) -> None:
    protected = [f for f in LOCK_PROTECTED if f in vals]
    if not protected:
        return
    for line_id in ids:
        order = env.record("sale.order", env.record("sale.order.line", line_id)["order_id"])
        if order.get("locked"):
            labels = "\n".join(env.schema["sale.order.line"].fields[f].string for f in protected)
            raise UserError(f"It is forbidden to modify the following fields in a locked order:\n{labels}")


def _unlink_orders(env: Env, ids: list[int]) -> None:
    for order_id in ids:
        if env.get("sale.order", order_id, "state") not in ("draft", "cancel"):
            raise UserError(
                "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
            )


def _unlink_lines(env: Env, ids: list[int]) -> None:
    for line_id in ids:
        line = env.record("sale.order.line", line_id)
        order = env.store.get("sale.order", line["order_id"])
        if order and order.get("state") == "sale" and not line.get("display_type"):
            raise UserError(
                "Once a sales order is confirmed, you can't remove one of its lines (we need to track if something "
                "gets invoiced or delivered).\n Set the quantity to 0 instead."
            )


_register_fields()


# -- buttons -------------------------------------------------------------------------------------------
@rpc_method("sale.order")
def action_confirm(env: Env, model: str, ids: list[int]) -> bool:
    orders = [env.record(model, order_id) for order_id in ids]
    if any(order.get("state") not in ("draft", "sent") for order in orders):
        raise UserError("Some orders are not in a state requiring confirmation.")
    for order in orders:
        if any(
            not line.get("display_type") and not line.get("product_id")
            for line in order_lines(env, order["id"])
        ):
            raise UserError("A line on these orders missing a product, you cannot confirm it.")
    for order in orders:
        env.write(model, [order["id"]], {"state": "sale", "date_order": env.now()})
        stock.create_delivery(env, order["id"])
        enqueue_trigger(env, order["id"], "confirmed")
    return True


def cancel_orders(env: Env, ids: list[int]) -> None:
    """Odoo's ``_action_cancel``: draft invoices and open deliveries are cancelled with the order."""
    for order_id in ids:
        for move_id in order_invoices(env, env.record("sale.order", order_id)):
            if env.get("account.move", move_id, "state") == "draft":
                env.write("account.move", [move_id], {"state": "cancel"})
        stock.cancel_deliveries(env, order_id)
        was_cancelled = env.get("sale.order", order_id, "state") == "cancel"
        env.write("sale.order", [order_id], {"state": "cancel"})
        if not was_cancelled:
            enqueue_trigger(env, order_id, "cancelled")


@rpc_method("sale.order")
def action_cancel(env: Env, model: str, ids: list[int]) -> Any:
    orders = [env.record(model, order_id) for order_id in ids]
    if any(order.get("locked") for order in orders):
        raise UserError("You cannot cancel a locked order. Please unlock it first.")
    wizard = env.version < 19 and not env.context.get("disable_cancel_warning")
    if wizard and any(order.get("state") != "draft" for order in orders):
        return {
            "name": "Cancel Sales Order",
            "view_mode": "form",
            "res_model": "sale.order.cancel",
            "view_id": 1,
            "type": "ir.actions.act_window",
            "context": {"default_order_id": ids[0]},
            "target": "new",
        }
    cancel_orders(env, ids)
    return True


@rpc_method("sale.order")
def action_draft(env: Env, model: str, ids: list[int]) -> bool:
    targets = [i for i in ids if env.get(model, i, "state") in ("cancel", "sent")]
    if targets:
        env.write(model, targets, {"state": "draft"})
    return True


@rpc_method("sale.order")
def action_lock(env: Env, model: str, ids: list[int]) -> None:
    """Returns None, as Odoo does: XML-RPC then fails marshalling after the commit (reference §1.5)."""
    env.write(model, ids, {"locked": True})


@rpc_method("sale.order")
def action_unlock(env: Env, model: str, ids: list[int]) -> None:
    env.write(model, ids, {"locked": False})


@rpc_method("sale.order")
def action_quotation_sent(env: Env, model: str, ids: list[int]) -> bool:
    if any(env.get(model, i, "state") != "draft" for i in ids):
        raise UserError("Only draft orders can be marked as sent directly.")
    env.write(model, ids, {"state": "sent"})
    return True
