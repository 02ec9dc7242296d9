"""The cart route to an order: customer cart, items at catalog prices, shipping, totals, placing, retries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.connector_worker.sandbox_magento.conftest import Api, search
from tests.support.magento_sandbox import MagentoSandboxHandle

US_ADDRESS = {
    "region": "California",
    "region_id": 12,
    "region_code": "CA",
    "country_id": "US",
    "street": ["1 Harbor Way"],
    "telephone": "555-0101",
    "postcode": "90012",
    "city": "Los Angeles",
    "firstname": "Dana",
    "lastname": "Odoo",
    "email": "dana@example.com",
}
DE_ADDRESS = {
    "region": "Berlin",
    "region_id": 82,
    "region_code": "BER",
    "country_id": "DE",
    "street": ["Hauptstraße 1"],
    "telephone": "+49 30 123456",
    "postcode": "10115",
    "city": "Berlin",
    "firstname": "Dana",
    "lastname": "Odoo",
    "email": "dana@example.com",
}


def new_customer(api: Api, email: str) -> int:
    payload = {"customer": {"email": email, "firstname": "Dana", "lastname": "Odoo"}}
    return int(api.post("customers", json=payload).json()["id"])


def add(
    api: Api, cart_id: int, sku: str, qty: float = 1, store: str | None = None, **extra: Any
) -> dict[str, Any]:
    response = api.post(
        f"carts/{cart_id}/items",
        json={"cartItem": {"sku": sku, "qty": qty, "quote_id": str(cart_id), **extra}},
        store=store,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ship_to(
    api: Api, cart_id: int, address: dict[str, Any], carrier: str = "flatrate", method: str = "flatrate"
) -> dict[str, Any]:
    info = {
        "shipping_address": address,
        "billing_address": address,
        "shipping_carrier_code": carrier,
        "shipping_method_code": method,
    }
    response = api.post(f"carts/{cart_id}/shipping-information", json={"addressInformation": info})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_existing_cart_is_returned_with_its_storefront_items(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    customer_id = new_customer(api, "returning@example.com")
    cart_id = shop.control.add_to_customer_cart(customer_id, "YG-MAT-4MM", 2)
    assert api.post(f"customers/{customer_id}/carts").json() == cart_id
    items = api.get(f"carts/{cart_id}/items").json()
    assert [(i["sku"], i["qty"]) for i in items] == [("YG-MAT-4MM", 2)]
    assert api.delete(f"carts/{cart_id}/items/{items[0]['item_id']}").json() is True
    assert api.get(f"carts/{cart_id}").json()["items"] == []
    missing = api.delete(f"carts/{cart_id}/items/{items[0]['item_id']}")
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "The %1 Cart doesn't contain the %2 item.",
        "parameters": [cart_id, items[0]["item_id"]],
    }


def test_full_cart_route_places_an_order_at_catalog_prices(api: Api, shop: MagentoSandboxHandle) -> None:
    customer_id = new_customer(api, "cart.route@example.com")
    cart_id = api.post(f"customers/{customer_id}/carts").json()
    item = add(api, cart_id, "MB-DUFFLE-01", 2, price=1.0)  # the price sent is ignored
    assert item["price"] == 45 and item["quote_id"] == str(cart_id)
    add(
        api,
        cart_id,
        "HD-TRAIL",
        1,
        product_option={
            "extension_attributes": {"configurable_item_options": [{"option_id": "144", "option_value": 168}]}
        },
    )
    estimates = api.post(f"carts/{cart_id}/estimate-shipping-methods", json={"address": US_ADDRESS}).json()
    assert {e["carrier_code"] for e in estimates} == {"flatrate", "tablerate", "freeshipping"}
    details = ship_to(api, cart_id, US_ADDRESS)
    assert {m["code"] for m in details["payment_methods"]} == {
        "checkmo",
        "banktransfer",
        "cashondelivery",
        "purchaseorder",
    }
    totals = details["totals"]
    order_id = api.put(f"carts/{cart_id}/order", json={"paymentMethod": {"method": "checkmo"}}).json()
    assert isinstance(order_id, int)
    order = api.get(f"orders/{order_id}").json()
    assert (order["state"], order["status"]) == ("new", "pending")
    assert (
        order["quote_id"] == cart_id
        and order["customer_id"] == customer_id
        and order["customer_is_guest"] == 0
    )
    assert order["grand_total"] == totals["grand_total"] and order["tax_amount"] == totals["tax_amount"]
    assert order["subtotal"] == 45 * 2 + 52
    assert (
        order["extension_attributes"]["shipping_assignments"][0]["shipping"]["method"] == "flatrate_flatrate"
    )
    assert order["shipping_description"] == "Flat Rate - Fixed"
    parent = next(i for i in order["items"] if i["product_type"] == "configurable")
    assert parent["sku"] == "HD-TRAIL-M-GRAY"
    found = api.get("orders", params=search(filters=[[("quote_id", str(cart_id), "eq")]])).json()
    assert [o["entity_id"] for o in found["items"]] == [order_id]


def test_a_retried_place_order_finds_the_cart_gone_and_the_order_by_quote_id(api: Api) -> None:
    customer_id = new_customer(api, "retry@example.com")
    cart_id = api.post(f"customers/{customer_id}/carts").json()
    add(api, cart_id, "YG-BLOCK-FOAM", 1)
    ship_to(api, cart_id, US_ADDRESS, "tablerate", "bestway")
    order_id = api.put(f"carts/{cart_id}/order", json={"paymentMethod": {"method": "banktransfer"}}).json()
    retry = api.put(f"carts/{cart_id}/order", json={"paymentMethod": {"method": "banktransfer"}})
    assert retry.status_code == 404
    assert retry.json() == {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "cartId", "fieldValue": cart_id},
    }
    assert api.get(f"carts/{cart_id}").json()["is_active"] is False
    assert api.post(f"customers/{customer_id}/carts").json() != cart_id  # a new cart next time
    found = api.get("orders", params=search(filters=[[("quote_id", str(cart_id), "eq")]])).json()["items"]
    assert [o["entity_id"] for o in found] == [order_id]


def test_orders_in_the_second_store_get_its_currency_tax_and_increment_prefix(api: Api) -> None:
    customer_id = new_customer(api, "eu.buyer@example.com")
    cart_id = api.post(f"customers/{customer_id}/carts", store="eu").json()
    add(api, cart_id, "MB-DUFFLE-01", 1, store="eu")
    ship_to(api, cart_id, DE_ADDRESS, "tablerate", "bestway")
    order = api.get(
        f"orders/{api.put(f'carts/{cart_id}/order', json={'paymentMethod': {'method': 'checkmo'}}).json()}"
    ).json()
    assert (
        order["store_id"] == 2 and order["increment_id"].startswith("2") and len(order["increment_id"]) == 10
    )
    assert (order["order_currency_code"], order["base_currency_code"]) == ("EUR", "USD")
    assert order["items"][0]["price_incl_tax"] == 41.4 and order["items"][0]["original_price"] == 41.4
    assert order["base_grand_total"] == 45 + 15 and order["grand_total"] == 41.4 + 13.8
    assert order["shipping_tax_amount"] > 0


def test_configurable_and_bundle_need_their_options(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'options@example.com')}/carts").json()
    response = api.post(
        f"carts/{cart_id}/items", json={"cartItem": {"sku": "HD-TRAIL", "qty": 1, "quote_id": str(cart_id)}}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"message": "You need to choose options for your item."},
    )
    response = api.post(
        f"carts/{cart_id}/items",
        json={"cartItem": {"sku": "KIT-GIFT-BOX", "qty": 1, "quote_id": str(cart_id)}},
    )
    assert response.json() == {"message": "Please specify product option(s)."}
    options = [
        {"option_id": 4, "option_qty": 1, "option_selections": [5]},
        {"option_id": 5, "option_qty": 1, "option_selections": [6]},
    ]
    item = add(
        api, cart_id, "KIT-GIFT-BOX", 1, product_option={"extension_attributes": {"bundle_options": options}}
    )
    assert item["price"] == 49


def test_item_errors_unknown_sku_and_bad_quantity(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'errors@example.com')}/carts").json()
    unknown = api.post(
        f"carts/{cart_id}/items", json={"cartItem": {"sku": "NOPE", "qty": 1, "quote_id": str(cart_id)}}
    )
    assert (unknown.status_code, unknown.json()["message"]) == (
        404,
        "The product that was requested doesn't exist. Verify the product and try again.",
    )
    zero = api.post(
        f"carts/{cart_id}/items",
        json={"cartItem": {"sku": "MB-DUFFLE-01", "qty": 0, "quote_id": str(cart_id)}},
    )
    assert zero.json() == {
        "message": 'Invalid value of "%value" provided for the %fieldName field.',
        "parameters": {"value": 0, "fieldName": "qty"},
    }
    assert api.post("customers/999999/carts").status_code == 404
    assert api.get("carts/999999").json()["parameters"] == {"fieldName": "cartId", "fieldValue": 999999}


def test_shipping_information_validations(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'shipping@example.com')}/carts").json()
    info = {
        "shipping_address": US_ADDRESS,
        "shipping_carrier_code": "flatrate",
        "shipping_method_code": "flatrate",
    }
    empty = api.post(f"carts/{cart_id}/shipping-information", json={"addressInformation": info})
    assert empty.json() == {
        "message": "The shipping method can't be set for an empty cart. Add an item to cart and try again."
    }
    add(api, cart_id, "BT-WATER-750", 1)
    unknown = api.post(
        f"carts/{cart_id}/shipping-information",
        json={"addressInformation": {**info, "shipping_carrier_code": "dhl"}},
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"message": "Carrier with such method not found: %1, %2", "parameters": ["dhl", "flatrate"]},
    )
    free = api.post(
        f"carts/{cart_id}/shipping-information",
        json={
            "addressInformation": {
                **info,
                "shipping_carrier_code": "freeshipping",
                "shipping_method_code": "freeshipping",
            }
        },
    )
    assert free.status_code == 404  # free shipping needs a subtotal of 100
    no_address = api.put(f"carts/{cart_id}/order", json={"paymentMethod": {"method": "checkmo"}})
    assert no_address.json() == {"message": "The shipping address is missing. Set the address and try again."}


@pytest.mark.parametrize(
    ("payment", "message"),
    [
        ({"method": "braintree"}, "The requested Payment Method is not available."),
        ({"method": "free"}, "The requested Payment Method is not available."),
        ({"method": "purchaseorder"}, "Purchase order number is a required field."),
    ],
)
def test_only_offline_methods_place_orders(api: Api, payment: dict[str, str], message: str) -> None:
    email = "pay.{}.{}@example.com".format(payment["method"], len(message))
    cart_id = api.post(f"customers/{new_customer(api, email)}/carts").json()
    add(api, cart_id, "YG-STRAP-6FT", 1)
    ship_to(api, cart_id, US_ADDRESS)
    response = api.put(f"carts/{cart_id}/order", json={"paymentMethod": payment})
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert api.get(f"carts/{cart_id}").json()["is_active"] is True


def test_purchase_order_number_reaches_the_order(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'po@example.com')}/carts").json()
    add(api, cart_id, "YG-STRAP-6FT", 3)
    ship_to(api, cart_id, US_ADDRESS)
    order_id = api.put(
        f"carts/{cart_id}/order", json={"paymentMethod": {"method": "purchaseorder", "po_number": "PO-77"}}
    ).json()
    order = api.get(f"orders/{order_id}").json()
    assert order["payment"]["method"] == "purchaseorder" and order["payment"]["po_number"] == "PO-77"
    assert Decimal(str(order["grand_total"])) == Decimal("42") + Decimal("15") + Decimal("3.47")


def test_missing_billing_address_is_refused_at_placement(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'nobilling@example.com')}/carts").json()
    add(api, cart_id, "YG-STRAP-6FT", 1)
    info = {
        "shipping_address": US_ADDRESS,
        "shipping_carrier_code": "flatrate",
        "shipping_method_code": "flatrate",
    }
    api.post(f"carts/{cart_id}/shipping-information", json={"addressInformation": info})
    response = api.put(f"carts/{cart_id}/order", json={"paymentMethod": {"method": "checkmo"}})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Please check the billing address information. %1"
    assert body["parameters"][0].startswith('"firstname" is required. Enter and try again.')


def test_placing_without_a_payment_method_and_estimating_without_an_address(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'nopayment@example.com')}/carts").json()
    add(api, cart_id, "YG-STRAP-8FT", 1)
    ship_to(api, cart_id, US_ADDRESS)
    response = api.put(f"carts/{cart_id}/order", json={})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "Enter a valid payment method and try again."},
    )
    estimate = api.post(f"carts/{cart_id}/estimate-shipping-methods", json={}, check_request=False)
    assert estimate.json() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "address"},
    }


def test_free_shipping_appears_from_a_subtotal_of_100(api: Api) -> None:
    cart_id = api.post(f"customers/{new_customer(api, 'bigcart@example.com')}/carts").json()
    add(api, cart_id, "MB-DUFFLE-01", 3)
    methods = api.post(f"carts/{cart_id}/estimate-shipping-methods", json={"address": US_ADDRESS}).json()
    free = next(m for m in methods if m["carrier_code"] == "freeshipping")
    assert free["amount"] == 0 and free["error_message"] == ""
    totals = ship_to(api, cart_id, US_ADDRESS, "freeshipping", "freeshipping")["totals"]
    assert (
        totals["shipping_amount"] == 0 and totals["grand_total"] == totals["subtotal"] + totals["tax_amount"]
    )
