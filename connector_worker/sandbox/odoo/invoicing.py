"""Customer invoices: the ``sale.advance.payment.inv`` wizard, ``account.move`` amounts, and posting.

``create_invoices`` answers an act_window whose context holds ``None`` (no payment term), so over
XML-RPC the client sees "cannot marshal None" after the invoice was committed (reference §7.4, §7.8).
"""

from __future__ import annotations

from typing import Any

from connector_worker.sandbox.odoo import money
from connector_worker.sandbox.odoo.base_models import company_currency
from connector_worker.sandbox.odoo.behaviour import Record, behaviour, rpc_method
from connector_worker.sandbox.odoo.exceptions import UserError
from connector_worker.sandbox.odoo.magento_module import enqueue_trigger
from connector_worker.sandbox.odoo.orm import Env
from connector_worker.sandbox.odoo.sale import order_currency, order_lines, qty_to_invoice, tax_field

SALES_JOURNAL = 1
NOTHING_TO_INVOICE = (
    "Cannot create an invoice. No items are available to invoice.\n\n"
    "To resolve this issue, please ensure that:\n"
    "   • The products have been delivered before attempting to invoice them.\n"
    "   • The invoicing policy of the product is configured correctly.\n\n"
    "If you want to invoice based on ordered quantities instead:\n"
    "   • For consumable or storable products, open the product, go to the 'General Information' tab and change "
    "the 'Invoicing Policy' from 'Delivered Quantities' to 'Ordered Quantities'.\n"
    "   • For services (and other products), change the 'Invoicing Policy' to 'Prepaid/Fixed Price'.\n"
)


def move_lines(env: Env, move: Record) -> list[Record]:
    return [
        env.record("account.move.line", i) for i in env.children("account.move.line", "move_id", move["id"])
    ]


def move_rounding(env: Env, move: Record) -> float:
    """The rounding of the move's currency (the company's when none is set)."""
    return money.currency_rounding(env, move.get("currency_id") or company_currency(env))


def move_totals(env: Env, move: Record) -> money.Totals:
    lines = [line for line in move_lines(env, move) if line.get("display_type") in (None, "product")]
    return money.totals(env, [_aml_input(line) for line in lines], move_rounding(env, move))


def _line_totals(env: Env, line: Record) -> tuple[float, float, float]:
    move = env.store.get("account.move", line.get("move_id") or 0)
    rounding = move_rounding(env, move) if move else money.CENT
    return money.totals(env, [_aml_input(line)], rounding).lines[0]


def amount_residual(env: Env, move: Record) -> float:
    paid = float(move.get("amount_paid_sandbox") or 0.0)
    return money.float_round(move_totals(env, move).total - paid, move_rounding(env, move))


def payment_state(env: Env, move: Record) -> str:
    if move.get("state") != "posted":
        return "not_paid"
    if move_totals(env, move).total and amount_residual(env, move) <= 0:
        return "paid"
    return "partial" if move.get("amount_paid_sandbox") else "not_paid"


def _move_display_name(env: Env, move: Record) -> str:
    name = move.get("name")
    return str(name) if name and name != "/" else f"Draft Invoice (* {move['id']})"


def orders_of_move(env: Env, move: Record) -> list[int]:
    orders: list[int] = []
    for line in move_lines(env, move):
        for sale_line_id in line.get("sale_line_ids") or []:
            order_id = env.record("sale.order.line", sale_line_id)["order_id"]
            if order_id not in orders:
                orders.append(order_id)
    return orders


def _register() -> None:
    move = behaviour("account.move")
    move.defaults.update(
        name=lambda env, vals: "/",
        state=lambda env, vals: "draft",
        move_type=lambda env, vals: "entry",
        journal_id=lambda env, vals: SALES_JOURNAL,
        date=lambda env, vals: env.today(),
        auto_post=lambda env, vals: "no",
        company_id=lambda env, vals: 1,
        currency_id=lambda env, vals: company_currency(env),
    )
    move.computed.update(
        amount_untaxed=lambda env, rec: move_totals(env, rec).untaxed,
        amount_tax=lambda env, rec: move_totals(env, rec).tax,
        amount_total=lambda env, rec: move_totals(env, rec).total,
        amount_total_signed=lambda env, rec: move_totals(env, rec).total,
        amount_residual=amount_residual,
        amount_residual_signed=amount_residual,
        payment_state=payment_state,
    )
    move.display_name = _move_display_name
    line = behaviour("account.move.line")
    line.defaults.update(
        currency_id=lambda env, vals: (
            env.get("account.move", vals["move_id"], "currency_id") if vals.get("move_id") else False
        ),
        display_type=lambda env, vals: "product",
    )
    line.computed.update(
        price_subtotal=lambda env, rec: _line_totals(env, rec)[0],
        price_total=lambda env, rec: _line_totals(env, rec)[2],
    )
    wizard = behaviour("sale.advance.payment.inv")
    wizard.defaults.update(
        advance_payment_method=lambda env, vals: "delivered",
        sale_order_ids=lambda env, vals: [(6, 0, _active_orders(env))],
        deduct_down_payments=lambda env, vals: True,
        consolidated_billing=lambda env, vals: True,
        company_id=lambda env, vals: 1,
    )


def _aml_input(line: Record) -> money.LineInput:
    return money.LineInput(
        float(line.get("price_unit") or 0),
        float(line.get("quantity") or 0),
        float(line.get("discount") or 0),
        tuple(line.get("tax_ids") or ()),
    )


def _active_orders(env: Env) -> list[int]:
    if env.context.get("active_model") != "sale.order":
        return []
    return [int(i) for i in env.context.get("active_ids") or []]


_register()


def invoice_order(env: Env, order_id: int) -> int:
    """Odoo's ``_create_invoices`` for one order: every line with a quantity to invoice, notes kept."""
    order = env.record("sale.order", order_id)
    lines = order_lines(env, order_id)
    todo = [line for line in lines if not line.get("display_type") and abs(qty_to_invoice(env, line)) > 1e-9]
    if not todo:
        raise UserError(NOTHING_TO_INVOICE)
    commands = []
    for line in lines:
        if line.get("display_type"):
            commands.append(
                (
                    0,
                    0,
                    {
                        "display_type": line["display_type"],
                        "name": line.get("name"),
                        "sale_line_ids": [(6, 0, [line["id"]])],
                    },
                )
            )
        elif line in todo:
            commands.append(
                (
                    0,
                    0,
                    {
                        "name": line.get("name"),
                        "product_id": line.get("product_id"),
                        "quantity": qty_to_invoice(env, line),
                        "price_unit": line.get("price_unit"),
                        "discount": line.get("discount") or 0.0,
                        "tax_ids": [(6, 0, list(line.get(tax_field(env)) or []))],
                        "sale_line_ids": [(6, 0, [line["id"]])],
                    },
                )
            )
    move_id = env.create(
        "account.move",
        {
            "move_type": "out_invoice",
            "partner_id": order.get("partner_invoice_id"),
            "partner_shipping_id": order.get("partner_shipping_id"),
            "invoice_origin": order.get("name"),
            "ref": order.get("client_order_ref") or False,
            "payment_reference": order.get("reference") or False,
            "currency_id": order_currency(env, order),
            "journal_id": SALES_JOURNAL,
            "invoice_line_ids": commands,
        },
    )
    for aml_id in env.children("account.move.line", "move_id", move_id):
        for sale_line_id in env.record("account.move.line", aml_id).get("sale_line_ids") or []:
            current = list(env.record("sale.order.line", sale_line_id).get("invoice_lines") or [])
            env.store.update("sale.order.line", sale_line_id, {"invoice_lines": [*current, aml_id]})
    return move_id


@rpc_method("sale.advance.payment.inv")
def create_invoices(env: Env, model: str, ids: list[int]) -> dict[str, Any]:
    wizard = env.record(model, ids[0])
    if wizard.get("advance_payment_method") != "delivered":
        raise NotImplementedError(
            "the sandbox implements regular invoices only (advance_payment_method 'delivered')"
        )
    orders = list(wizard.get("sale_order_ids") or [])
    invoices = [invoice_order(env, order_id) for order_id in orders]
    context: dict[str, Any] = {"default_move_type": "out_invoice"}
    if len(orders) == 1:
        order = env.record("sale.order", orders[0])
        context.update(
            default_partner_id=order.get("partner_id"),
            default_partner_shipping_id=order.get("partner_shipping_id"),
            default_invoice_payment_term_id=order.get("payment_term_id") or None,
            default_invoice_origin=order.get("name"),
        )
    action: dict[str, Any] = {
        "type": "ir.actions.act_window",
        "name": "Invoices",
        "res_model": "account.move",
        "context": context,
    }
    if len(invoices) == 1:
        action.update(views=[[False, "form"]], res_id=invoices[0], view_mode="form")
    else:
        action.update(domain=[["id", "in", invoices]], view_mode="list,form")
    return action


@rpc_method("account.move")
def action_post(env: Env, model: str, ids: list[int]) -> bool:
    """Number and post; returns False like Odoo's ``_post(soft=False)`` wrapper (reference §7.8)."""
    for move_id in ids:
        move = env.record(model, move_id)
        if move.get("state") == "posted":
            raise UserError(f"The entry {move.get('name')} (id {move_id}) is already posted.")
        if not move_lines(env, move):
            raise UserError("You need to add a line before posting.")
        invoice_date = move.get("invoice_date") or env.today()
        year = invoice_date[:4]
        values: dict[str, Any] = {"state": "posted", "invoice_date": invoice_date, "date": invoice_date}
        if not move.get("invoice_date_due"):
            values["invoice_date_due"] = invoice_date
        if move.get("name") in (None, "/"):
            values["name"] = f"INV/{year}/{env.store.next_sequence(f'INV/{year}'):05d}"
        env.write(model, [move_id], values)
    _invoiced_triggers(env, ids)
    return False


def _invoiced_triggers(env: Env, ids: list[int]) -> None:
    """The module's ``_post``: one row per order, naming the customer invoices posted for it just now."""
    posted: dict[int, list[int]] = {}
    for move_id in ids:
        move = env.record("account.move", move_id)
        if move.get("move_type") == "out_invoice" and move.get("state") == "posted":
            for order_id in orders_of_move(env, move):
                posted.setdefault(order_id, []).append(move_id)
    for order_id, invoices in posted.items():
        enqueue_trigger(env, order_id, "invoiced", {"invoice_ids": invoices})
