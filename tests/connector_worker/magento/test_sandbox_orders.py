"""Orders against the sandbox: paging by total_count, reads, comments, actions and documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connector_worker.errors import NotFoundError, RemoteRejectedError
from connector_worker.magento import MagentoClient, SearchCriteria, Track
from tests.connector_worker.magento.sandbox_clients import client_for
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox

ORDERS_ROUTE = "V1/orders"


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=21, orders=12) as handle:
        yield handle


@pytest.fixture
def client(shop: MagentoSandboxHandle) -> Iterator[MagentoClient]:
    shop.control.reset_requests()
    shop.control.clear_faults()
    with client_for(shop, "oauth") as made:
        yield made
    shop.control.resume_clock()


def test_many_orders_sharing_one_second_are_paged_without_loss_or_duplicates(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    # given 25 new orders whose updated_at is the same second, in a store that already has orders
    moment = shop.control.freeze_clock(datetime.now(UTC) + timedelta(days=1))
    created = shop.control.create_orders(25, state="processing")
    shop.control.reset_requests()
    # when the incremental pull pages through them 7 at a time
    criteria = SearchCriteria().updated_since(moment).page_size(7)
    pages = list(client.iter_order_pages(criteria))
    seen = [order["entity_id"] for page in pages for order in page.items]
    # then every order arrives exactly once, in (updated_at, entity_id) order
    assert seen == sorted(created)
    assert {order["updated_at"] for page in pages for order in page.items} == {moment}
    # and paging stopped by total_count: ceil(25 / 7) = 4 requests, no probe for an empty fifth page
    assert [page.page for page in pages] == [1, 2, 3, 4]
    assert [len(page.items) for page in pages] == [7, 7, 7, 4]
    assert shop.control.request_count("GET", ORDERS_ROUTE) == 4
    assert client.requests_made == 4


def test_an_exact_multiple_of_the_page_size_needs_no_extra_request(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    moment = shop.control.freeze_clock(datetime.now(UTC) + timedelta(days=2))
    created = shop.control.create_orders(6, state="new")
    shop.control.reset_requests()
    pages = list(client.iter_order_pages(SearchCriteria().updated_since(moment).page_size(3)))
    assert [order["entity_id"] for page in pages for order in page.items] == sorted(created)
    assert shop.control.request_count("GET", ORDERS_ROUTE) == 2


def test_an_empty_result_is_one_request() -> None:
    with magento_sandbox(seed=22, orders=0) as empty:
        client = client_for(empty)
        pages = list(client.iter_order_pages(SearchCriteria().page_size(50)))
        assert [(page.total_count, page.items) for page in pages] == [(0, [])]
        assert empty.control.request_count("GET", ORDERS_ROUTE) == 1


def test_a_store_that_repeats_the_last_page_past_the_end_is_not_read_twice() -> None:
    # old collections answer a page past the end with the last page again (issue #3787)
    with magento_sandbox(seed=23, orders=5, clamp_out_of_range_page=True) as old:
        client = client_for(old)
        ids = [
            o["entity_id"]
            for p in client.iter_order_pages(SearchCriteria().order_by("entity_id").page_size(2))
            for o in p.items
        ]
        assert ids == sorted(old.control.order_ids())
        assert old.control.request_count("GET", ORDERS_ROUTE) == 3


def test_an_order_comes_back_with_decimal_money_and_utc_datetimes(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    entity_id = shop.control.create_orders(1, state="processing")[0]
    order = client.get_order(entity_id)
    raw = shop.control.order(entity_id)
    assert order["increment_id"] == raw["increment_id"]
    assert isinstance(order["grand_total"], Decimal | int)
    assert order["grand_total"] == Decimal(str(raw["grand_total"]))
    assert order["created_at"].tzinfo is UTC
    assert order["updated_at"] == datetime.strptime(raw["updated_at"], "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=UTC
    )
    for item in order["items"]:
        assert not isinstance(item.get("price", 0), float)


def test_a_missing_order_is_not_found_and_asked_once(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    with pytest.raises(NotFoundError, match="The entity that was requested doesn't exist"):
        client.get_order(999_999)
    assert shop.control.request_count("GET", "V1/orders/{id}") == 1


def test_comments_are_added_and_listed(shop: MagentoSandboxHandle, client: MagentoClient) -> None:
    entity_id = shop.control.create_orders(1, state="processing")[0]
    client.add_order_comment(entity_id, "Picked in Odoo WH/OUT/00042", "processing")
    comments = client.order_comments(entity_id)
    assert "Picked in Odoo WH/OUT/00042" in [c["comment"] for c in comments]
    added = next(c for c in comments if c["comment"] == "Picked in Odoo WH/OUT/00042")
    assert added["is_customer_notified"] == 0
    assert added["created_at"].tzinfo is UTC


def test_cancel_refused_by_magento_is_an_error_not_a_success(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    complete = shop.control.create_orders(1, state="complete")[0]
    with pytest.raises(RemoteRejectedError, match="refused to cancel"):
        client.cancel_order(complete)
    assert shop.control.request_count("POST", "V1/orders/{id}/cancel") == 1
    new = shop.control.create_orders(1, state="new")[0]
    client.cancel_order(new)
    assert client.get_order(new)["state"] == "canceled"


def test_hold_and_unhold_follow_magentos_rules(shop: MagentoSandboxHandle, client: MagentoClient) -> None:
    entity_id = shop.control.create_orders(1, state="processing")[0]
    client.hold_order(entity_id)
    assert client.get_order(entity_id)["state"] == "holded"
    with pytest.raises(RemoteRejectedError, match=r"^A hold action is not available\.$"):
        client.hold_order(entity_id)
    client.unhold_order(entity_id)
    assert client.get_order(entity_id)["state"] == "processing"
    with pytest.raises(RemoteRejectedError, match=r"^You cannot remove the hold\.$"):
        client.unhold_order(entity_id)
    assert shop.control.request_count("POST", "V1/orders/{id}/hold", 400) == 1  # refused once, not retried


def test_invoice_and_ship_return_document_ids_found_by_search(
    shop: MagentoSandboxHandle, client: MagentoClient
) -> None:
    entity_id = shop.control.create_orders(1, state="new")[0]
    invoice_id = client.invoice_order(entity_id, comment="Invoiced from Odoo INV/2024/0001")
    shipment_id = client.ship_order(
        entity_id, tracks=[Track("1Z999AA10123456784", "ups", "United Parcel Service")], notify=False
    )
    assert isinstance(invoice_id, int)
    assert isinstance(shipment_id, int)
    invoices = client.search_invoices(SearchCriteria().where("order_id", "eq", entity_id))
    shipments = client.search_shipments(SearchCriteria().where("order_id", "eq", entity_id))
    assert [i["entity_id"] for i in invoices.items] == [invoice_id]
    assert [s["entity_id"] for s in shipments.items] == [shipment_id]
    assert shipments.items[0]["tracks"][0]["track_number"] == "1Z999AA10123456784"
    assert client.get_order(entity_id)["state"] == "complete"
    # a second invoice of a fully invoiced order is refused with Magento's message, once
    shop.control.reset_requests()
    with pytest.raises(RemoteRejectedError, match="Invoice Document Validation Error"):
        client.invoice_order(entity_id)
    assert shop.control.request_count() == 1


def test_partial_invoice_by_item_quantities(shop: MagentoSandboxHandle, client: MagentoClient) -> None:
    entity_id = shop.control.create_orders(1, state="new")[0]
    order = client.get_order(entity_id)
    first = next(item for item in order["items"] if "parent_item_id" not in item)
    client.invoice_order(entity_id, items={first["item_id"]: 1})
    again = client.get_order(entity_id)
    invoiced = next(item for item in again["items"] if item["item_id"] == first["item_id"])
    assert invoiced["qty_invoiced"] == 1
