"""The sandbox's outbox behaves as the module's does: payloads, Retry on failed rows only, claim bounds
(nothing for a zero limit, at most 500) and the ``events`` and ``instances`` filters."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest
from odoolib.tools import JsonRPCException

from tests.connector_worker.sandbox_odoo.helpers import make_order, make_product
from tests.support.odoo_sandbox import OdooSandboxHandle

SYNC = {"magento_connector_sync": True}
UNKNOWN = "Unknown Magento outbox events: push. Known events: create, update, pull."


def _instance(odoo: OdooSandboxHandle, name: str) -> int:
    instance: int = odoo.call("magento.instance", "create", {"name": name, "base_url": "https://m"})
    return instance


def _rows(odoo: OdooSandboxHandle, order: int) -> list[tuple[str, str, Any]]:
    rows = odoo.read("magento.outbox", [("sale_order_id", "=", order)], ["event", "trigger", "payload"])
    return [(row["event"], row["trigger"], row["payload"]) for row in rows]


def _outbox(odoo: OdooSandboxHandle, instance: int, events: list[str]) -> list[int]:
    return [odoo.call("magento.outbox", "create", {"instance_id": instance, "event": e}) for e in events]


def test_every_row_carries_the_order_name_and_what_the_trigger_touched(odoo: OdooSandboxHandle) -> None:
    # given an order linked to Magento
    odoo.reset()
    conn = odoo.connection("xmlrpc")
    instance = _instance(odoo, "payloads")
    product = make_product(conn, odoo.version, "Tee", 20.0)
    order = make_order(
        odoo, conn, [{"product_id": product}], magento_instance_id=instance, magento_order_id="41"
    )
    orders = conn.get_model("sale.order")
    name = orders.read(order, ["name"])["name"]
    # when a user pulls it, confirms it, the warehouse delivers it and billing posts its invoice
    orders.action_magento_pull([order])
    orders.action_confirm([order])
    picking = orders.read(order, ["picking_ids"])["picking_ids"][0]
    move = conn.get_model("stock.move").search([("picking_id", "=", picking)])[0]
    conn.get_model("stock.move").write([move], {"quantity": 1, "picked": True})
    conn.get_model("stock.picking").button_validate([picking])
    ctx = {"active_model": "sale.order", "active_ids": [order]}
    wizard = odoo.call("sale.advance.payment.inv", "create", {}, context=ctx)
    odoo.call("sale.advance.payment.inv", "create_invoices", [wizard], context=ctx)
    invoice = orders.read(order, ["invoice_ids"])["invoice_ids"][0]
    conn.get_model("account.move").action_post([invoice])
    # then each row names the order, the delivery row its pickings and the invoice row its invoices
    assert _rows(odoo, order) == [
        ("pull", "button", {"order_name": name}),
        ("update", "confirmed", {"order_name": name}),
        ("update", "delivered", {"order_name": name, "picking_ids": [picking]}),
        ("update", "invoiced", {"order_name": name, "invoice_ids": [invoice]}),
    ]


def test_two_invoices_posted_together_make_one_row(odoo19: OdooSandboxHandle) -> None:
    # given a linked, confirmed order with two draft invoices, one per order line
    odoo19.reset()
    conn = odoo19.connection("jsonrpc")
    instance = _instance(odoo19, "two-invoices")
    product = make_product(conn, 19, "Mug", 8.0)
    lines = [{"product_id": product}, {"product_id": product}]
    order = make_order(odoo19, conn, lines, magento_instance_id=instance, magento_order_id="42")
    conn.get_model("sale.order").action_confirm([order], context=SYNC)
    moves = conn.get_model("account.move")
    first = moves.create({"move_type": "out_invoice", "partner_id": 1}, context=SYNC)
    second = moves.create({"move_type": "out_invoice", "partner_id": 1}, context=SYNC)
    sale_lines = conn.get_model("sale.order.line").search([("order_id", "=", order)])
    for move, sale_line in zip((first, second), sale_lines, strict=True):
        conn.get_model("account.move.line").create(
            {
                "move_id": move,
                "product_id": product,
                "quantity": 1,
                "price_unit": 8.0,
                "sale_line_ids": [(6, 0, [sale_line])],
            },
        )
    # when both are posted in one call
    moves.action_post([first, second])
    # then one row names both invoices, as the module's _post writes it
    rows = [row for row in _rows(odoo19, order) if row[1] == "invoiced"]
    assert [payload["invoice_ids"] for _, _, payload in rows] == [[first, second]]


def test_retry_puts_back_failed_rows_only(odoo: OdooSandboxHandle) -> None:
    odoo.reset()
    instance = _instance(odoo, "retry")
    pending, queued, done, failed = _outbox(odoo, instance, ["pull"] * 4)
    odoo.call("magento.outbox", "write", [queued], {"state": "queued"})
    odoo.call("magento.outbox", "mark_done", [done])
    odoo.call("magento.outbox", "mark_failed", [failed], "Magento said 400")
    # when Retry is pressed on all four
    assert odoo.call("magento.outbox", "action_retry", [pending, queued, done, failed]) is True
    # then only the failed one is pending again; the others keep their state
    states = {row["id"]: row["state"] for row in odoo.read("magento.outbox", [], ["state"])}
    assert states == {pending: "pending", queued: "queued", done: "done", failed: "pending"}


def test_claim_of_nothing_is_nothing_and_a_claim_never_exceeds_500(odoo19: OdooSandboxHandle) -> None:
    odoo19.reset()
    instance = _instance(odoo19, "bounds")
    rows = _outbox(odoo19, instance, ["update"] * 501)
    outbox = odoo19.connection("json2").get_model("magento.outbox")
    assert outbox.claim(limit=0) == [] and outbox.claim(limit=-3) == []
    claimed = outbox.claim(limit=1000)
    assert [row["id"] for row in claimed] == rows[:500]
    assert [row["id"] for row in outbox.claim(limit=1000)] == rows[500:]


def test_claim_takes_only_the_events_asked_for(odoo: OdooSandboxHandle) -> None:
    # given rows of every event, oldest first
    odoo.reset()
    instance = _instance(odoo, "events")
    create, pull, update, pull_again = _outbox(odoo, instance, ["create", "pull", "update", "pull"])
    outbox = odoo.connection("xmlrpc").get_model("magento.outbox")
    # when the pull relay claims pull rows (a list, or one name)
    assert [row["id"] for row in outbox.claim(10, ["pull"])] == [pull, pull_again]
    assert outbox.claim(10, "pull") == [] and outbox.claim(10, []) == []
    # then the pushes are still there for a claim of every event
    assert [row["id"] for row in outbox.claim(10)] == [create, update]


def test_claim_takes_only_the_instances_named_so_deployments_can_share_one_odoo(
    odoo: OdooSandboxHandle,
) -> None:
    # given rows of two deployments' instances in one database, one of them archived, oldest first
    odoo.reset()
    ours, theirs = _instance(odoo, "ours"), _instance(odoo, "theirs")
    archived = _instance(odoo, "archived")
    odoo.call("magento.instance", "write", [archived], {"active": False})
    mine = _outbox(odoo, ours, ["pull", "update"])
    other = _outbox(odoo, theirs, ["pull"])
    old = _outbox(odoo, archived, ["pull"])
    outbox = odoo.connection("xmlrpc").get_model("magento.outbox")
    # when a worker claims for its own instances (a name no instance has is simply not found)
    claimed = outbox.claim(10, False, ["ours", "archived", "not-created-yet"])
    # then it gets those instances' rows, the archived one's too, and never the other deployment's
    assert [(row["id"], row["instance_name"]) for row in claimed] == [
        (mine[0], "ours"),
        (mine[1], "ours"),
        (old[0], "archived"),
    ]
    # and names that match nothing, or no names, claim nothing rather than everything
    assert outbox.claim(10, False, ["not-created-yet"]) == [] and outbox.claim(10, False, []) == []
    # and the filters combine: one name, one event; then a claim of every instance gets the rest
    pulls = odoo.connection("jsonrpc").get_model("magento.outbox")
    assert pulls.claim(limit=10, events=["update"], instances="theirs") == []
    assert [row["id"] for row in pulls.claim(limit=10, events="pull", instances="theirs")] == other
    rows = _outbox(odoo, theirs, ["create"])
    assert [row["id"] for row in outbox.claim(10)] == rows


def test_an_unknown_event_is_refused_in_the_modules_words(odoo: OdooSandboxHandle) -> None:
    instance = _instance(odoo, f"unknown-{odoo.version}")
    _outbox(odoo, instance, ["pull"])
    with pytest.raises(xmlrpc.client.Fault) as fault:
        odoo.connection("xmlrpc").get_model("magento.outbox").claim(10, ["pull", "push"])
    assert fault.value.faultCode == f"warning -- UserError\n\n{UNKNOWN}"
    with pytest.raises(JsonRPCException) as error:
        odoo.connection("jsonrpc").get_model("magento.outbox").claim(limit=10, events=["push"])
    assert error.value.error["data"]["message"] == UNKNOWN
