"""Which Magento item rows carry money, and which product each Odoo line must be."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mappers import MappingError, ProductKey
from mappers.items import applied_tax_percents, money_rows, row_tax_rate
from tests.mappers import payloads
from tests.mappers.payloads import child_of, item

D = Decimal


def rows_of(*items: dict[str, object]) -> list[tuple[str, int | None, Decimal]]:
    rows = money_rows(payloads.order(1, "000000001", list(items)))
    return [(row.product.sku, row.product.magento_product_id, row.price) for row in rows]


def test_a_configurable_takes_money_from_the_parent_and_identity_from_the_child() -> None:
    parent = item(
        10, "MH01-S-Gray", "Chaz Kangeroo Hoodie", 1, 52, product_id=67, product_type="configurable"
    )
    child = child_of(parent, 11, "MH01-S-Gray", "Chaz Kangeroo Hoodie-S-Gray", product_id=56)
    assert rows_of(parent, child) == [("MH01-S-Gray", 56, D(52))]


def test_a_configurable_whose_child_row_is_missing_is_found_by_sku_only() -> None:
    parent = item(
        10, "MH01-S-Gray", "Chaz Kangeroo Hoodie", 1, 52, product_id=67, product_type="configurable"
    )
    assert rows_of(parent) == [("MH01-S-Gray", None, D(52))]


def test_a_child_row_that_still_carries_a_price_is_not_counted_twice() -> None:
    # given a pre-2.4.3 payload where the configurable's child repeats the price (#22562)
    parent = item(
        10, "MH01-S-Gray", "Chaz Kangeroo Hoodie", 1, 52, product_id=67, product_type="configurable"
    )
    child = child_of(parent, 11, "MH01-S-Gray", "Chaz Kangeroo Hoodie-S-Gray", product_id=56)
    child["price"] = child["row_total"] = D(52)
    assert rows_of(parent, child) == [("MH01-S-Gray", 56, D(52))]


def test_a_child_listed_before_its_parent_is_still_a_child() -> None:
    parent = item(
        10, "MH01-S-Gray", "Chaz Kangeroo Hoodie", 1, 52, product_id=67, product_type="configurable"
    )
    child = child_of(parent, 11, "MH01-S-Gray", "Chaz Kangeroo Hoodie-S-Gray", product_id=56)
    del child["parent_item_id"]  # only the nested parent_item tells
    assert rows_of(child, parent) == [("MH01-S-Gray", 56, D(52))]


def test_an_orphan_child_is_a_line_of_its_own() -> None:
    orphan = item(11, "24-MB01", "Joust Duffle Bag", 1, 34, product_id=1)
    orphan["parent_item_id"] = 99
    assert rows_of(orphan) == [("24-MB01", 1, D(34))]


def test_bundles_dynamic_by_children_fixed_by_parent() -> None:
    order = payloads.tutorial_guest_order()
    skus = [row.product.sku for row in money_rows(order)]
    assert "24-WG080-24-WG084-24-WG088-24-WG082-blue-24-WG086" not in skus
    assert skus[2:6] == ["24-WG082-blue", "24-WG084", "24-WG086", "24-WG088"]
    fixed = money_rows(payloads.fixed_bundle_order())
    assert [row.product for row in fixed] == [ProductKey("KIT-START-24-UG01-24-UG02", 90)]


def test_a_price_missing_from_a_row_comes_from_its_row_total() -> None:
    row = item(1, "24-MB01", "Joust Duffle Bag", 2, 34, product_id=1)
    del row["price"]
    assert rows_of(row) == [("24-MB01", 1, D(34))]


def test_a_zero_or_negative_quantity_is_refused() -> None:
    row = item(1, "24-MB01", "Joust Duffle Bag", 0, 34, product_id=1)
    with pytest.raises(MappingError, match="qty_ordered"):
        rows_of(row)


def test_a_row_without_sku_is_refused() -> None:
    row = item(1, "24-MB01", "Joust Duffle Bag", 1, 34, product_id=1)
    del row["sku"]
    with pytest.raises(MappingError, match="sku"):
        rows_of(row)


def test_the_tax_rate_comes_from_tax_percent_then_applied_taxes_then_amounts() -> None:
    order = payloads.nyc_rule_discount_order()
    applied = applied_tax_percents(order)
    assert applied == {1: D("8.875"), 3: D("8.875"), "shipping": D("8.875")}
    tee, _pack = money_rows(order)
    assert row_tax_rate(tee, applied) == D("8.875")
    order["items"][0].pop("tax_percent")
    tee, _pack = money_rows(order)
    assert row_tax_rate(tee, applied) == D("8.875")
    assert row_tax_rate(tee, {}) == D("8.8667")  # 3.99 / 45.00: what the amounts alone say


def test_an_exempt_row_with_a_percent_but_no_tax_is_untaxed() -> None:
    row = item(1, "24-MB01", "Joust Duffle Bag", 1, 34, product_id=1, tax_percent=D("8.25"), tax_amount=0)
    (money,) = money_rows(payloads.order(1, "1", [row]))
    assert row_tax_rate(money, {}) == 0
    # but a row fully discounted keeps its rate: nothing was taxable
    row = item(1, "24-MB01", "Joust Duffle Bag", 1, 34, product_id=1, tax_percent=D("8.25"), discount=34)
    (money,) = money_rows(payloads.order(1, "1", [row]))
    assert row_tax_rate(money, {}) == D("8.25")
