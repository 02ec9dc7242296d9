"""Magento's order state machine over REST: invoice, ship, cancel, hold/unhold, comments, and updated_at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.connector_worker.sandbox_magento.conftest import Api, search
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox

INVOICE = "Invoice Document Validation Error(s):\n"
SHIPMENT = "Shipment Document Validation Error(s):\n"


def fresh(shop: MagentoSandboxHandle, state: str = "new", seed: int = 0, **match: Any) -> dict[str, Any]:
    """A new order in ``state`` whose fields include ``match`` (tries successive seeds)."""
    for attempt in range(200):
        order_id = shop.control.create_orders(1, state=state, seed=seed * 1000 + attempt)[0]
        order = shop.control.order(order_id)
        if order["state"] == state and all(predicate(order) for predicate in match.values()):
            return order
    raise AssertionError(f"no {state} order matching {sorted(match)}")


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def physical(order: dict[str, Any]) -> bool:
    return order["is_virtual"] == 0


def multi_line(order: dict[str, Any]) -> bool:
    simple_rows = [i for i in order["items"] if i["product_type"] == "simple" and "parent_item_id" not in i]
    return physical(order) and len(simple_rows) >= 2 and all(i["qty_ordered"] >= 1 for i in simple_rows)


def test_invoice_with_capture_false_pays_the_order_and_moves_it_to_processing(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    order = fresh(shop, seed=1, physical=physical)
    response = api.post(f"order/{order['entity_id']}/invoice", json={"capture": False, "notify": True})
    invoice_id = response.json()
    assert isinstance(invoice_id, int)
    after = api.get(f"orders/{order['entity_id']}").json()
    assert (after["state"], after["status"]) == ("processing", "processing")
    assert after["total_paid"] == after["total_invoiced"] == after["grand_total"]
    assert after["total_due"] == 0 and after["payment"]["amount_paid"] == after["grand_total"]
    invoices = api.get(
        "invoices", params=search(filters=[[("order_id", str(order["entity_id"]), "eq")]])
    ).json()
    assert [i["entity_id"] for i in invoices["items"]] == [invoice_id]
    assert invoices["items"][0]["state"] == 2 and invoices["items"][0]["grand_total"] == order["grand_total"]


def test_invoicing_twice_is_refused_with_magentos_validation_message(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    order = fresh(shop, state="processing", seed=2, physical=physical, paid=lambda o: o["total_due"] == 0)
    response = api.post(f"order/{order['entity_id']}/invoice", json={"capture": False})
    assert response.status_code == 400
    assert response.json() == {
        "message": INVOICE
        + "The order does not allow an invoice to be created.\nYou can't create an invoice without products."
    }


def test_partial_invoices_prorate_rows_and_the_last_takes_the_rest(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    def splittable(item: dict[str, Any]) -> bool:
        return item["product_type"] == "simple" and "parent_item_id" not in item and item["qty_ordered"] >= 2

    order = fresh(shop, seed=3, multi=multi_line, qty=lambda o: any(splittable(i) for i in o["items"]))
    row = next(i for i in order["items"] if splittable(i))
    first = api.post(
        f"order/{order['entity_id']}/invoice", json={"items": [{"order_item_id": row["item_id"], "qty": 1}]}
    ).json()
    middle = api.get(f"orders/{order['entity_id']}").json()
    assert middle["state"] == "processing" and 0 < money(middle["total_paid"]) < money(order["grand_total"])
    over = api.post(
        f"order/{order['entity_id']}/invoice", json={"items": [{"order_item_id": row["item_id"], "qty": 99}]}
    )
    assert over.status_code == 400
    assert f'uninvoiced quantity for product SKU "{row["sku"]}".' in over.json()["message"]
    second = api.post(f"order/{order['entity_id']}/invoice", json={"capture": False}).json()
    invoices = api.get(
        "invoices", params=search(filters=[[("entity_id", f"{first},{second}", "in")]])
    ).json()["items"]
    assert sum(money(i["grand_total"]) for i in invoices) == money(order["grand_total"])
    assert sum(money(i["tax_amount"]) for i in invoices) == money(order["tax_amount"])
    assert sum(money(i["shipping_amount"]) for i in invoices) == money(order["shipping_amount"])
    final = api.get(f"orders/{order['entity_id']}").json()
    assert final["total_paid"] == final["grand_total"] and final["total_due"] == 0


def test_unknown_invoice_items_are_not_part_of_the_order(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, seed=4, physical=physical)
    response = api.post(
        f"order/{order['entity_id']}/invoice", json={"items": [{"order_item_id": 987654, "qty": 1}]}
    )
    assert (
        response.json()["message"]
        == INVOICE + "The invoice contains one or more items that are not part of the original order."
    )


def test_invoiced_and_shipped_order_is_complete(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, state="processing", seed=5, physical=physical, paid=lambda o: o["total_due"] == 0)
    tracks = [{"track_number": "1Z999AA10123456784", "title": "United Parcel Service", "carrier_code": "ups"}]
    shipment_id = api.post(
        f"order/{order['entity_id']}/ship", json={"tracks": tracks, "notify": False}
    ).json()
    assert isinstance(shipment_id, int)
    after = api.get(f"orders/{order['entity_id']}").json()
    assert (after["state"], after["status"]) == ("complete", "complete")
    shipments = api.get(
        "shipments", params=search(filters=[[("order_id", str(order["entity_id"]), "eq")]])
    ).json()["items"]
    assert shipments[0]["tracks"][0]["track_number"] == "1Z999AA10123456784"
    refused = api.post(f"order/{order['entity_id']}/ship", json={})
    assert refused.json() == {
        "message": SHIPMENT
        + "The order does not allow a shipment to be created.\nYou can't create a shipment without products."
    }


def test_shipping_before_invoicing_moves_a_new_order_to_processing(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    order = fresh(shop, seed=6, physical=physical)
    api.post(f"order/{order['entity_id']}/ship", json={})
    after = api.get(f"orders/{order['entity_id']}").json()
    assert after["state"] == "processing"
    api.post(f"order/{order['entity_id']}/invoice", json={"capture": False})
    assert api.get(f"orders/{order['entity_id']}").json()["state"] == "complete"


def test_configurable_ships_through_its_parent_row_not_the_child(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    order = fresh(
        shop, seed=7, configurable=lambda o: any(i["product_type"] == "configurable" for i in o["items"])
    )
    parent = next(i for i in order["items"] if i["product_type"] == "configurable")
    child = next(i for i in order["items"] if i.get("parent_item_id") == parent["item_id"])
    refused = api.post(
        f"order/{order['entity_id']}/ship", json={"items": [{"order_item_id": child["item_id"], "qty": 1}]}
    )
    assert refused.json() == {"message": SHIPMENT + "You can't create a shipment without products."}
    api.post(
        f"order/{order['entity_id']}/ship",
        json={"items": [{"order_item_id": parent["item_id"], "qty": parent["qty_ordered"]}]},
    )
    rows = {i["item_id"]: i for i in api.get(f"orders/{order['entity_id']}").json()["items"]}
    assert (
        rows[parent["item_id"]]["qty_shipped"]
        == rows[child["item_id"]]["qty_shipped"]
        == parent["qty_ordered"]
    )


def test_virtual_orders_cannot_ship(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, seed=8, virtual=lambda o: o["is_virtual"] == 1)
    response = api.post(f"order/{order['entity_id']}/ship", json={})
    assert response.json()["message"].startswith(
        SHIPMENT + "A shipment cannot be created when an order has a status of pending"
    )
    api.post(f"order/{order['entity_id']}/invoice", json={"capture": False})
    assert api.get(f"orders/{order['entity_id']}").json()["state"] == "complete"


def test_cancel_answers_true_then_false(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, seed=9)
    assert api.post(f"orders/{order['entity_id']}/cancel").json() is True
    after = api.get(f"orders/{order['entity_id']}").json()
    assert (after["state"], after["status"]) == ("canceled", "canceled")
    assert after["total_canceled"] == after["grand_total"]
    assert all(i["qty_canceled"] == i["qty_ordered"] for i in after["items"])
    again = api.post(f"orders/{order['entity_id']}/cancel")
    assert (again.status_code, again.json()) == (200, False)
    invoice = api.post(f"order/{order['entity_id']}/invoice", json={})
    assert invoice.json()["message"] == (
        INVOICE
        + "An invoice cannot be created when an order has a status of canceled\nYou can't create an invoice without products."
    )


@pytest.mark.parametrize("state", ["complete", "holded", "payment_review", "closed"])
def test_cancel_is_false_when_magento_forbids_it(api: Api, shop: MagentoSandboxHandle, state: str) -> None:
    order = fresh(shop, state=state, seed=10)
    response = api.post(f"orders/{order['entity_id']}/cancel")
    assert (response.status_code, response.json()) == (200, False)
    assert api.get(f"orders/{order['entity_id']}").json()["state"] == order["state"]


def test_everything_invoiced_cannot_be_canceled_any_more(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, state="processing", seed=11, physical=physical, paid=lambda o: o["total_due"] == 0)
    assert api.post(f"orders/{order['entity_id']}/cancel").json() is False


def test_hold_saves_the_previous_state_and_unhold_restores_it(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, state="processing", seed=12, physical=physical)
    assert api.post(f"orders/{order['entity_id']}/hold").json() is True
    held = api.get(f"orders/{order['entity_id']}").json()
    assert (held["state"], held["status"]) == ("holded", "holded")
    assert (held["hold_before_state"], held["hold_before_status"]) == ("processing", "processing")
    again = api.post(f"orders/{order['entity_id']}/hold")
    assert (again.status_code, again.json()) == (400, {"message": "A hold action is not available."})
    refused = api.post(f"order/{order['entity_id']}/ship", json={})
    assert (
        refused.json()["message"]
        == SHIPMENT + "A shipment cannot be created when an order has a status of holded"
    )
    assert api.post(f"orders/{order['entity_id']}/unhold").json() is True
    back = api.get(f"orders/{order['entity_id']}").json()
    assert (back["state"], back["status"]) == ("processing", "processing")
    assert "hold_before_state" not in back
    again = api.post(f"orders/{order['entity_id']}/unhold")
    assert (again.status_code, again.json()) == (400, {"message": "You cannot remove the hold."})


def test_payment_review_blocks_invoice_and_hold(api: Api, shop: MagentoSandboxHandle) -> None:
    order = fresh(shop, state="payment_review", seed=13)
    assert api.post(f"orders/{order['entity_id']}/hold").json() == {
        "message": "A hold action is not available."
    }
    invoice = api.post(f"order/{order['entity_id']}/invoice", json={})
    assert (
        invoice.json()["message"]
        == INVOICE + "An invoice cannot be created when an order has a status of payment_review"
    )


def test_actions_on_a_missing_order_are_404(api: Api) -> None:
    for endpoint in (
        "orders/999999/cancel",
        "orders/999999/hold",
        "order/999999/invoice",
        "order/999999/ship",
    ):
        response = api.post(endpoint, json={}) if endpoint.startswith("order/") else api.post(endpoint)
        assert response.status_code == 404, endpoint
        assert (
            response.json()["message"]
            == "The entity that was requested doesn't exist. Verify the entity and try again."
        )


def test_updated_at_moves_only_when_the_order_row_changes(api: Api, shop: MagentoSandboxHandle) -> None:
    shop.control.freeze_clock()
    try:
        order = fresh(shop, seed=14, multi=multi_line)
        order_id = order["entity_id"]
        shop.control.advance_clock(60)
        comment = {
            "statusHistory": {
                "comment": "Picked",
                "is_customer_notified": 0,
                "is_visible_on_front": 0,
                "parent_id": order_id,
            }
        }
        api.post(f"orders/{order_id}/comments", json=comment)
        assert api.get(f"orders/{order_id}").json()["updated_at"] == order["updated_at"]
        api.post(f"order/{order_id}/invoice", json={"capture": False})
        invoiced = api.get(f"orders/{order_id}").json()
        assert invoiced["updated_at"] > order["updated_at"]
        assert all(i["updated_at"] == invoiced["updated_at"] for i in invoiced["items"] if i["qty_invoiced"])
        shop.control.advance_clock(60)
        first = next(
            i for i in invoiced["items"] if i["product_type"] == "simple" and "parent_item_id" not in i
        )
        api.post(f"order/{order_id}/ship", json={"items": [{"order_item_id": first["item_id"], "qty": 1}]})
        partly = api.get(f"orders/{order_id}").json()
        assert partly["state"] == "processing" and partly["updated_at"] == invoiced["updated_at"]
    finally:
        shop.control.resume_clock()


def test_comment_with_status_is_stored_but_2_4_7_leaves_the_order_status(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    order = fresh(shop, seed=15)
    history = {
        "comment": "Synced from Odoo",
        "is_customer_notified": 0,
        "is_visible_on_front": 1,
        "parent_id": order["entity_id"],
        "status": "processing",
    }
    assert api.post(f"orders/{order['entity_id']}/comments", json={"statusHistory": history}).json() is True
    after = api.get(f"orders/{order['entity_id']}").json()
    assert after["status"] == "pending"
    assert after["status_histories"][0]["comment"] == "Synced from Odoo"
    assert after["status_histories"][0]["status"] == "processing"
    listed = api.get(f"orders/{order['entity_id']}/comments").json()
    assert listed["total_count"] == 1 and listed["items"][0]["parent_id"] == order["entity_id"]
    assert listed["search_criteria"]["filter_groups"][0]["filters"][0] == {
        "field": "parent_id",
        "value": str(order["entity_id"]),
        "condition_type": "eq",
    }
    missing = api.post(f"orders/{order['entity_id']}/comments", json={}, check_request=False)
    assert missing.json() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "statusHistory"},
    }


def test_comment_status_applies_in_the_2_4_6_mode() -> None:
    with magento_sandbox(orders=1, comment_applies_status=True) as shop:
        api = Api(shop)
        order = fresh(shop, state="processing", seed=16)
        history = {
            "comment": "x",
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": order["entity_id"],
            "status": "fraud",
        }
        assert (
            api.post(f"orders/{order['entity_id']}/comments", json={"statusHistory": history}).json() is True
        )
        assert api.get(f"orders/{order['entity_id']}").json()["status"] == "fraud"
        history["status"] = "complete"
        refused = api.post(f"orders/{order['entity_id']}/comments", json={"statusHistory": history})
        assert refused.json() == {
            "message": 'Unable to add comment: The status "%1" is not part of the order status history.',
            "parameters": ["complete"],
        }
