"""The money invariant on the Magento sandbox's seed corpus: every seeded order maps, and Odoo's total is
Magento's ``grand_total`` to the cent (tax-exclusive USD store, VAT-inclusive EUR store in a second
currency, coupons, a 100 % discount, bundles, virtual orders), with an adjustment line only by exception.

The orders are read as the connector's Magento client hands them over (``parsing.loads``: Decimal money,
aware UTC dates), from the JSON the sandbox serves on ``GET /V1/orders/{id}``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from config.settings import InstanceOptions
from connector_worker.magento.parsing import loads
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from mappers import (
    OdooOrderState,
    SaleAction,
    invoice_status,
    is_paid,
    magento_order_to_odoo,
    normalize_email,
    partner_values,
    required_countries,
    sale_order_actions,
)
from mappers.money import ROUND_PER_LINE
from tests.mappers.contexts import odoo_total_of, resolved_context

SEEDS = (1, 2, 3, 4, 5, 6)
ORDERS_PER_SEED = 80
TOLERANCE = InstanceOptions().amount_tolerance


@dataclass(frozen=True)
class Seeded:
    """One order of the corpus and the truth about its store."""

    seed: int
    order: dict[str, Any]  # as the Magento client parses it
    wire: dict[str, Any]  # plain JSON (floats, date strings), as a webhook body would carry it
    prices_include_tax: bool

    @property
    def name(self) -> str:
        return f"seed {self.seed} order {self.order['entity_id']}"


@pytest.fixture(scope="module")
def corpus() -> Iterator[list[Seeded]]:
    orders = []
    for seed in SEEDS:
        sandbox = MagentoSandbox(SandboxConfig(seed=seed, orders=ORDERS_PER_SEED))
        try:
            inclusive = {store.store_id: store.prices_include_tax for store in sandbox.state.stores}
            for entity_id in sandbox.control.order_ids():
                wire = sandbox.control.order(entity_id)
                order = loads(json.dumps(wire))
                orders.append(Seeded(seed, order, wire, inclusive[order["store_id"]]))
        finally:
            sandbox.close()
    yield orders


def _features(order: dict[str, Any]) -> set[str]:
    items = order["items"]
    found = {item.get("product_type", "") for item in items}
    found.add("guest" if order.get("customer_is_guest") else "registered")
    if Decimal(order.get("discount_amount", 0)) < 0:
        found.add("discount")
    if Decimal(order["grand_total"]) == 0:
        found.add("zero total")
    if Decimal(order.get("base_to_order_rate", 1)) != 1:
        found.add("second currency")
    if order.get("is_virtual"):
        found.add("virtual")
    if any(item.get("parent_item_id") and Decimal(item.get("price", 0)) for item in items):
        found.add("dynamic bundle")
    if Decimal(order.get("shipping_tax_amount", 0)):
        found.add("taxed shipping")
    found.add(order["state"])
    return found


def test_the_corpus_covers_what_the_invariant_must_hold_for(corpus: list[Seeded]) -> None:
    features = Counter(feature for seeded in corpus for feature in _features(seeded.order))
    stores = Counter(seeded.prices_include_tax for seeded in corpus)
    assert len(corpus) == len(SEEDS) * ORDERS_PER_SEED
    assert stores[True] > 0 and stores[False] > 0
    wanted = {"configurable", "bundle", "dynamic bundle", "guest", "registered", "discount", "zero total"}
    wanted |= {"second currency", "virtual", "taxed shipping", "complete", "closed", "canceled", "holded"}
    assert wanted <= set(features), wanted - set(features)


def test_every_seeded_order_totals_grand_total_to_the_cent(corpus: list[Seeded]) -> None:
    adjusted = []
    for seeded in corpus:
        order = seeded.order
        ctx = resolved_context(order)
        mapping = magento_order_to_odoo(order, ctx)
        grand_total = Decimal(order["grand_total"]).quantize(Decimal("0.01"))
        assert not mapping.mismatch, (seeded.name, mapping.magento_total, mapping.predicted_total)
        assert abs(mapping.adjustment) <= TOLERANCE, seeded.name
        assert odoo_total_of(mapping.values, ctx) == grand_total == mapping.predicted_total, seeded.name
        # the price convention follows the store's catalogue setting
        assert all(key.price_include == seeded.prices_include_tax for key in ctx.taxes), seeded.name
        # and the plain-JSON form of the same order maps to the very same values
        assert magento_order_to_odoo(seeded.wire, ctx).values == mapping.values, seeded.name
        if mapping.adjustment:
            adjusted.append(seeded.name)
    # an adjustment line is the exception (Magento rounding shipping tax apart from item tax)
    assert len(adjusted) <= len(corpus) // 50, adjusted


@pytest.mark.parametrize("version", [17, 18])
def test_older_odoo_versions_reconcile_too(corpus: list[Seeded], version: int) -> None:
    # 18 rounds tax-included bases and taxes apart, so its ties need the adjustment line more often
    for seeded in corpus:
        ctx = resolved_context(seeded.order, odoo_version=version)
        mapping = magento_order_to_odoo(seeded.order, ctx)
        assert not mapping.mismatch, (seeded.name, mapping.magento_total, mapping.predicted_total)
        assert odoo_total_of(mapping.values, ctx) == mapping.magento_total, seeded.name


def test_a_per_line_rounding_company_reconciles_or_flags_within_half_a_cent_per_line(
    corpus: list[Seeded],
) -> None:
    flagged = 0
    for seeded in corpus:
        ctx = resolved_context(seeded.order, rounding_method=ROUND_PER_LINE)
        mapping = magento_order_to_odoo(seeded.order, ctx)
        assert odoo_total_of(mapping.values, ctx) == mapping.predicted_total, seeded.name
        if mapping.mismatch:
            flagged += 1
            taxed = sum(1 for _, _, line in mapping.values["order_line"] if line["tax_ids"][0][2])
            gap = abs(mapping.magento_total - mapping.predicted_total)
            assert gap <= Decimal("0.005") * taxed, seeded.name
        else:
            assert mapping.predicted_total == mapping.magento_total, seeded.name
    assert flagged < len(corpus) // 20


def test_every_seeded_customer_maps_to_partner_values(corpus: list[Seeded]) -> None:
    for seeded in corpus:
        order = seeded.order
        countries = {code: index for index, code in enumerate(sorted(required_countries(order)), start=1)}
        values = partner_values(order, countries)
        assert values.email == normalize_email(order["customer_email"]) == order["customer_email"].lower()
        assert (values.magento_customer_id is None) == bool(order.get("customer_is_guest")), seeded.name
        assert (values.delivery is None) == bool(order.get("is_virtual")), seeded.name
        assert values.partner["name"] and values.invoice["country_id"] in countries.values()


def test_every_seeded_state_maps_to_actions_and_flags(corpus: list[Seeded]) -> None:
    expected = {
        "new": [],
        "pending_payment": [],
        "payment_review": [],
        "processing": [SaleAction.CONFIRM],
        "complete": [SaleAction.CONFIRM, SaleAction.DELIVER],
        "closed": [SaleAction.CONFIRM, SaleAction.LOCK],
        "canceled": [SaleAction.CANCEL],
        "holded": [],
    }
    options = InstanceOptions()
    for seeded in corpus:
        order = seeded.order
        actions = sale_order_actions(order["state"], order.get("status"), OdooOrderState(), options)
        assert actions == expected[order["state"]], seeded.name
        grand_total = Decimal(order["grand_total"])
        if order["state"] in {"new", "pending_payment", "payment_review"} and grand_total > 0:
            assert not is_paid(order) and invoice_status(order) == "not_invoiced", seeded.name
        if order["state"] == "complete":
            assert is_paid(order) and invoice_status(order) == "invoiced", seeded.name
