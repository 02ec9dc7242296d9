"""The contract helper loosens the 2.4.7 spec for exactly the three §7 deviations, and nothing else."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from tests.support.magento_contract import (
    SPEC_PATH,
    ContractError,
    loosened_spec,
    spec_path,
    validate_error_response,
    validate_request,
    validate_response,
)


@pytest.fixture(scope="module")
def order() -> dict[str, Any]:
    sandbox = MagentoSandbox(SandboxConfig(seed=5, orders=3))
    return dict(json.loads(sandbox.state.order_json(sandbox.state.orders[1])))


def check(order: dict[str, Any]) -> None:
    validate_response("GET", "/rest/V1/orders/1", status=200, body=order)


def test_only_the_three_documented_places_differ_from_the_official_spec() -> None:
    official = json.loads(Path(SPEC_PATH).read_text(encoding="utf-8"))
    loosened = loosened_spec()
    changed = [
        name
        for name, schema in loosened["components"]["schemas"].items()
        if schema != official["components"]["schemas"][name]
    ]
    assert sorted(changed) == [
        "error-parameters",
        "sales-data-order-address-interface",
        "sales-data-order-payment-interface",
    ]
    official["components"]["schemas"] = loosened["components"]["schemas"] = {}
    assert official == loosened


def test_nullable_required_payment_and_address_fields_pass(order: dict[str, Any]) -> None:
    real = copy.deepcopy(order)
    real["billing_address"]["telephone"] = None
    real["billing_address"]["postcode"] = None
    real["payment"]["additional_information"] = ["95544", None, None, "0"]
    check(real)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("payment", "method"), None),
        (("billing_address", "city"), None),
        (("customer_email",), None),
        (("grand_total",), "12.00"),
        (("items", 0, "sku"), 3),
    ],
)
def test_every_other_deviation_still_fails(order: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    broken = copy.deepcopy(order)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ContractError) as failure:
        check(broken)
    assert any(str(path[-1]) in problem for problem in failure.value.problems)


def test_error_parameters_may_be_an_object_or_a_list_but_not_a_string() -> None:
    validate_error_response(
        400, {"message": "%fieldName is a required field.", "parameters": {"fieldName": "searchCriteria"}}
    )
    validate_error_response(
        400, {"message": "Signature method %1 is not supported", "parameters": ["HMAC-SHA1"]}
    )
    with pytest.raises(ContractError):
        validate_error_response(400, {"message": "x", "parameters": "oops"})
    with pytest.raises(ContractError):
        validate_error_response(400, {"parameters": {}})  # message is required


def test_requests_are_checked_against_the_spec_server_path() -> None:
    assert spec_path("http://127.0.0.1:1/rest/eu/V1/orders/5?x=1") == "/rest/default/V1/orders/5"
    assert spec_path("/rest/V1/carts/3/order") == "/rest/default/V1/carts/3/order"
    validate_request("PUT", "/rest/V1/carts/3/order", body={"paymentMethod": {"method": "checkmo"}})
    with pytest.raises(ContractError) as failure:
        validate_request("POST", "/rest/V1/carts/3/items", body={"cartItem": {"sku": "x"}})
    assert failure.value.problems == [
        '$.cartItem: \'qty\' is a required property (value: {"sku": "x"})',
        '$.cartItem: \'quote_id\' is a required property (value: {"sku": "x"})',
    ]
    with pytest.raises(ContractError):
        validate_request("GET", "/rest/V1/nowhere")
    with pytest.raises(ValueError, match="not a Magento REST path"):
        spec_path("/health")


def test_httpx_exchanges_validate_too() -> None:
    import httpx

    from tests.support.magento_contract import validate_exchange
    from tests.support.magento_sandbox import magento_sandbox

    with magento_sandbox(orders=2) as shop, httpx.Client(timeout=10) as client:
        creds = shop.credentials
        token = client.post(
            shop.rest_url("integration/admin/token"),
            json={"username": creds.admin_username, "password": creds.admin_password},
        )
        validate_exchange(token)
        listed = client.get(
            shop.rest_url("orders"),
            params={"searchCriteria[pageSize]": 1},
            headers={"Authorization": f"Bearer {token.json()}"},
        )
        validate_exchange(listed)
        assert listed.json()["total_count"] == 2
