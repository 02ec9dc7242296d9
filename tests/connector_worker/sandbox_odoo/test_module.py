"""The magento2_connector module as served: fields, constraint, buttons, outbox triggers and claim."""

from __future__ import annotations

import threading
import xmlrpc.client
from typing import Any

import httpx
import pytest

from tests.connector_worker.sandbox_odoo.helpers import make_order, make_product
from tests.support.odoo_sandbox import OdooSandboxHandle

SYNC = {"magento_connector_sync": True}


def _linked_order(odoo: OdooSandboxHandle, conn: Any, instance: int, magento_id: str) -> int:
    product = make_product(conn, odoo.version, "Tee", 20.0)
    return make_order(
        odoo,
        conn,
        [{"product_id": product, "product_uom_qty": 1}],
        magento_instance_id=instance,
        magento_order_id=magento_id,
    )


def test_module_fields_are_served_as_the_contract_says(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    fields = conn.get_model("sale.order").fields_get(
        ["magento_invoice_status", "magento_amount", "magento_outbox_ids"]
    )
    assert fields["magento_invoice_status"]["selection"] == [
        ["invoiced", "Invoiced"],
        ["not_invoiced", "Not Invoiced"],
    ]
    assert (fields["magento_amount"]["type"], fields["magento_amount"]["string"]) == (
        "monetary",
        "Magento Amount",
    )
    assert fields["magento_outbox_ids"]["relation"] == "magento.outbox"
    outbox = conn.get_model("magento.outbox").fields_get([], ["type", "string", "required"])
    assert outbox["state"] == {"type": "selection", "string": "State", "required": True}
    assert outbox["payload"]["type"] == "json"


def test_one_order_per_instance_and_magento_id(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    instance = conn.get_model("magento.instance").create(
        {"name": f"shop-{odoo.version}-a", "base_url": "https://m.example"}
    )
    _linked_order(odoo, conn, instance, "1001")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        _linked_order(odoo, conn, instance, "1001")
    assert fault.value.faultCode == (
        "warning -- UserError\n\nThe operation cannot be completed: A Magento order can be imported only once per instance."
    )
    with pytest.raises(xmlrpc.client.Fault) as same_name:
        conn.get_model("magento.instance").create(
            {"name": f"shop-{odoo.version}-a", "base_url": "https://other"}
        )
    assert "A Magento instance with this name already exists." in str(same_name.value.faultCode)


def test_concurrent_duplicate_creates_one_wins(odoo19: OdooSandboxHandle) -> None:
    instance = odoo19.call("magento.instance", "create", {"name": "race", "base_url": "https://m"})
    partner = odoo19.call("res.partner", "create", {"name": "Racer"})
    statuses: list[int] = []

    def create() -> None:
        with httpx.Client(timeout=30) as client:
            response = client.post(
                f"{odoo19.url}/json/2/sale.order/create",
                json={
                    "vals_list": [
                        {"partner_id": partner, "magento_instance_id": instance, "magento_order_id": "77"}
                    ]
                },
                headers={"Authorization": f"Bearer {odoo19.api_key}"},
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 422, 422, 422]
    assert len(odoo19.read("sale.order", [("magento_order_id", "=", "77")], ["id"])) == 1


def test_state_changes_write_outbox_rows_unless_the_worker_made_them(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("jsonrpc")
    instance = conn.get_model("magento.instance").create(
        {"name": f"shop-{odoo.version}-b", "base_url": "https://m"}
    )
    orders = conn.get_model("sale.order")
    quiet = _linked_order(odoo, conn, instance, "2001")
    orders.action_confirm([quiet], context=SYNC)
    loud = _linked_order(odoo, conn, instance, "2002")
    orders.action_confirm([loud])
    orders.action_cancel([loud], context={"disable_cancel_warning": True})
    rows = conn.get_model("magento.outbox").search_read(
        [("sale_order_id", "in", [quiet, loud])], ["sale_order_id", "event", "trigger", "state"]
    )
    assert [(r["sale_order_id"][0], r["event"], r["trigger"], r["state"]) for r in rows] == [
        (loud, "update", "confirmed", "pending"),
        (loud, "update", "cancelled", "pending"),
    ]


def test_delivery_and_posted_invoice_triggers(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("xmlrpc")
    instance = conn.get_model("magento.instance").create({"name": "shop-trig", "base_url": "https://m"})
    order = _linked_order(odoo19, conn, instance, "3001")
    conn.get_model("sale.order").action_confirm([order], context=SYNC)
    picking = conn.get_model("sale.order").read(order, ["picking_ids"])["picking_ids"][0]
    move = conn.get_model("stock.move").search([("picking_id", "=", picking)])[0]
    conn.get_model("stock.move").write([move], {"quantity": 1, "picked": True})
    conn.get_model("stock.picking").button_validate([picking])
    ctx = {"active_model": "sale.order", "active_ids": [order]}
    wizard = odoo19.call("sale.advance.payment.inv", "create", {}, context=ctx)
    odoo19.call("sale.advance.payment.inv", "create_invoices", [wizard], context=ctx)
    invoice = conn.get_model("sale.order").read(order, ["invoice_ids"])["invoice_ids"][0]
    conn.get_model("account.move").action_post([invoice])
    triggers = [
        r["trigger"] for r in odoo19.read("magento.outbox", [("sale_order_id", "=", order)], ["trigger"])
    ]
    assert triggers == ["delivered", "invoiced"]


def test_buttons_write_rows_and_refuse_unlinked_orders(odoo17: OdooSandboxHandle) -> None:
    odoo17.reset()
    conn = odoo17.connection("xmlrpc")
    orders = conn.get_model("sale.order")
    product = make_product(conn, 17, "Cap", 9.0)
    order = make_order(odoo17, conn, [{"product_id": product}])
    with pytest.raises(xmlrpc.client.Fault) as no_instance:
        orders.action_magento_create([order])
    assert (
        no_instance.value.faultCode == "warning -- UserError\n\nSet the Magento Instance of the order first."
    )
    instance = conn.get_model("magento.instance").create({"name": "only", "base_url": "https://m"})
    assert orders.action_magento_create([order]) is True
    assert orders.action_magento_create([order]) is True  # pressed again while the first waits: no second row
    assert orders.read(order, ["magento_instance_id"])["magento_instance_id"][0] == instance
    with pytest.raises(xmlrpc.client.Fault) as unlinked:
        orders.action_magento_update([order])
    assert unlinked.value.faultCode == "warning -- UserError\n\nThis order is not linked to a Magento order."
    orders.write([order], {"magento_order_id": "9"}, context=SYNC)
    assert orders.action_magento_pull([order]) is True
    events = [r["event"] for r in odoo17.read("magento.outbox", [("sale_order_id", "=", order)], ["event"])]
    assert events == ["create", "pull"]


def test_claim_mark_done_failed_and_retry(odoo19: OdooSandboxHandle) -> None:
    odoo19.reset()
    conn = odoo19.connection("json2")
    instance = odoo19.call("magento.instance", "create", {"name": "claimer", "base_url": "https://m"})
    rows = [
        odoo19.call("magento.outbox", "create", {"instance_id": instance, "event": "pull"}) for _ in range(3)
    ]
    outbox = conn.get_model("magento.outbox")
    first = outbox.claim(limit=2)
    assert [r["id"] for r in first] == rows[:2]
    assert first[0] == {
        "id": rows[0],
        "instance_id": instance,
        "instance_name": "claimer",
        "sale_order_id": False,
        "event": "pull",
        "trigger": "button",
        "payload": False,
        "attempts": 1,
    }
    assert [r["id"] for r in outbox.claim(limit=50)] == [rows[2]]
    assert outbox.claim() == []
    assert outbox.mark_done(ids=[rows[0]]) is True
    assert outbox.mark_failed(ids=[rows[1]], error="Magento said 400") is True
    assert outbox.action_retry(ids=[rows[1]]) is True
    states = {
        r["id"]: (r["state"], r["last_error"])
        for r in odoo19.read("magento.outbox", [], ["state", "last_error"])
    }
    assert states[rows[0]] == ("done", False) and states[rows[1]] == ("pending", "Magento said 400")
    # A queued row whose worker died 15 minutes ago is claimable again.
    odoo19.call("magento.outbox", "write", [rows[2]], {"date_queued": "2000-01-01 00:00:00"})
    assert sorted(r["id"] for r in outbox.claim()) == [rows[1], rows[2]]
