"""Products: found by SKU or Magento product id, many per call."""

from __future__ import annotations

import pytest

from connector_worker.odoo import OdooGateway
from connector_worker.odoo import products as products_module
from tests.connector_worker.odoo.conftest import rpc_calls, unique
from tests.support.odoo_sandbox import OdooSandboxHandle


@pytest.fixture
def skus(gateway: OdooGateway) -> dict[str, int]:
    codes = [unique("SKU") for _ in range(4)]
    ids = gateway.create(
        "product.product",
        [
            {"name": f"P{n}", "default_code": code, "magento_product_id": unique("MID"), "type": "consu"}
            for n, code in enumerate(codes)
        ],
    )
    return dict(zip(codes, ids, strict=True))


def test_skus_and_magento_ids_in_one_call(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, skus: dict[str, int]
) -> None:
    codes = list(skus)
    [magento_id] = [
        str(row["magento_product_id"])
        for row in sandbox.read("product.product", [("id", "=", skus[codes[3]])], ["magento_product_id"])
    ]
    with rpc_calls(gateway, sandbox, 1):
        found = gateway.find_products(
            skus=[codes[0], codes[1], "NO-SUCH-SKU"], magento_product_ids=[magento_id, codes[0]]
        )
    assert sorted(row["id"] for row in found) == sorted([skus[codes[0]], skus[codes[1]], skus[codes[3]]])
    assert {row["default_code"] for row in found} == {codes[0], codes[1], codes[3]}


def test_large_lookups_are_batched(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, skus: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(products_module, "PRODUCT_BATCH_SIZE", 3)
    with rpc_calls(gateway, sandbox, 2):
        found = gateway.find_products(skus=list(skus))
    assert sorted(row["id"] for row in found) == sorted(skus.values())


def test_archived_products_are_not_found_and_nothing_asked_costs_nothing(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, skus: dict[str, int]
) -> None:
    code = next(iter(skus))
    gateway.write("product.product", [skus[code]], {"active": False})
    assert gateway.find_products(skus=[code]) == []
    with rpc_calls(gateway, sandbox, 0):
        assert gateway.find_products() == []
