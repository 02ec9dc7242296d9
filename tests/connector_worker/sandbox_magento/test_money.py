"""Money: Magento's total-based tax with rounding deltas, discounts before tax, hidden tax, two currencies.

Every seeded order of several seeds must add up exactly, in both currencies, the way a real store's do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from connector_worker.sandbox.magento.catalog import Catalog
from connector_worker.sandbox.magento.pricing import DiscountRule, LineSpec, price_basket
from connector_worker.sandbox.magento.seed import RULES
from connector_worker.sandbox.magento.stores import default_store_views, find_shipping_method

D = Decimal
STORES = default_store_views()
CATALOG = Catalog()


def money(value: Any) -> Decimal:
    return D(str(value)) if value is not None else D(0)


def product(sku: str) -> Any:
    found = CATALOG.get(sku)
    assert found is not None
    return found


def test_tax_exclusive_store_rounds_tax_per_row_carrying_the_delta() -> None:
    # Given 3 bottles at 7.00 and a block at 12.50, 10 % off, flat rate per item, 8.25 % tax
    lines = [LineSpec(product("BT-WATER-750"), D(3)), LineSpec(product("YG-BLOCK-FOAM"), D(1))]
    basket = price_basket(lines, STORES[0], CATALOG, find_shipping_method("flatrate", "flatrate"), RULES[0])
    first, second = basket.rows
    # Then row taxes are 1.56 and 0.93 (exact 1.55925 and 0.928125 + the carried -0.00075)
    assert (first.order.discount_amount, first.order.tax_amount) == (D("2.10"), D("1.56"))
    assert (second.order.discount_amount, second.order.tax_amount) == (D("1.25"), D("0.93"))
    totals = basket.order
    assert totals.subtotal == D("33.50")
    assert totals.discount_amount == D("-3.35")
    assert totals.tax_amount == D("2.49")  # = round(30.15 × 8.25 %): the delta keeps the sum exact
    assert totals.shipping_amount == D("20")
    assert totals.grand_total == D("52.64")
    assert totals.discount_tax_compensation_amount == 0


def test_tax_inclusive_store_books_hidden_tax_and_converts_currency() -> None:
    # Given the EUR store (catalog prices include 20 % VAT, base USD, rate 0.92) and 15 % off incl. shipping
    rule = DiscountRule(2, "Spring Sale 15%", D(15), apply_to_shipping=True)
    basket = price_basket(
        [LineSpec(product("MB-DUFFLE-01"), D(1))],
        STORES[1],
        CATALOG,
        find_shipping_method("tablerate", "bestway"),
        rule,
    )
    row = basket.rows[0]
    # Then the base currency (USD) amounts are derived from the gross price 45.00
    assert row.base.price_incl_tax == row.base.original_price == D("45.00")
    assert (row.base.row_total, row.base.discount_amount, row.base.tax_amount) == (
        D("37.50"),
        D("6.75"),
        D("6.38"),
    )
    assert row.base.discount_tax_compensation_amount == D("1.12")
    base = basket.base
    assert (base.shipping_amount, base.shipping_tax_amount, base.shipping_discount_amount) == (
        D("12.50"),
        D("2.13"),
        D("2.25"),
    )
    assert base.shipping_discount_tax_compensation_amount == D("0.37")
    assert base.grand_total == D("51.00")  # what the shopper pays: (45 + 15) × 0.85
    # And the order currency (EUR) is priced from converted prices, adding up on its own
    order = basket.order
    assert row.order.price_incl_tax == D("41.40")
    assert (order.subtotal, order.tax_amount, order.discount_amount) == (D("34.50"), D("7.83"), D("-8.28"))
    assert (order.discount_tax_compensation_amount, order.shipping_discount_tax_compensation_amount) == (
        D("1.03"),
        D("0.34"),
    )
    assert order.grand_total == D("46.92")


def _identity(order: dict[str, Any], prefix: str) -> Decimal:
    ship_comp = (
        "base_shipping_discount_tax_compensation_amnt"
        if prefix
        else "shipping_discount_tax_compensation_amount"
    )
    return (
        money(order[f"{prefix}subtotal"])
        + money(order[f"{prefix}shipping_amount"])
        + money(order[f"{prefix}tax_amount"])
        + money(order[f"{prefix}discount_amount"])
        + money(order.get(f"{prefix}discount_tax_compensation_amount"))
        + money(order.get(ship_comp))
    )


@pytest.fixture(scope="module")
def corpus() -> Iterator[list[dict[str, Any]]]:
    """Every order of four seeds, as the REST API renders them."""
    orders = []
    for seed in (1, 2, 3, 4):
        sandbox = MagentoSandbox(SandboxConfig(seed=seed, orders=120, legacy_order=True))
        orders += [json.loads(sandbox.state.order_json(o)) for o in sandbox.state.orders.values()]
        sandbox.close()
    yield orders


def test_every_order_adds_up_exactly_in_both_currencies(corpus: list[dict[str, Any]]) -> None:
    for order in corpus:
        for prefix in ("", "base_"):
            assert money(order[f"{prefix}grand_total"]) == _identity(order, prefix), (
                order["increment_id"],
                prefix,
            )


def test_items_sum_to_the_order_totals(corpus: list[dict[str, Any]]) -> None:
    for order in corpus:
        items = order["items"]
        top = [i for i in items if "parent_item_id" not in i]
        assert sum(money(i["row_total"]) for i in top) == money(order["subtotal"]), order["increment_id"]
        assert sum(money(i["tax_amount"]) for i in items) + money(order["shipping_tax_amount"]) == money(
            order["tax_amount"]
        )
        discounts = sum(money(i["discount_amount"]) for i in items) + money(order["shipping_discount_amount"])
        assert discounts == -money(order["discount_amount"])
        assert all(money(i["discount_amount"]) >= 0 for i in items)
        hidden = sum(money(i["discount_tax_compensation_amount"]) for i in items)
        assert hidden == money(order["discount_tax_compensation_amount"])


def test_second_store_orders_are_in_euros_on_a_dollar_base(corpus: list[dict[str, Any]]) -> None:
    euro = [o for o in corpus if o["store_id"] == 2]
    assert euro
    for order in euro:
        assert (order["order_currency_code"], order["base_currency_code"]) == ("EUR", "USD")
        assert order["base_to_order_rate"] == 0.92
        assert order["increment_id"].startswith("2") and len(order["increment_id"]) == 10
        converted = money(order["base_grand_total"]) * D("0.92")
        assert abs(converted - money(order["grand_total"])) <= D("0.05")
    for order in (o for o in corpus if o["store_id"] == 1):
        assert order["increment_id"].isdigit() and len(order["increment_id"]) == 9


def test_inclusive_store_rows_show_the_gross_catalog_price(corpus: list[dict[str, Any]]) -> None:
    rows = [
        i
        for o in corpus
        if o["store_id"] == 2
        for i in o["items"]
        if i.get("tax_percent") and money(i["price"]) > 0
    ]
    assert rows
    for item in rows:
        assert item["original_price"] == item["price_incl_tax"]
        assert money(item["price_incl_tax"]) > money(item["price"])
    discounted = [i for i in rows if money(i["discount_amount"]) > 0]
    assert discounted and all(money(i["discount_tax_compensation_amount"]) > 0 for i in discounted)


def test_configurable_rows_carry_money_on_the_parent_and_identity_on_the_child(
    corpus: list[dict[str, Any]],
) -> None:
    pairs = [
        (parent, child)
        for o in corpus
        for parent in o["items"]
        if parent["product_type"] == "configurable"
        for child in o["items"]
        if child.get("parent_item_id") == parent["item_id"]
    ]
    assert pairs
    for parent, child in pairs:
        assert parent["sku"] == child["sku"]
        assert parent["product_id"] != child["product_id"]
        assert money(parent["price"]) > 0 and money(child["price"]) == 0 and money(child["row_total"]) == 0
        assert child["parent_item"] == parent


def test_bundles_price_dynamically_in_children_or_fixed_in_the_parent(corpus: list[dict[str, Any]]) -> None:
    dynamic = fixed = 0
    for order in corpus:
        for parent in (i for i in order["items"] if i["product_type"] == "bundle"):
            children = [c for c in order["items"] if c.get("parent_item_id") == parent["item_id"]]
            assert children
            if parent["sku"].startswith("KIT-YOGA-START-"):  # dynamic price, dynamic SKU
                dynamic += 1
                assert money(parent["row_total"]) == sum(money(c["row_total"]) for c in children)
                assert money(parent["tax_amount"]) == 0 and all(money(c["price"]) > 0 for c in children)
            else:
                fixed += 1
                assert parent["sku"] == "KIT-GIFT-BOX" and money(parent["price"]) > 0
                assert all(money(c["price"]) == 0 for c in children)
    assert dynamic and fixed


def test_guests_have_no_customer_id_and_group_zero(corpus: list[dict[str, Any]]) -> None:
    guests = [o for o in corpus if o["customer_is_guest"] == 1]
    members = [o for o in corpus if o["customer_is_guest"] == 0]
    assert guests and members
    assert all("customer_id" not in o and o["customer_group_id"] == 0 for o in guests)
    assert all(isinstance(o["customer_id"], int) and o["customer_group_id"] == 1 for o in members)


def test_a_full_coupon_makes_a_free_order(corpus: list[dict[str, Any]]) -> None:
    free = [o for o in corpus if o.get("coupon_code") == "FREE100"]
    assert free
    for order in free:
        assert money(order["grand_total"]) == 0
        assert order["payment"]["method"] == "free"


def test_invoices_add_up_to_what_was_invoiced(corpus: list[dict[str, Any]]) -> None:
    complete = [o for o in corpus if o["state"] == "complete"]
    assert complete
    for order in complete:
        assert money(order["total_invoiced"]) == money(order["grand_total"]) == money(order["total_paid"])
        assert money(order["total_due"]) == 0
