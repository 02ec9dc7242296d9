"""The mapper fixtures are real-shaped: each validates against Magento 2.4.7's ``sales-data-order-interface``.

With the three loosenings real payloads need (reference/magento.md §7): "required" keys that are null
(``payment.account_status``, ``payment.cc_last4``, an address's ``telephone``/``postcode``) and nulls in
``payment.additional_information``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from tests.mappers import payloads

SPEC = Path(__file__).parents[1] / "contracts" / "magento-2.4.7-order-sync-subset.openapi.json"
SCENARIOS: list[Callable[[], dict[str, Any]]] = [
    payloads.us_configurable_order,
    payloads.tutorial_guest_order,
    payloads.fixed_bundle_order,
    payloads.coupon_order,
    payloads.nyc_rule_discount_order,
    payloads.uk_vat_inclusive_order,
    payloads.sar_order,
    payloads.free_order,
    payloads.virtual_order,
]


@pytest.fixture(scope="module")
def order_validator() -> OAS30Validator:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schemas = copy.deepcopy(spec["components"]["schemas"])
    for name, keys in (
        ("sales-data-order-payment-interface", ("account_status", "cc_last4")),
        ("sales-data-order-address-interface", ("telephone", "postcode")),
    ):
        for key in keys:
            schemas[name]["properties"][key]["nullable"] = True
    schemas["sales-data-order-payment-interface"]["properties"]["additional_information"]["items"][
        "nullable"
    ] = True
    root = {"$ref": "#/components/schemas/sales-data-order-interface", "components": {"schemas": schemas}}
    return OAS30Validator(root)


@pytest.mark.parametrize("build", SCENARIOS, ids=lambda build: build.__name__)
def test_each_fixture_order_follows_the_magento_spec(order_validator: OAS30Validator, build: Any) -> None:
    errors = [error.message for error in order_validator.iter_errors(payloads.as_wire_json(build()))]
    assert errors == []


def test_the_validator_catches_a_malformed_order(order_validator: OAS30Validator) -> None:
    broken = payloads.as_wire_json(payloads.coupon_order())
    broken["items"][0]["qty_ordered"] = "two"
    del broken["grand_total"]
    assert len(list(order_validator.iter_errors(broken))) == 2
