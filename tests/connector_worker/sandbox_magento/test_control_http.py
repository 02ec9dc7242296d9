"""The ``/_sandbox`` control surface the demo and benchmark processes drive from outside."""

from __future__ import annotations

from typing import Any

import requests

from tests.connector_worker.sandbox_magento.conftest import Api
from tests.support.magento_sandbox import MagentoSandboxHandle


def control(shop: MagentoSandboxHandle, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.request(method, f"{shop.base_url}/_sandbox/{path}", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_health_and_credentials(shop: MagentoSandboxHandle) -> None:
    assert control(shop, "GET", "health") == {"status": "ok", "orders": len(shop.control.order_ids())}
    creds = control(shop, "GET", "credentials")
    assert creds["admin_password"] == shop.credentials.admin_password
    assert creds["consumer_key"] == shop.credentials.consumer_key


def test_faults_can_be_set_read_and_cleared(shop: MagentoSandboxHandle) -> None:
    settings = control(shop, "PUT", "faults", {"latency_ms": 30, "error_rate": 0.1})
    assert (settings["latency_ms"], settings["error_rate"]) == (30, 0.1)
    assert control(shop, "GET", "faults")["latency_ms"] == 30
    assert control(shop, "DELETE", "faults")["latency_ms"] == 0
    bad = requests.put(f"{shop.base_url}/_sandbox/faults", json={"nope": 1}, timeout=10)
    assert bad.status_code == 400 and "nope" in bad.json()["error"]


def test_clock_and_order_creation_share_one_updated_at_second(api: Api, shop: MagentoSandboxHandle) -> None:
    frozen = control(shop, "POST", "clock", {"action": "freeze", "at": "2030-01-02 03:04:05"})["now"]
    try:
        assert frozen == "2030-01-02 03:04:05"
        ids = control(shop, "POST", "orders", {"count": 5, "state": "new"})["entity_ids"]
        stamps = {api.get(f"orders/{i}").json()["updated_at"] for i in ids}
        assert stamps == {"2030-01-02 03:04:05"}
        assert (
            control(shop, "POST", "clock", {"action": "advance", "seconds": 90})["now"]
            == "2030-01-02 03:05:35"
        )
    finally:
        control(shop, "POST", "clock", {"action": "resume"})


def test_order_actions_run_the_domain_code(api: Api, shop: MagentoSandboxHandle) -> None:
    order_id = control(
        shop, "POST", "orders", {"count": 1, "state": "new", "seed": 99, "store_code": "default"}
    )["entity_ids"][0]
    if api.get(f"orders/{order_id}").json()["is_virtual"]:
        order_id = control(shop, "POST", "orders", {"count": 1, "state": "new", "seed": 98})["entity_ids"][0]
    invoice_id = control(shop, "POST", f"orders/{order_id}/invoice", {})["result"]
    assert isinstance(invoice_id, int)
    assert api.get(f"orders/{order_id}").json()["state"] in ("processing", "complete")
    assert control(shop, "POST", f"orders/{order_id}/comment", {"comment": "from control"})["result"] is True
    before = api.get(f"orders/{order_id}").json()["updated_at"]
    control(shop, "POST", "clock", {"action": "advance", "seconds": 5})
    assert control(shop, "POST", f"orders/{order_id}/touch")["result"] > before
    control(shop, "POST", f"orders/{order_id}/delete")
    assert api.get(f"orders/{order_id}").status_code == 404


def test_request_log_catalog_and_cart_items(api: Api, shop: MagentoSandboxHandle) -> None:
    control(shop, "POST", "requests/reset")
    api.get("products/MB-DUFFLE-01")
    records = control(shop, "GET", "requests?route=V1/products/{sku}")
    assert [r["status"] for r in records] == [200]
    catalog = control(shop, "GET", "catalog")
    assert "LEGACY-TEE-001" not in {p["sku"] for p in catalog}
    customer_id = shop.control.customer_ids()[-1]
    cart_id = control(shop, "POST", f"customers/{customer_id}/cart-items", {"sku": "BT-WATER-750", "qty": 2})[
        "cart_id"
    ]
    assert any(i["sku"] == "BT-WATER-750" for i in api.get(f"carts/{cart_id}/items").json())


def test_unknown_control_routes_are_404(shop: MagentoSandboxHandle) -> None:
    assert requests.get(f"{shop.base_url}/_sandbox/nothing", timeout=10).status_code == 404
    assert requests.post(f"{shop.base_url}/_sandbox/orders/1/explode", json={}, timeout=10).status_code == 404
