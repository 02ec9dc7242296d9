"""Customers and the cart route that places an Odoo order in Magento, including a lost answer on placement."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connector_worker.errors import NotFoundError, OutcomeUnknownError, RemoteRejectedError
from connector_worker.magento import MagentoClient
from tests.connector_worker.magento.sandbox_clients import client_for
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=51, orders=3) as handle:
        yield handle


@pytest.fixture
def client(shop: MagentoSandboxHandle) -> Iterator[MagentoClient]:
    shop.control.clear_faults()
    shop.control.reset_requests()
    with client_for(shop, "admin") as made:
        yield made
    shop.control.clear_faults()


def address(customer: dict[str, Any]) -> dict[str, Any]:
    """A quote address from the customer's first saved address (every field Magento requires)."""
    saved = customer["addresses"][0]
    region = saved.get("region") or {}
    return {
        "firstname": saved["firstname"],
        "lastname": saved["lastname"],
        "street": saved["street"],
        "city": saved["city"],
        "postcode": saved["postcode"],
        "country_id": saved["country_id"],
        "telephone": saved["telephone"],
        "region": region.get("region", ""),
        "region_id": region.get("region_id", 0),
        "region_code": region.get("region_code", ""),
        "email": customer["email"],
    }


def test_customers_are_found_by_email_read_and_created(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    existing = client.get_customer(shop.control.customer_ids()[0])
    found = client.find_customers_by_email(existing["email"].upper())
    assert [c["id"] for c in found] == [existing["id"]]
    assert client.find_customers_by_email("nobody@example.invalid") == []
    created = client.create_customer(
        {"email": "new.buyer@example.com", "firstname": "Ana", "lastname": "Núñez", "website_id": 1}
    )
    assert created["email"] == "new.buyer@example.com"
    assert created["created_at"].tzinfo is not None
    assert client.find_customers_by_email("new.buyer@example.com")[0]["id"] == created["id"]
    # Magento refuses a second account with that e-mail, with its own words, and it is not retried
    shop.control.reset_requests()
    with pytest.raises(RemoteRejectedError, match="A customer with the same email address already exists"):
        client.create_customer({"email": "new.buyer@example.com", "firstname": "Ana", "lastname": "Núñez"})
    assert shop.control.request_count() == 1
    with pytest.raises(NotFoundError):
        client.get_customer(987_654)


def test_an_order_is_placed_through_the_cart_and_found_again_by_quote_id(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    customer = client.get_customer(shop.control.customer_ids()[1])
    # given storefront leftovers in the customer's active cart
    leftover_cart = shop.control.add_to_customer_cart(customer["id"], "SVC-WARRANTY-1Y")
    # when the connector takes the cart, empties it and fills it with the Odoo order
    cart_id = client.customer_cart(customer["id"])
    assert cart_id == leftover_cart
    client.empty_cart(cart_id)
    assert client.cart_items(cart_id) == []
    client.add_cart_item(cart_id, "TÉ-VERDE-250", 2)
    item = client.add_cart_item(cart_id, "ACC/STRAP-01", Decimal("1"))
    assert item["sku"] == "ACC/STRAP-01"
    details = client.set_shipping_information(
        cart_id, address(customer), address(customer), "flatrate", "flatrate"
    )
    assert "checkmo" in [m["code"] for m in details["payment_methods"]]
    assert isinstance(client.get_cart(cart_id)["items_qty"], int | Decimal)
    order_id = client.place_order(cart_id, "checkmo")
    # then the order exists with exactly those lines, and the quote id leads back to it
    order = client.get_order(order_id)
    assert sorted(i["sku"] for i in order["items"]) == ["ACC/STRAP-01", "TÉ-VERDE-250"]
    found = client.find_order_by_quote_id(cart_id)
    assert found is not None
    assert found["entity_id"] == order_id


def test_a_lost_answer_on_placement_is_recovered_by_quote_id_not_by_placing_again(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    customer = client.get_customer(shop.control.customer_ids()[2])
    cart_id = client.customer_cart(customer["id"])
    client.empty_cart(cart_id)
    client.add_cart_item(cart_id, "MUG+LID 350", 1)
    client.set_shipping_information(cart_id, address(customer), address(customer), "flatrate", "flatrate")
    assert client.find_order_by_quote_id(cart_id) is None
    shop.control.set_faults(drop_next=1, drop_after_handling=True, path_pattern=r"/carts/\d+/order$")
    with pytest.raises(OutcomeUnknownError):
        client.place_order(cart_id, "checkmo")
    assert shop.control.request_count("PUT", "V1/carts/{cartId}/order") == 1  # sent once, not resent
    shop.control.clear_faults()
    placed = client.find_order_by_quote_id(cart_id)
    assert placed is not None
    assert [i["sku"] for i in placed["items"]] == ["MUG+LID 350"]


def test_placing_without_shipping_information_is_refused_once(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    customer_id = shop.control.customer_ids()[0]
    cart_id = client.customer_cart(customer_id)
    client.empty_cart(cart_id)
    client.add_cart_item(cart_id, "TÉ-VERDE-250", 1)
    shop.control.reset_requests()
    with pytest.raises(
        RemoteRejectedError, match=r"^The shipping address is missing\. Set the address and try again\.$"
    ):
        client.place_order(cart_id, "checkmo")
    assert shop.control.request_count() == 1
