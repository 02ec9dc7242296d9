"""Amounts are computed the way a fresh Odoo computes them: the five worked examples of reference §7.13."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.connector_worker.sandbox_odoo.helpers import line_taxes, make_order, make_product, make_tax
from tests.support.odoo_sandbox import OdooSandboxHandle

TOTALS = ["amount_untaxed", "amount_tax", "amount_total"]


def _totals(conn: object, order_id: int) -> tuple[float, float, float]:
    row = conn.get_model("sale.order").read(order_id, TOTALS)  # type: ignore[attr-defined]
    return row["amount_untaxed"], row["amount_tax"], row["amount_total"]


def test_excluded_tax_with_an_untaxed_shipping_line(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    taxes = line_taxes(odoo.version)
    tax = make_tax(conn, odoo.version, 8.25)
    shirt = make_product(conn, odoo.version, "Shirt", 52.0)
    shipping = make_product(conn, odoo.version, "Shipping", 5.0, storable=False, type="service")
    order = make_order(
        odoo,
        conn,
        [
            {"product_id": shirt, "product_uom_qty": 2, "price_unit": 52.0, taxes: [(6, 0, [tax])]},
            {"product_id": shipping, "product_uom_qty": 1, "price_unit": 5.0, taxes: [(6, 0, [])]},
        ],
    )
    assert _totals(conn, order) == (109.0, 8.58, 117.58)


def test_tax_included_price(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("jsonrpc")
    tax = make_tax(conn, odoo.version, 15.0, included=True)
    assert conn.get_model("account.tax").read(tax, ["price_include"])["price_include"] is True
    product = make_product(conn, odoo.version, "Jacket", 229.0)
    order = make_order(
        odoo,
        conn,
        [
            {
                "product_id": product,
                "product_uom_qty": 1,
                "price_unit": 229.0,
                line_taxes(odoo.version): [(6, 0, [tax])],
            }
        ],
    )
    assert _totals(conn, order) == (199.13, 29.87, 229.0)


def test_discount_percent(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    tax = make_tax(conn, odoo.version, 8.25)
    product = make_product(conn, odoo.version, "Mug", 49.99)
    order = make_order(
        odoo,
        conn,
        [
            {
                "product_id": product,
                "product_uom_qty": 2,
                "price_unit": 49.99,
                "discount": 20,
                line_taxes(odoo.version): [(6, 0, [tax])],
            }
        ],
    )
    assert _totals(conn, order) == (79.98, 6.6, 86.58)


def test_negative_coupon_line_lowers_the_total(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    taxes = line_taxes(odoo.version)
    product = make_product(conn, odoo.version, "Lamp", 100.0)
    coupon = make_product(conn, odoo.version, "Coupon", 0.0, storable=False, type="service")
    order = make_order(
        odoo,
        conn,
        [
            {"product_id": product, "product_uom_qty": 1, "price_unit": 100.0, taxes: [(6, 0, [])]},
            {"product_id": coupon, "product_uom_qty": 1, "price_unit": -12.5, taxes: [(6, 0, [])]},
        ],
    )
    assert _totals(conn, order) == (87.5, 0.0, 87.5)


def test_note_lines_carry_text_and_fractional_quantities_are_accepted(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    product = make_product(conn, odoo.version, "Cloth", 10.0)
    order = make_order(
        odoo,
        conn,
        [
            {"product_id": product, "product_uom_qty": 1.5, "price_unit": 10.0},
            {"display_type": "line_note", "name": "Gift message: happy birthday"},
        ],
    )
    # The product received the company's default 15 % tax: 15.00 + 2.25.
    assert _totals(conn, order) == (15.0, 2.25, 17.25)
    lines = conn.get_model("sale.order.line").search_read(
        [("order_id", "=", order)], ["display_type", "name", "price_subtotal"]
    )
    assert [(line["display_type"], line["price_subtotal"]) for line in lines] == [
        (False, 15.0),
        ("line_note", 0.0),
    ]


def test_note_line_with_a_product_is_refused(odoo: OdooSandboxHandle) -> None:
    import xmlrpc.client

    conn = odoo.connection("xmlrpc")
    product = make_product(conn, odoo.version, "Thing", 1.0)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        make_order(odoo, conn, [{"display_type": "line_note", "name": "x", "product_id": product}])
    assert "Forbidden values on non-accountable sale order line" in str(fault.value.faultCode)


def test_round_per_line_rounds_each_line(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("xmlrpc")
    odoo19.call("res.company", "write", [1], {"tax_calculation_rounding_method": "round_per_line"})
    try:
        tax = make_tax(conn, 19, 10.0)
        product = make_product(conn, 19, "Pin", 0.05)
        lines = [
            {"product_id": product, "product_uom_qty": 1, "price_unit": 0.05, "tax_ids": [(6, 0, [tax])]}
        ] * 3
        order = make_order(odoo19, conn, lines)
        # 0.005 per line rounds up to 0.01 three times; globally it would be round(0.015) = 0.02.
        assert _totals(conn, order) == (0.15, 0.03, 0.18)
    finally:
        odoo19.call("res.company", "write", [1], {"tax_calculation_rounding_method": "round_globally"})


def test_order_currency_follows_the_pricelist_not_currency_id(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("xmlrpc")
    currencies = conn.get_model("res.currency")
    sar = currencies.search([("name", "=", "SAR")], context={"active_test": False})[0]
    currencies.write([sar], {"active": True})
    pricelist = conn.get_model("product.pricelist").create({"name": "Saudi", "currency_id": sar})
    product = make_product(conn, odoo.version, "Dates", 30.0)
    in_sar = make_order(odoo, conn, [{"product_id": product}], pricelist_id=pricelist)
    ignored = make_order(odoo, conn, [{"product_id": product}], currency_id=sar)
    orders = conn.get_model("sale.order")
    assert orders.read(in_sar, ["currency_id"])["currency_id"][1] == "SAR"
    assert orders.read(ignored, ["currency_id"])["currency_id"][1] == "USD"


# --- Rounding per version: each case is a figure Odoo documents or a genuine Odoo showed --------------------
# 17: odoo/odoo#169960 (tax-included lines rounded per line even when rounding globally) and #191983 (the
# JPY figures "current behaviour" of 16/17). 18 and 19: account.tax's _round_tax_details_base_lines in its
# "mixed" mode (the raw tax-included total is rounded when every tax is price-included, else the raw
# base), #191983's "correct in 18.0" figures, #289851 (a raw total of exactly zero gets no delta).


def _priced(conn: object, version: int, lines: list[tuple[float, float, int | None]], **vals: object) -> int:
    """An order of (price_unit, quantity, tax) lines on one storable product."""
    product = make_product(conn, version, "Item", 1.0)
    taxes = line_taxes(version)
    order_lines = [
        {
            "product_id": product,
            "product_uom_qty": qty,
            "price_unit": price,
            taxes: [(6, 0, [tax] if tax else [])],
        }
        for price, qty, tax in lines
    ]
    return make_order_with(conn, order_lines, **vals)


def make_order_with(conn: object, order_lines: list[dict[str, object]], **vals: object) -> int:
    partner = conn.get_model("res.partner").create({"name": "Money"})  # type: ignore[attr-defined]
    order: int = conn.get_model("sale.order").create(  # type: ignore[attr-defined]
        {"partner_id": partner, "order_line": [(0, 0, line) for line in order_lines], **vals}
    )
    return order


@contextmanager
def _rounding(odoo: OdooSandboxHandle, method: str) -> Iterator[None]:
    odoo.call("res.company", "write", [1], {"tax_calculation_rounding_method": method})
    try:
        yield
    finally:
        odoo.call("res.company", "write", [1], {"tax_calculation_rounding_method": "round_globally"})


def test_a_tax_included_line_keeps_its_gross_price_when_rounding_globally(odoo: OdooSandboxHandle) -> None:
    # given a 20 % price-included tax and one line of 20.79: base 17.325 and tax 3.465, both ties
    # (the sandbox used to round them apart: 17.33 + 3.47 = 20.80)
    conn = odoo.connection("xmlrpc")
    tax = make_tax(conn, odoo.version, 20.0, included=True)
    order = _priced(conn, odoo.version, [(20.79, 1, tax)])
    # then every version keeps the gross price: 17 rounds the included tax per line, 18/19 round the total
    assert _totals(conn, order) == (17.32, 3.47, 20.79)


def test_round_per_line_rounds_the_included_tax_and_gives_the_base_the_rest(odoo: OdooSandboxHandle) -> None:
    # given 399.99 with 20 % included under round_per_line (the old sandbox rounded base and tax apart: 400.00)
    conn = odoo.connection("xmlrpc")
    with _rounding(odoo, "round_per_line"):
        tax = make_tax(conn, odoo.version, 20.0, included=True)
        order = _priced(conn, odoo.version, [(399.99, 1, tax)])
        # then the tax is round(66.665) = 66.67 and the base is what the gross price leaves
        assert _totals(conn, order) == (333.32, 66.67, 399.99)


def test_two_included_lines_put_the_rounding_on_the_tax_on_17_and_on_the_base_after(
    odoo: OdooSandboxHandle,
) -> None:
    # given two lines of 21.53 with 21 % included (account_tax.py's own example)
    conn = odoo.connection("xmlrpc")
    tax = make_tax(conn, odoo.version, 21.0, included=True)
    order = _priced(conn, odoo.version, [(21.53, 1, tax), (21.53, 1, tax)])
    expected = (35.58, 7.48, 43.06) if odoo.version == 17 else (35.59, 7.47, 43.06)
    assert _totals(conn, order) == expected
    # and per line every version sums the lines' rounded figures
    with _rounding(odoo, "round_per_line"):
        assert _totals(conn, _priced(conn, odoo.version, [(21.53, 1, tax)] * 2)) == (35.58, 7.48, 43.06)


def test_excluded_taxes_round_the_raw_base_from_18_and_the_line_bases_on_17(odoo: OdooSandboxHandle) -> None:
    # given two lines of 12.12 x 12.12 at 23 % excluded (account_tax.py's comments)
    conn = odoo.connection("xmlrpc")
    tax = make_tax(conn, odoo.version, 23.0)
    order = _priced(conn, odoo.version, [(12.12, 12.12, tax)] * 2)
    # 18/19: base round(293.7888) = 293.79 and tax round(67.5714) = 67.57; 17 rounds each line's amount
    # first (146.89 twice) and taxes the rounded amounts: round(67.5694) = 67.57
    expected = (293.78, 67.57, 361.35) if odoo.version == 17 else (293.79, 67.57, 361.36)
    assert _totals(conn, order) == expected
    with _rounding(odoo, "round_per_line"):
        assert _totals(conn, _priced(conn, odoo.version, [(12.12, 12.12, tax)] * 2)) == (
            293.78,
            67.56,
            361.34,
        )


def test_a_zero_decimal_currency_rounds_to_whole_yen(odoo: OdooSandboxHandle) -> None:
    # given JPY 2 x 13,582 with 10 % included (odoo/odoo#191983)
    conn = odoo.connection("xmlrpc")
    currencies = conn.get_model("res.currency")
    jpy = currencies.search([("name", "=", "JPY")], context={"active_test": False})[0]
    currencies.write([jpy], {"active": True})
    pricelist = conn.get_model("product.pricelist").create({"name": "Yen", "currency_id": jpy})
    tax = make_tax(conn, odoo.version, 10.0, included=True)
    order = _priced(conn, odoo.version, [(13582, 1, tax)] * 2, pricelist_id=pricelist)
    # then 16/17 show 24,694 + 2,470 and 18 onwards 24,695 + 2,469
    expected = (24694.0, 2470.0, 27164.0) if odoo.version == 17 else (24695.0, 2469.0, 27164.0)
    assert _totals(conn, order) == expected


def test_a_raw_total_of_exactly_zero_keeps_the_line_bases(odoo19: OdooSandboxHandle) -> None:
    # given products at 16 % included worth 499.00 and an untaxed gift card of -499.00 (odoo/odoo#289851)
    conn = odoo19.connection("xmlrpc")
    tax = make_tax(conn, 19, 16.0, included=True)
    prices = (62, 234, 27, 5, 10, 115, 46)
    order = _priced(conn, 19, [*((price, 1, tax) for price in prices), (-499, 1, None)])
    # then Odoo 19 skips the base rounding (the raw total is 0) and shows 0.01 to pay, as reported
    assert _totals(conn, order) == (-68.82, 68.83, 0.01)


def test_line_amounts_follow_the_version(odoo: OdooSandboxHandle) -> None:
    # given one line of 20.79 with 20 % included
    conn = odoo.connection("xmlrpc")
    tax = make_tax(conn, odoo.version, 20.0, included=True)
    order = _priced(conn, odoo.version, [(20.79, 1, tax)])
    line = conn.get_model("sale.order.line").search_read(
        [("order_id", "=", order)], ["price_subtotal", "price_tax", "price_total"]
    )[0]
    # then 18/19 show the rounded raw figures (17.33 = round(17.325)) and 17 its per-line rounded ones
    expected = (17.32, 3.47, 20.79) if odoo.version == 17 else (17.33, 3.46, 20.79)
    assert (line["price_subtotal"], line["price_tax"], line["price_total"]) == expected
