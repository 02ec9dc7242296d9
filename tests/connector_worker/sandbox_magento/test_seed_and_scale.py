"""The seed generator is deterministic and covers every state; 2,000 orders stay cheap to page and serve."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from connector_worker.sandbox.magento.clock import parse_magento_datetime
from tests.support.magento_sandbox import magento_sandbox

STATES = {
    "new",
    "pending_payment",
    "processing",
    "complete",
    "closed",
    "canceled",
    "holded",
    "payment_review",
}


def rendered(sandbox: MagentoSandbox) -> list[dict[str, object]]:
    return [json.loads(sandbox.state.order_json(o)) for o in sandbox.state.orders.values()]


def test_the_same_seed_gives_the_same_orders_and_another_seed_does_not() -> None:
    def business(orders: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [
            (o["increment_id"], o["grand_total"], o["state"], o["customer_email"], len(o["items"]))
            for o in orders
        ]  # type: ignore[arg-type]

    first = MagentoSandbox(SandboxConfig(seed=42, orders=60))
    again = MagentoSandbox(SandboxConfig(seed=42, orders=60))
    other = MagentoSandbox(SandboxConfig(seed=43, orders=60))
    assert business(rendered(first)) == business(rendered(again))
    assert business(rendered(first)) != business(rendered(other))
    assert first.control.create_orders(3, seed=9) and again.control.create_orders(3, seed=9)
    assert business(rendered(first))[-3:] == business(rendered(again))[-3:]


def test_every_state_appears_and_history_is_in_the_past() -> None:
    sandbox = MagentoSandbox(SandboxConfig(seed=7, orders=40))
    orders = rendered(sandbox)
    assert set(Counter(o["state"] for o in orders)) == STATES
    now = sandbox.state.clock.now()
    for order in orders:
        assert (
            parse_magento_datetime(str(order["created_at"]))
            <= parse_magento_datetime(str(order["updated_at"]))
            < now
        )
    assert {o["store_id"] for o in orders} == {1, 2}
    assert any(o["customer_is_guest"] for o in orders) and not all(o["customer_is_guest"] for o in orders)


def test_no_legacy_sku_unless_asked() -> None:
    orders = rendered(MagentoSandbox(SandboxConfig(seed=7, orders=80)))
    assert not any(i["sku"] == "LEGACY-TEE-001" for o in orders for i in o["items"])  # type: ignore[attr-defined]


def test_some_customers_have_carts_left_with_items() -> None:
    sandbox = MagentoSandbox(SandboxConfig(seed=7, orders=20))
    carts = [c for c in sandbox.state.carts.values() if c["is_active"] and c["items"]]
    assert carts and all(c["customer_id"] in sandbox.state.customers for c in carts)


def test_two_thousand_orders_seed_fast_and_page_cheaply_under_latency() -> None:
    started = time.monotonic()
    with magento_sandbox(seed=1, orders=2000) as shop:
        seeded = time.monotonic() - started
        creds = shop.credentials
        token = requests.post(
            shop.rest_url("integration/admin/token"),
            json={"username": creds.admin_username, "password": creds.admin_password},
            timeout=10,
        ).json()
        headers = {"Authorization": f"Bearer {token}"}
        shop.control.set_faults(latency_ms=30)

        def page(number: int) -> list[int]:
            params = {
                "searchCriteria[sortOrders][0][field]": "updated_at",
                "searchCriteria[sortOrders][0][direction]": "ASC",
                "searchCriteria[sortOrders][1][field]": "entity_id",
                "searchCriteria[sortOrders][1][direction]": "ASC",
                "searchCriteria[pageSize]": 100,
                "searchCriteria[currentPage]": number,
            }
            body = requests.get(shop.rest_url("orders"), params=params, headers=headers, timeout=30).json()
            assert body["total_count"] == 2000
            return [o["entity_id"] for o in body["items"]]

        paging_started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            pages = list(pool.map(page, range(1, 21)))
        paged = time.monotonic() - paging_started
        ids = [i for p in pages for i in p]
        assert sorted(ids) == shop.control.order_ids() and len(set(ids)) == 2000
        print(
            f"seed+start 2000 orders: {seeded:.2f}s; 20 pages x 100 with 30 ms latency, 8 workers: {paged:.2f}s"
        )
        assert seeded < 10 and paged < 10


def test_customers_exist_before_their_orders() -> None:
    sandbox = MagentoSandbox(SandboxConfig(seed=3, orders=30))
    joined = {c["id"]: c["created_at"] for c in sandbox.state.customers.values()}
    for order in rendered(sandbox):
        if order.get("customer_id"):
            assert joined[order["customer_id"]] < order["created_at"]  # type: ignore[index, operator]
