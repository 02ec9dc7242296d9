"""Contract: every request the client sends, and every answer it accepts, matches the 2.4.7 admin spec.

The client runs its whole repertoire against the sandbox in all three auth modes while an ``on_exchange``
observer validates each exchange with the shared, §7-loosened spec (tests/support/magento_contract.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from connector_worker.errors import NotFoundError, RemoteRejectedError
from connector_worker.magento import Exchange, MagentoClient, SearchCriteria, Track
from tests.connector_worker.magento.sandbox_clients import AUTH_KINDS, client_for
from tests.connector_worker.magento.test_sandbox_cart import address
from tests.support.magento_contract import ContractError, validate_request, validate_response
from tests.support.magento_sandbox import AuthKind, MagentoSandboxHandle, magento_sandbox


class ContractRecorder:
    """Validates each exchange as it happens and remembers which operations were exercised."""

    def __init__(self) -> None:
        self.checked: list[tuple[str, str, int]] = []

    def __call__(self, exchange: Exchange) -> None:
        parts = urlsplit(exchange.url)
        content_type = exchange.request_headers.get("Content-Type", "application/json")
        validate_request(
            exchange.method,
            parts.path,
            query=parts.query,
            headers=exchange.request_headers,
            body=exchange.request_body,
            content_type=content_type,
        )
        validate_response(
            exchange.method,
            parts.path,
            status=exchange.status,
            body=exchange.response_body,
            query=parts.query,
            headers=exchange.response_headers,
            content_type=exchange.response_headers.get("Content-Type", "application/json"),
            request_body=exchange.request_body,
        )
        self.checked.append((exchange.method, parts.path, exchange.status))


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=61, orders=6, integration_as_bearer=True) as handle:
        yield handle


def exercise_reads(client: MagentoClient, shop: MagentoSandboxHandle) -> None:
    pages = list(
        client.iter_order_pages(
            SearchCriteria().where("state", "neq", "canceled").order_by("entity_id").page_size(4)
        )
    )
    entity_id = pages[0].items[0]["entity_id"]
    client.get_order(entity_id)
    client.order_comments(entity_id)
    client.search_invoices(SearchCriteria().where("order_id", "eq", entity_id))
    client.search_shipments(SearchCriteria().where("order_id", "eq", entity_id))
    customer = client.get_customer(shop.control.customer_ids()[0])
    client.find_customers_by_email(customer["email"])
    client.get_product("SVC-WARRANTY-1Y")
    client.get_product("ACC/STRAP-01")
    client.search_products_by_skus(["MUG+LID 350", "TÉ-VERDE-250", "NO-SUCH"])
    client.find_order_by_quote_id(999_999)
    with pytest.raises(NotFoundError):
        client.get_order(999_999)


@pytest.mark.parametrize("auth", AUTH_KINDS)
def test_reads_match_the_spec_in_every_auth_mode(shop: MagentoSandboxHandle, auth: AuthKind) -> None:
    recorder = ContractRecorder()
    with client_for(shop, auth, on_exchange=recorder) as client:
        exercise_reads(client, shop)
    assert len(recorder.checked) == client.requests_made
    assert ("GET", "/rest/default/V1/orders/999999", 404) in recorder.checked


def test_writes_and_the_cart_route_match_the_spec(shop: MagentoSandboxHandle) -> None:
    recorder = ContractRecorder()
    with client_for(shop, "oauth", on_exchange=recorder) as client:
        first, second, third = shop.control.create_orders(3, state="new")
        client.add_order_comment(first, "From Odoo", "pending", notify=False, visible=True)
        client.hold_order(first)
        with pytest.raises(RemoteRejectedError):
            client.hold_order(first)  # a 400 error-response, validated too
        client.unhold_order(first)
        client.cancel_order(second)
        with pytest.raises(RemoteRejectedError):
            client.cancel_order(second)  # 200 false
        order = client.get_order(third)
        line = next(item for item in order["items"] if "parent_item_id" not in item)
        client.invoice_order(
            third, items={line["item_id"]: line["qty_ordered"]}, notify=True, comment="INV/1"
        )
        client.ship_order(
            third, tracks=[Track("TRK-1", "custom", "Odoo")], comment="WH/OUT/1", source_code="default"
        )

        client.create_customer({"email": "contract@example.com", "firstname": "Con", "lastname": "Tract"})
        full = client.get_customer(shop.control.customer_ids()[1])  # a seeded customer with an address
        cart_id = client.customer_cart(full["id"])
        client.empty_cart(cart_id)
        client.add_cart_item(cart_id, "TÉ-VERDE-250", Decimal("2"))
        client.get_cart(cart_id)
        client.cart_items(cart_id)
        client.set_shipping_information(cart_id, address(full), address(full), "flatrate", "flatrate")
        order_id = client.place_order(cart_id, "checkmo")
        found = client.find_order_by_quote_id(cart_id)
    assert found is not None
    assert found["entity_id"] == order_id
    assert len(recorder.checked) == client.requests_made


def test_the_validator_really_rejects_what_the_spec_forbids() -> None:
    # a check that cannot fail proves nothing: a body of the wrong type is caught
    with pytest.raises(ContractError):
        validate_response(
            "GET", "/rest/default/V1/orders/1", status=200, body=b'{"entity_id": "not-an-int", "items": []}'
        )
    with pytest.raises(ContractError):
        validate_request("POST", "/rest/default/V1/orders/1/comments", body=b'{"comment": "missing wrapper"}')
    with pytest.raises(ContractError, match="order_item_id"):
        validate_request("POST", "/rest/default/V1/order/5/invoice", body=b'{"items": [{"qty": 1}]}')
    with pytest.raises(ContractError, match="pageSize"):
        validate_request("GET", "/rest/default/V1/orders", query="searchCriteria%5BpageSize%5D=abc")
