"""The fields a sync asks Magento for: every field the mapping reads, and the order maps as the whole one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from config.settings import InstanceOptions
from connector_worker.magento.parsing import loads
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from connector_worker.sandbox.magento.fields_filter import partial
from connector_worker.synced import version
from mappers import (
    invoice_status,
    is_paid,
    magento_order_to_odoo,
    magento_status_values,
    normalize_email,
    partner_values,
    required_countries,
    required_products,
)
from mappers.fields import ORDER_FIELDS, ORDER_SELECTION
from mappers.money import ROUND_PER_LINE
from mappers.status import is_refunded
from tests.mappers.contexts import SYNCED_AT, resolved_context
from tests.support.recording import Path, Recording, selected_paths

SEEDS = (1, 4, 7, 11)
ORDERS_PER_SEED = 80
COUNTRIES = {code: 100 + n for n, code in enumerate(sorted({"US", "GB", "DE", "FR", "NL", "SA"}))}


@pytest.fixture(scope="module")
def orders() -> Iterator[list[dict[str, Any]]]:
    """Seeded orders of every kind (bundles, configurables, both tax modes, currencies), as rendered."""
    found = []
    for seed in SEEDS:
        sandbox = MagentoSandbox(SandboxConfig(seed=seed, orders=ORDERS_PER_SEED))
        try:
            found += [sandbox.control.order(i) for i in sandbox.control.order_ids()]
        finally:
            sandbox.close()
    yield found


def _everything_a_sync_reads(order: dict[str, Any], ctx_order: dict[str, Any]) -> None:
    """What the pull, the resolver, the sync and the reconcile read off ``order`` (``ctx_order`` unrecorded)."""
    version(order)
    required_products(order)
    required_countries(order)
    normalize_email(str(order.get("customer_email") or ""))
    magento_status_values(order, SYNCED_AT)
    is_paid(order)
    is_refunded(order)
    invoice_status(order)
    known = {**COUNTRIES, **{code: 900 + n for n, code in enumerate(sorted(required_countries(ctx_order)))}}
    partner_values(order, known)
    for rounding in (None, ROUND_PER_LINE):
        ctx = resolved_context(
            ctx_order, InstanceOptions(), **({"rounding_method": rounding} if rounding else {})
        )
        magento_order_to_odoo(order, ctx)


def test_the_selection_holds_every_field_the_mapping_reads(orders: list[dict[str, Any]]) -> None:
    reads: set[Path] = set()
    for order in [*orders, *(_fallback_shape(order) for order in orders)]:
        parsed = loads(json.dumps(order))
        _everything_a_sync_reads(Recording(parsed, (), reads), parsed)
    missing = sorted(".".join(path) for path in reads - selected_paths(ORDER_FIELDS))
    assert not missing, (
        f"read by the sync but not asked of Magento (add them to mappers/fields.py): {missing}"
    )
    # and the recorder saw the nested reads, so the check above has teeth
    assert ("extension_attributes", "shipping_assignments", "shipping", "address", "country_id") in reads
    assert ("items", "qty_ordered") in reads
    # and the fallbacks the seed never needs: base currency, a child's parent by its parent_item copy
    assert {("base_currency_code",), ("items", "parent_item", "item_id")} <= reads


def _fallback_shape(order: dict[str, Any]) -> dict[str, Any]:
    """``order`` as older or third-party Magento payloads come: no order currency (the base one stands in),
    and child items that name their parent only through the ``parent_item`` copy."""
    shaped = {key: value for key, value in order.items() if key != "order_currency_code"}
    shaped["items"] = [
        {key: value for key, value in item.items() if key != "parent_item_id"} for item in order["items"]
    ]
    return shaped


def test_a_partial_order_maps_as_the_whole_order(orders: list[dict[str, Any]]) -> None:
    for raw in orders:
        order = loads(json.dumps(raw))
        cut = loads(json.dumps(partial(raw, ORDER_SELECTION)))
        name = f"order {order['entity_id']}"
        assert version(cut) == version(order), name
        assert required_products(cut) == required_products(order), name
        assert magento_status_values(cut, SYNCED_AT) == magento_status_values(order, SYNCED_AT), name
        assert (is_paid(cut), is_refunded(cut)) == (is_paid(order), is_refunded(order)), name
        codes = required_countries(order)
        assert required_countries(cut) == codes, name
        known = {**COUNTRIES, **{code: 900 + n for n, code in enumerate(sorted(codes))}}
        assert partner_values(cut, known) == partner_values(order, known), name
        for rounding in (None, ROUND_PER_LINE):
            ctx = resolved_context(
                order, InstanceOptions(), **({"rounding_method": rounding} if rounding else {})
            )
            assert magento_order_to_odoo(cut, ctx) == magento_order_to_odoo(order, ctx), name


def test_the_selection_leaves_out_most_of_the_order(orders: list[dict[str, Any]]) -> None:
    whole = sum(len(json.dumps(order)) for order in orders)
    asked = sum(len(json.dumps(partial(order, ORDER_SELECTION))) for order in orders)
    assert asked < 0.35 * whole, f"{asked / whole:.2f} of the order"
