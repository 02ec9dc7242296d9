"""The payload a pull hands to each sync: smaller than the order, and mapped exactly as the whole order is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from config.settings import InstanceOptions
from connector_worker.magento.parsing import loads
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from connector_worker.synced import version
from mappers import (
    magento_order_to_odoo,
    magento_status_values,
    partner_values,
    required_countries,
    required_products,
)
from mappers.money import ROUND_PER_LINE
from tasks.pull import sync_payload
from tests.mappers.contexts import SYNCED_AT, resolved_context

SEEDS = (1, 4, 7)
ORDERS_PER_SEED = 60


@pytest.fixture(scope="module")
def orders() -> Iterator[list[dict[str, Any]]]:
    """Seeded orders of every kind, as the Magento client parses them (Decimals, datetimes)."""
    found = []
    for seed in SEEDS:
        sandbox = MagentoSandbox(SandboxConfig(seed=seed, orders=ORDERS_PER_SEED))
        try:
            found += [loads(json.dumps(sandbox.control.order(i))) for i in sandbox.control.order_ids()]
        finally:
            sandbox.close()
    yield found


def test_the_payload_leaves_out_the_copies_magento_repeats(orders: list[dict[str, Any]]) -> None:
    whole = sum(len(json.dumps(order, default=str)) for order in orders)
    handed = sum(len(json.dumps(sync_payload(order), default=str)) for order in orders)
    # the copies of parent rows and of the items in shipping assignments are gone
    assert handed < 0.7 * whole
    for order in orders:
        payload = sync_payload(order)
        for item in payload["items"]:
            assert set(item.get("parent_item") or {"item_id": 0}) == {"item_id"}
        for assignment in payload["extension_attributes"].get("shipping_assignments", []):
            assert "items" not in assignment
    # and the order itself is left as it was
    assert any(item.get("parent_item", {}).get("sku") for order in orders for item in order["items"])


def test_a_pulled_sync_maps_its_payload_as_it_would_map_the_whole_order(orders: list[dict[str, Any]]) -> None:
    countries = {code: 100 + n for n, code in enumerate(sorted({"US", "GB", "DE", "FR", "NL", "SA"}))}
    for order in orders:
        payload = sync_payload(order)
        name = f"order {order['entity_id']}"
        assert version(payload) == version(order), name
        assert required_products(payload) == required_products(order), name
        assert magento_status_values(payload, SYNCED_AT) == magento_status_values(order, SYNCED_AT), name
        codes = required_countries(order)
        assert required_countries(payload) == codes, name
        known = {**countries, **{code: 900 + n for n, code in enumerate(sorted(codes))}}
        assert partner_values(payload, known) == partner_values(order, known), name
        for options, rounding in ((InstanceOptions(), None), (InstanceOptions(), ROUND_PER_LINE)):
            ctx = resolved_context(order, options, **({"rounding_method": rounding} if rounding else {}))
            assert magento_order_to_odoo(payload, ctx) == magento_order_to_odoo(order, ctx), name
