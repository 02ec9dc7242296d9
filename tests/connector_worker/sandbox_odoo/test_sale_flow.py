"""An order's life over RPC: confirm, deliver, invoice, pay, cancel, lock — as reference §3 and §7 describe."""

from __future__ import annotations

import xmlrpc.client
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.connector_worker.sandbox_odoo.helpers import make_order, make_product
from tests.support.odoo_sandbox import OdooSandboxHandle


def _order(odoo: OdooSandboxHandle, conn: Any, qty: float = 2.0) -> int:
    product = make_product(conn, odoo.version, "Widget", 10.0)
    return make_order(
        odoo,
        conn,
        [{"product_id": product, "product_uom_qty": qty, "price_unit": 10.0}],
        date_order="2017-08-21 22:22:19",
    )


def test_confirm_creates_one_delivery_and_overwrites_date_order(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    orders = conn.get_model("sale.order")
    order = _order(odoo, conn)
    assert orders.read(order, ["date_order"])["date_order"] == "2017-08-21 22:22:19"
    assert orders.action_confirm([order]) is True
    row = orders.read(
        order, ["state", "date_order", "picking_ids", "delivery_status", "invoice_status", "name"]
    )
    assert row["state"] == "sale"
    assert row["date_order"][:10] == datetime.now(UTC).date().isoformat()
    assert len(row["picking_ids"]) == 1
    assert (row["delivery_status"], row["invoice_status"]) == ("pending", "to invoice")
    picking = conn.get_model("stock.picking").read(
        row["picking_ids"][0], ["name", "origin", "state", "picking_type_code"]
    )
    assert picking["name"].startswith("WH/OUT/")
    assert (picking["origin"], picking["picking_type_code"]) == (row["name"], "outgoing")
    with pytest.raises(xmlrpc.client.Fault) as twice:  # odoo-client-lib speaks the legacy /xmlrpc endpoint
        orders.action_confirm([order])
    assert (
        twice.value.faultCode
        == "warning -- UserError\n\nSome orders are not in a state requiring confirmation."
    )


def test_unlink_of_a_confirmed_order_is_refused(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    order = _order(odoo, conn)
    conn.get_model("sale.order").action_confirm([order])
    with (
        xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/2/object") as proxy,
        pytest.raises(xmlrpc.client.Fault) as fault,
    ):
        proxy.execute_kw(odoo.db, 2, odoo.password, "sale.order", "unlink", [[order]])
    assert fault.value.faultCode == 2
    assert (
        fault.value.faultString
        == "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
    )


def test_cancel_returns_the_wizard_on_17_and_18_but_not_on_19(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("jsonrpc")
    orders = conn.get_model("sale.order")
    order = _order(odoo, conn)
    orders.action_confirm([order])
    result = orders.action_cancel([order])
    if odoo.version < 19:
        assert result["res_model"] == "sale.order.cancel"
        assert orders.read(order, ["state"])["state"] == "sale"
        assert orders.action_cancel([order], context={"disable_cancel_warning": True}) is True
    else:
        assert result is True
    row = orders.read(order, ["state", "delivery_status"])
    assert (row["state"], row["delivery_status"]) == ("cancel", False)
    assert orders.action_draft([order]) is True
    assert orders.read(order, ["state"])["state"] == "draft"


def test_lock_returns_none_so_xmlrpc_faults_after_the_commit(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    orders = conn.get_model("sale.order")
    order = _order(odoo, conn)
    orders.action_confirm([order])
    with pytest.raises(xmlrpc.client.Fault) as fault:
        orders.action_lock([order])
    assert fault.value.faultCode == "cannot marshal None unless allow_none is enabled"
    assert orders.read(order, ["locked"])["locked"] is True
    with pytest.raises(xmlrpc.client.Fault) as locked:
        orders.action_cancel([order], context={"disable_cancel_warning": True})
    assert (
        locked.value.faultCode
        == "warning -- UserError\n\nYou cannot cancel a locked order. Please unlock it first."
    )
    assert odoo.connection("jsonrpc").get_model("sale.order").action_unlock([order]) is None
    assert orders.read(order, ["locked"])["locked"] is False


def test_invoice_post_and_pay_over_xmlrpc(odoo: OdooSandboxHandle) -> None:
    odoo.reset()  # the numbers below are the first of a fresh database
    conn = odoo.connection("xmlrpc")
    orders = conn.get_model("sale.order")
    order = _order(odoo, conn)
    orders.action_confirm([order])
    ctx = {"active_model": "sale.order", "active_ids": [order], "active_id": order}
    wizard_model = conn.get_model("sale.advance.payment.inv")
    wizard = wizard_model.create({"advance_payment_method": "delivered"}, context=ctx)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        wizard_model.create_invoices([wizard], context=ctx)
    assert fault.value.faultCode == "cannot marshal None unless allow_none is enabled"
    row = orders.read(order, ["invoice_ids", "invoice_status", "amount_total"])
    assert len(row["invoice_ids"]) == 1 and row["invoice_status"] == "invoiced"
    invoice_id = row["invoice_ids"][-1]
    moves = conn.get_model("account.move")
    assert moves.action_post([invoice_id]) is False
    invoice = moves.read(
        invoice_id, ["name", "state", "amount_total", "amount_residual", "payment_state", "invoice_origin"]
    )
    assert invoice["name"] == f"INV/{datetime.now(UTC).year}/00001"
    assert (invoice["state"], invoice["payment_state"]) == ("posted", "not_paid")
    assert invoice["amount_total"] == invoice["amount_residual"] == row["amount_total"] == 23.0
    pctx = {"active_model": "account.move", "active_ids": [invoice_id]}
    register = conn.get_model("account.payment.register")
    payment_wizard = register.create({"journal_id": 6, "amount": invoice["amount_total"]}, context=pctx)
    action = register.action_create_payments([payment_wizard], context=pctx)
    assert action["res_model"] == "account.payment"
    invoice = moves.read(invoice_id, ["payment_state", "amount_residual"])
    assert (invoice["payment_state"], invoice["amount_residual"]) == ("paid", 0.0)
    memo = "memo" if odoo.version >= 18 else "ref"
    payment = conn.get_model("account.payment").read(
        action["res_id"], ["name", "state", "is_reconciled", memo]
    )
    assert payment["name"] == f"PBNK1/{datetime.now(UTC).year}/00001"
    assert payment["state"] == ("paid" if odoo.version >= 18 else "posted")
    assert (payment["is_reconciled"], payment[memo]) == (True, f"INV/{datetime.now(UTC).year}/00001")
    with pytest.raises(xmlrpc.client.Fault) as nothing_left:
        register.create({"journal_id": 6}, context=pctx)
    assert "nothing left to pay" in str(nothing_left.value.faultCode)


def test_payment_wizard_refuses_draft_invoices_and_other_models(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("jsonrpc")
    order = _order(odoo19, conn)
    conn.get_model("sale.order").action_confirm([order])
    ctx = {"active_model": "sale.order", "active_ids": [order]}
    wizard = conn.get_model("sale.advance.payment.inv").create({}, context=ctx)
    action = conn.get_model("sale.advance.payment.inv").create_invoices([wizard], context=ctx)
    assert action["context"]["default_invoice_payment_term_id"] is None  # the None XML-RPC cannot marshal
    register = conn.get_model("account.payment.register")
    for context, message in (
        (
            {"active_model": "account.move", "active_ids": [action["res_id"]]},
            "You can only register payment for posted journal entries.",
        ),
        (
            {"active_model": "sale.order", "active_ids": [order]},
            "The register payment wizard should only be called on account.move or account.move.line records.",
        ),
    ):
        with pytest.raises(Exception) as error:
            register.create({}, context=context)
        assert error.value.error["data"]["message"] == message  # type: ignore[attr-defined]


def test_delivery_validation_makes_the_order_fully_delivered(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    order = _order(odoo, conn, qty=3)
    conn.get_model("sale.order").action_confirm([order])
    picking_id = conn.get_model("sale.order").read(order, ["picking_ids"])["picking_ids"][0]
    moves = conn.get_model("stock.move")
    for move in moves.search_read([("picking_id", "=", picking_id)], ["product_uom_qty"]):
        moves.write([move["id"]], {"quantity": move["product_uom_qty"], "picked": True})
    assert conn.get_model("stock.picking").button_validate([picking_id]) is True
    assert conn.get_model("stock.picking").read(picking_id, ["state"])["state"] == "done"
    row = conn.get_model("sale.order").read(order, ["delivery_status", "order_line"])
    assert row["delivery_status"] == "full"
    assert (
        conn.get_model("sale.order.line").read(row["order_line"][0], ["qty_delivered"])["qty_delivered"]
        == 3.0
    )


def test_partial_delivery_asks_for_a_backorder(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("json2")
    order = _order(odoo19, odoo19.connection("xmlrpc"), qty=4)
    conn.get_model("sale.order").action_confirm(ids=[order])
    picking_id = conn.get_model("sale.order").read(ids=[order], fields=["picking_ids"])["picking_ids"][0]
    move = conn.get_model("stock.move").search(domain=[("picking_id", "=", picking_id)])[0]
    conn.get_model("stock.move").write(ids=[move], vals={"quantity": 1, "picked": True})
    wizard = conn.get_model("stock.picking").button_validate(ids=[picking_id])
    assert wizard["res_model"] == "stock.backorder.confirmation"
    assert (
        conn.get_model("stock.picking").button_validate(ids=[picking_id], context={"skip_backorder": True})
        is True
    )
    assert (
        conn.get_model("sale.order").read(ids=[order], fields=["delivery_status"])["delivery_status"]
        == "partial"
    )


def test_private_and_missing_wizard_steps(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("xmlrpc")
    order = _order(odoo19, conn)
    ctx = {"active_model": "sale.order", "active_ids": [order]}
    wizard = conn.get_model("sale.advance.payment.inv").create({}, context=ctx)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        conn.get_model("sale.advance.payment.inv").create_invoices([wizard], context=ctx)
    assert str(fault.value.faultCode).startswith(
        "warning -- UserError\n\nCannot create an invoice. No items are available to invoice."
    )


def test_a_search_through_a_many2one_path_finds_exactly_the_records_it_names(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    orders = [_order(odoo, conn, qty=q) for q in (1, 2, 3)]
    conn.get_model("sale.order").action_confirm(orders)
    pickings = conn.get_model("stock.picking")
    moves_of = {
        order: sorted(
            move
            for picking in conn.get_model("sale.order").read(order, ["picking_ids"])["picking_ids"]
            for move in pickings.read(picking, ["move_ids"])["move_ids"]
        )
        for order in orders
    }
    moves = conn.get_model("stock.move")
    # a path of two many2one hops, with = and in, alone and beside other leaves
    assert moves.search([("picking_id.sale_id", "=", orders[0])], order="id") == moves_of[orders[0]]
    assert moves.search([("picking_id.sale_id", "in", orders[1:])], order="id") == sorted(
        moves_of[orders[1]] + moves_of[orders[2]]
    )
    outgoing_open = [
        ("picking_id.sale_id", "=", orders[2]),
        ("picking_id.picking_type_code", "=", "outgoing"),
        ("state", "not in", ["done", "cancel"]),
    ]
    assert moves.search(outgoing_open, order="id") == moves_of[orders[2]]
    either = ["|", ("picking_id.sale_id", "=", orders[0]), ("picking_id.sale_id", "=", orders[1])]
    assert moves.search(either, order="id") == sorted(moves_of[orders[0]] + moves_of[orders[1]])
    # and once the order's delivery is done, the same search no longer finds its moves as open
    for move in moves.search_read([("picking_id.sale_id", "=", orders[2])], ["product_uom_qty"]):
        moves.write([move["id"]], {"quantity": move["product_uom_qty"], "picked": True})
    [picking] = conn.get_model("sale.order").read(orders[2], ["picking_ids"])["picking_ids"]
    assert pickings.button_validate([picking]) is True
    assert moves.search(outgoing_open) == []
    assert moves.search([("picking_id.sale_id", "=", 999999)]) == []
