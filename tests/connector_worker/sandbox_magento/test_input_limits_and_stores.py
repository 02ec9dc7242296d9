"""Web API input limits (default page size 20, maximum 300) and configurable store codes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connector_worker.sandbox_magento.conftest import Api, search
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox


@pytest.fixture(scope="module")
def limited() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=8, orders=45, input_limits=True, store_codes=("main", "fr")) as handle:
        yield handle


def test_without_page_size_the_default_page_size_applies_silently(limited: MagentoSandboxHandle) -> None:
    body = Api(limited).get("orders", params={"searchCriteria": ""}).json()
    assert len(body["items"]) == 20 and body["total_count"] == 45
    assert body["search_criteria"]["page_size"] == 20


def test_a_page_size_above_the_maximum_is_refused(limited: MagentoSandboxHandle) -> None:
    api = Api(limited)
    assert api.get("orders", params=search(page_size=300)).status_code == 200
    response = api.get("orders", params=search(page_size=301))
    assert response.status_code == 400
    assert response.json() == {
        "message": "Maximum SearchCriteria pageSize is %max",
        "parameters": {"max": 300},
    }
    assert api.get("customers/search", params=search(page_size=1000)).status_code == 400


def test_a_non_numeric_page_size_is_a_type_error(limited: MagentoSandboxHandle) -> None:
    response = Api(limited).get("orders", params=search(page_size="many"), check_request=False)
    assert response.status_code == 400
    assert response.json()["parameters"] == {"value": "many", "type": "int"}


def test_limits_are_off_by_default(shop: MagentoSandboxHandle) -> None:
    body = Api(shop).get("orders", params=search(page_size=1000)).json()
    assert body["total_count"] == len(body["items"])


def test_store_codes_are_configurable(limited: MagentoSandboxHandle) -> None:
    api = Api(limited)
    order_id = limited.control.order_ids()[0]
    assert api.get(f"orders/{order_id}", store="fr").status_code == 200
    assert api.get(f"orders/{order_id}", store="main").status_code == 200
    assert api.get(f"orders/{order_id}", store="eu", route_exists=False).status_code == 404
    customer_id = limited.control.customer_ids()[0]
    cart_id = api.post(f"customers/{customer_id}/carts", store="fr").json()
    assert api.get(f"carts/{cart_id}").json()["store_id"] == 2


def test_a_single_store_sandbox_has_only_the_default_view() -> None:
    with magento_sandbox(orders=5, store_codes=("default",)) as shop:
        orders = [shop.control.order(i) for i in shop.control.order_ids()]
        assert {o["store_id"] for o in orders} == {1}
    with pytest.raises(ValueError, match="store codes"):
        magento_sandbox(orders=1, store_codes=()).__enter__()


def test_old_collections_answered_a_page_past_the_end_with_the_last_page() -> None:
    with magento_sandbox(orders=25, clamp_out_of_range_page=True) as shop:
        api = Api(shop)
        last = api.get("orders", params=search(sort=[("entity_id", "ASC")], page_size=10, page=3)).json()
        past = api.get("orders", params=search(sort=[("entity_id", "ASC")], page_size=10, page=7)).json()
        assert past["items"] == last["items"] and len(past["items"]) == 5
