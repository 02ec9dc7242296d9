"""What one sync costs in Odoo, inline against both sandboxes: a new order is created without a lookup, an
order synced before is looked up first, and an order Odoo has without the connector knowing is updated, not
imported twice."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qsl

from connector_worker.runtime import Runtime
from mappers.fields import ORDER_SELECTION
from tasks.resolve import Resolver
from tasks.sync import sync_order
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE
from tests.tasks.test_sync_workflow import magento_order, odoo_orders


def warm(runtime: Runtime, shop: MagentoSandboxHandle, *orders: dict[str, Any]) -> None:
    """Customers, products and reference data found first, as a pull's page leaves them."""
    other = magento_order(shop, "canceled")
    sync_order(runtime, INSTANCE, other["entity_id"])
    Resolver(runtime, runtime.instance(INSTANCE)).prefetch(list(orders))


def calls_by_method(odoo: OdooSandboxHandle) -> dict[str, int]:
    return {f"{row['model']}.{row['method']}": row["count"] for row in odoo.call_log()}


def test_a_new_order_costs_its_create_and_no_lookup(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a pending order whose customer and products are known, never synced before
    order = magento_order(shop, "new")
    warm(runtime, shop, order)
    odoo.reset_calls()
    # when it is synced with the payload a pull hands over
    outcome = sync_order(runtime, INSTANCE, order["entity_id"], order=order)
    # then creating it was the only call
    assert outcome.result == "created"
    assert calls_by_method(odoo) == {"sale.order.web_save": 1}
    assert len(odoo_orders(odoo, order["entity_id"])) == 1


def test_an_order_synced_before_is_looked_up_first(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given an order synced once, then cancelled in Magento
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    assert shop.control.cancel(order["entity_id"])
    odoo.reset_calls()
    # when the new version is synced
    outcome = sync_order(runtime, INSTANCE, order["entity_id"])
    # then the order is found, written and cancelled; no create is attempted
    assert (outcome.result, outcome.actions) == ("updated", ("cancel",))
    calls = calls_by_method(odoo)
    assert calls["sale.order.search_read"] == 1
    assert "sale.order.web_save" not in calls


def test_an_order_odoo_has_but_the_connector_forgot_is_updated_not_imported_twice(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given an imported order whose synced marker is gone (expired, Redis wiped), then cancelled
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    runtime.redis.delete(runtime.keys.order_synced(INSTANCE, order["entity_id"]))
    assert shop.control.cancel(order["entity_id"])
    odoo.reset_calls()
    # when it is synced again
    outcome = sync_order(runtime, INSTANCE, order["entity_id"])
    # then the create is refused as a duplicate, and the order found and brought in line instead
    assert (outcome.result, outcome.actions) == ("updated", ("cancel",))
    calls = calls_by_method(odoo)
    assert (calls["sale.order.web_save"], calls["sale.order.search_read"]) == (1, 1)
    [record] = odoo_orders(odoo, order["entity_id"])
    assert (record["state"], record["magento_state"]) == ("cancel", "canceled")


def test_an_order_odoo_has_is_updated_even_when_its_lines_can_no_longer_be_mapped(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given an imported order the connector forgot, whose product Odoo no longer knows
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    runtime.redis.delete(runtime.keys.order_synced(INSTANCE, order["entity_id"]))
    changed = copy.deepcopy(order)
    changed["status"] = "pending_review"
    for item in changed["items"]:
        item["sku"], item["product_id"] = "GONE-SKU", None
    # when it is synced again (a create would need the product)
    outcome = sync_order(runtime, INSTANCE, order["entity_id"], order=changed)
    # then the order is found and its Magento fields written, nothing dead-lettered
    assert outcome.result == "updated"
    [record] = odoo_orders(odoo, order["entity_id"])
    assert record["magento_status"] == "pending_review"


def test_a_create_whose_answer_was_lost_is_read_back_not_made_twice(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given Odoo committing the create of a new order, then a proxy losing its answer
    order = magento_order(shop, "new")
    odoo.lose_response(model="sale.order", method="web_save")
    # when the order is synced
    outcome = sync_order(runtime, INSTANCE, order["entity_id"])
    # then the sync reads the order back and updates it: one order in Odoo
    assert outcome.result == "updated"
    [record] = odoo_orders(odoo, order["entity_id"])
    assert outcome.odoo_id == record["id"]
    assert record["magento_status"] == order["status"]


def test_the_bank_journal_is_read_once_per_process(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given two paid orders
    paid = [
        order
        for order in (shop.control.order(i) for i in shop.control.order_ids())
        if order["state"] == "processing" and float(order.get("total_due") or 0) == 0
    ][:2]
    assert len(paid) == 2
    odoo.reset_calls()
    # when both are synced by one process
    outcomes = [sync_order(runtime, INSTANCE, order["entity_id"]) for order in paid]
    # then both are paid, and the bank journal was looked up once
    assert [outcome.payment for outcome in outcomes] == ["registered", "registered"]
    assert odoo.calls(model="account.journal", method="search_read") == 1


def test_a_sync_without_a_payload_reads_the_order_once_and_only_the_fields_it_maps(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a new order announced by id alone (a webhook)
    order = magento_order(shop, "new")
    shop.control.reset_requests()
    # when it is synced
    assert sync_order(runtime, INSTANCE, order["entity_id"]).result == "created"
    # then Magento was asked once, for the selection, and Odoo holds the order
    reads = [r for r in shop.control.requests() if r.route == "V1/orders/{id}"]
    assert [parse_qsl(r.query) for r in reads] == [[("fields", ORDER_SELECTION)]]
    assert len(odoo_orders(odoo, order["entity_id"])) == 1
