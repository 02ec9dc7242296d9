"""Amounts are computed the way a fresh Odoo computes them: the five worked examples of reference §7.13."""

from __future__ import annotations

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
