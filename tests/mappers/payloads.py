"""Realistic Magento 2.4 ``GET /V1/orders/{id}`` payloads for the mapper tests.

Built the way the connector's Magento client hands them over (money as ``Decimal`` or ``int``, ``*_at``
as aware UTC datetimes, null fields absent) and following ``sales-data-order-interface`` and the examples
of reference/magento.md: parent and child rows, Luma sample-data skus, shipping in
``extension_attributes.shipping_assignments``. Every scenario's Magento amounts are worked out by hand in
its docstring, as Magento's total collectors would produce them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

D = Decimal
CREATED = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def _round(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def as_wire_json(order: dict[str, Any]) -> Any:
    """The payload as Magento sends it: numbers as JSON numbers (floats), dates as ``Y-m-d H:i:s``."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return float(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")

    return json.loads(json.dumps(order, default=default))


def address(kind: str = "billing", **overrides: Any) -> dict[str, Any]:
    """Veronica Costello's Luma address (the docs' sample customer)."""
    values: dict[str, Any] = {
        "address_type": kind,
        "city": "Calder",
        "country_id": "US",
        "email": "roni_cost@example.com",
        "entity_id": 1 if kind == "billing" else 2,
        "firstname": "Veronica",
        "lastname": "Costello",
        "parent_id": 1,
        "postcode": "49628-7978",
        "region": "Michigan",
        "region_code": "MI",
        "region_id": 33,
        "street": ["6146 Honey Bluff Parkway"],
        "telephone": "(555) 229-3326",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def item(
    item_id: int,
    sku: str,
    name: str,
    qty: int | Decimal,
    price: Decimal | int,
    *,
    product_id: int,
    product_type: str = "simple",
    tax_percent: Decimal | int = 0,
    tax_amount: Decimal | int = 0,
    discount: Decimal | int = 0,
    hidden_tax: Decimal | int = 0,
    price_incl_tax: Decimal | int | None = None,
    original_price: Decimal | int | None = None,
    row_total: Decimal | int | None = None,
    parent: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``sales-data-order-item-interface`` row; incl-tax amounts default to exclusive pricing."""
    price = D(price)
    rate = D(tax_percent)
    row = _round(price * D(qty), "0.0001") if row_total is None else D(row_total)
    incl = _round(price * (1 + rate / 100)) if price_incl_tax is None else D(price_incl_tax)
    values: dict[str, Any] = {
        "item_id": item_id,
        "order_id": 1,
        "quote_item_id": item_id + 100,
        "store_id": 1,
        "created_at": CREATED,
        "updated_at": CREATED,
        "sku": sku,
        "name": name,
        "product_id": product_id,
        "product_type": product_type,
        "is_virtual": 1 if product_type in {"virtual", "downloadable"} else 0,
        "is_qty_decimal": 0,
        "qty_ordered": qty,
        "qty_invoiced": 0,
        "qty_shipped": 0,
        "qty_refunded": 0,
        "qty_canceled": 0,
        "price": price,
        "base_price": price,
        "original_price": price if original_price is None else D(original_price),
        "base_original_price": price if original_price is None else D(original_price),
        "price_incl_tax": incl,
        "base_price_incl_tax": incl,
        "row_total": row,
        "base_row_total": row,
        "row_total_incl_tax": _round(incl * D(qty)),
        "base_row_total_incl_tax": _round(incl * D(qty)),
        "tax_percent": rate,
        "tax_amount": D(tax_amount),
        "base_tax_amount": D(tax_amount),
        "discount_amount": D(discount),
        "base_discount_amount": D(discount),
        "discount_percent": 0,
        "discount_tax_compensation_amount": D(hidden_tax),
        "base_discount_tax_compensation_amount": D(hidden_tax),
        "row_invoiced": 0,
        "free_shipping": 0,
        "no_discount": 0,
        "weight": 1,
        "row_weight": D(qty),
    }
    if parent is not None:
        values["parent_item_id"] = parent["item_id"]
        values["parent_item"] = dict(parent)
        for key in ("price", "base_price", "original_price", "price_incl_tax", "row_total"):
            values[key] = D(0)
    return values


def child_of(parent: dict[str, Any], item_id: int, sku: str, name: str, *, product_id: int) -> dict[str, Any]:
    """A configurable's (or fixed bundle's) child row: identity only, zero money."""
    return item(item_id, sku, name, parent["qty_ordered"], 0, product_id=product_id, parent=parent)


def order(
    entity_id: int,
    increment_id: str,
    items: list[dict[str, Any]],
    *,
    shipping: Decimal | int = 0,
    shipping_tax: Decimal | int = 0,
    shipping_incl_tax: Decimal | int | None = None,
    shipping_method: str = "flatrate_flatrate",
    shipping_description: str = "Flat Rate - Fixed",
    currency: str = "USD",
    base_currency: str = "USD",
    rate: Decimal | int = 1,
    guest: bool = False,
    state: str = "new",
    status: str = "pending",
    payment_method: str = "checkmo",
    extra_total: Decimal | int = 0,
    **overrides: Any,
) -> dict[str, Any]:
    """A ``sales-data-order-interface`` whose totals Magento's collectors would produce from ``items``.

    ``extra_total`` is added to ``grand_total`` outside the standard totals (third-party surcharges).
    """
    # Rows that carry no money (configurable children, a dynamic bundle's parent) hold zero amounts.
    subtotal = sum((row["row_total"] for row in items), D(0))
    subtotal_incl = sum((row["row_total_incl_tax"] for row in items), D(0))
    item_tax = sum((row["tax_amount"] for row in items), D(0))
    hidden = sum((row["discount_tax_compensation_amount"] for row in items), D(0))
    discount = sum((row["discount_amount"] for row in items), D(0))
    shipping, shipping_tax = D(shipping), D(shipping_tax)
    ship_incl = shipping + shipping_tax if shipping_incl_tax is None else D(shipping_incl_tax)
    grand = subtotal + shipping + item_tax + shipping_tax + hidden - discount + D(extra_total)
    rate = D(rate)
    values: dict[str, Any] = {
        "entity_id": entity_id,
        "increment_id": increment_id,
        "state": state,
        "status": status,
        "store_id": 1,
        "store_name": "Main Website\nMain Website Store\nDefault Store View",
        "created_at": CREATED,
        "updated_at": CREATED,
        "quote_id": entity_id + 1000,
        "protect_code": "3b1c7e",
        "remote_ip": "203.0.113.7",
        "email_sent": 1,
        "is_virtual": 0,
        "customer_email": "roni_cost@example.com",
        "customer_firstname": "Veronica",
        "customer_lastname": "Costello",
        "customer_is_guest": 1 if guest else 0,
        "customer_group_id": 0 if guest else 1,
        "customer_note_notify": 1,
        "order_currency_code": currency,
        "base_currency_code": base_currency,
        "store_currency_code": base_currency,
        "global_currency_code": base_currency,
        "base_to_order_rate": rate,
        "base_to_global_rate": 1,
        "store_to_order_rate": rate,
        "store_to_base_rate": 0,
        "subtotal": subtotal,
        "subtotal_incl_tax": subtotal_incl,
        "shipping_amount": shipping,
        "shipping_tax_amount": shipping_tax,
        "shipping_incl_tax": ship_incl,
        "shipping_discount_amount": 0,
        "shipping_discount_tax_compensation_amount": 0,
        "shipping_description": shipping_description,
        "tax_amount": item_tax + shipping_tax,
        "discount_amount": -discount,
        "discount_tax_compensation_amount": hidden,
        "grand_total": grand,
        "total_due": grand,
        "total_qty_ordered": sum(
            (D(row["qty_ordered"]) for row in items if "parent_item_id" not in row), D(0)
        ),
        "total_item_count": len([row for row in items if "parent_item_id" not in row]),
        "weight": len(items),
        "billing_address_id": 1,
        "billing_address": address("billing"),
        "payment": {
            "account_status": None,
            "additional_information": ["Check / Money order"],
            "amount_ordered": grand,
            "base_amount_ordered": _round(grand / rate),
            "cc_last4": None,
            "entity_id": entity_id,
            "method": payment_method,
            "parent_id": entity_id,
            "shipping_amount": shipping,
        },
        "status_histories": [],
        "items": items,
        "extension_attributes": {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": address("shipping"),
                        "method": shipping_method,
                        "total": {
                            "shipping_amount": shipping,
                            "shipping_tax_amount": shipping_tax,
                            "shipping_incl_tax": ship_incl,
                        },
                    },
                    "items": items,
                }
            ],
            "payment_additional_info": [{"key": "method_title", "value": "Check / Money order"}],
            "applied_taxes": [],
            "item_applied_taxes": [],
            "converting_from_quote": True,
        },
    }
    for key in ("subtotal", "shipping_amount", "tax_amount", "discount_amount", "grand_total", "total_due"):
        values[f"base_{key}"] = _round(values[key] / rate)
    if not guest:
        values["customer_id"] = 7
    values.update(overrides)
    return values


# --------------------------------------------------------------------------- scenarios


def us_configurable_order() -> dict[str, Any]:
    """Registered customer, Michigan 8.25 % tax on items, untaxed flat-rate shipping.

    Hoodie 52.00 (tax 4.29) + 2 × duffle 34.00 (tax 5.61): subtotal 120.00, tax 9.90 (= 120 × 8.25 %),
    shipping 3 × 5.00 = 15.00 → grand_total 144.90.
    """
    hoodie = item(
        1, "MH01-S-Gray", "Chaz Kangeroo Hoodie", 1, 52, product_id=67, product_type="configurable",
        tax_percent=D("8.25"), tax_amount=D("4.29"),
    )  # fmt: skip
    variant = child_of(hoodie, 2, "MH01-S-Gray", "Chaz Kangeroo Hoodie-S-Gray", product_id=56)
    duffle = item(
        3, "24-MB01", "Joust Duffle Bag", 2, 34, product_id=1, tax_percent=D("8.25"), tax_amount=D("5.61")
    )
    return order(3, "000000003", [hoodie, variant, duffle], shipping=15)


def tutorial_guest_order() -> dict[str, Any]:
    """The docs' tutorial order, placed by a guest: configurables, a simple and a dynamic bundle.

    subtotal 160 = 22 + 18 + (27 + 5 + 17 + 19) + 52 (reference §1.4), no tax, shipping 4 × 5.00
    → grand_total 180.00.
    """
    tee = item(1, "WS12-M-Orange", "Radiant Tee", 1, 22, product_id=1546, product_type="configurable")
    tee_variant = child_of(tee, 2, "WS12-M-Orange", "Radiant Tee-M-Orange", product_id=1541)
    strap = item(3, "24-WG085", "Sprite Yoga Strap 6 foot", 1, 18, product_id=33)
    kit = item(
        5, "24-WG080-24-WG084-24-WG088-24-WG082-blue-24-WG086", "Sprite Yoga Companion Kit", 1, 68,
        product_id=51, product_type="bundle",
    )  # fmt: skip
    for key in ("row_total", "base_row_total", "row_total_incl_tax", "base_row_total_incl_tax"):
        kit[key] = D(0)  # a dynamic bundle's amounts are its children's (subtotal counts them once)
    children = []
    for item_id, sku, name, price, product_id in (
        (6, "24-WG082-blue", "Sprite Stasis Ball 65 cm", 27, 28),
        (7, "24-WG084", "Sprite Foam Yoga Brick", 5, 30),
        (8, "24-WG086", "Sprite Yoga Strap 8 foot", 17, 34),
        (9, "24-WG088", "Sprite Foam Roller", 19, 36),
    ):
        child = item(item_id, sku, name, 1, price, product_id=product_id)
        child["parent_item_id"] = 5
        child["parent_item"] = dict(kit)
        children.append(child)
    hoodie = item(
        10, "MH01-S-Gray", "Chaz Kangeroo Hoodie", 1, 52, product_id=67, product_type="configurable"
    )
    hoodie_variant = child_of(hoodie, 11, "MH01-S-Gray", "Chaz Kangeroo Hoodie-S-Gray", product_id=56)
    rows = [tee, tee_variant, strap, kit, *children, hoodie, hoodie_variant]
    result = order(4, "000000004", rows, shipping=20, guest=True)
    result["customer_email"] = "Jane.Doe@Example.COM"
    result["customer_firstname"], result["customer_lastname"] = "Jane", "Doe"
    result["billing_address"] = address(
        "billing", firstname="Jane", lastname="Doe", email="Jane.Doe@Example.COM"
    )
    return result


def fixed_bundle_order() -> dict[str, Any]:
    """A fixed-price bundle: the parent carries 120.00, the children carry nothing; free shipping."""
    kit = item(
        1, "KIT-START-24-UG01-24-UG02", "Yoga Starter Kit", 1, 120, product_id=90, product_type="bundle"
    )
    ball = child_of(kit, 2, "24-UG01", "Quest Lumaflex Band", product_id=91)
    mat = child_of(kit, 3, "24-UG02", "Pursuit Lumaflex Tone Band", product_id=92)
    return order(
        5, "000000005", [kit, ball, mat], shipping_method="freeshipping_freeshipping",
        shipping_description="Free Shipping - Free",
    )  # fmt: skip


def coupon_order() -> dict[str, Any]:
    """Coupon SAVE20 (20 %) on 2 × 49.99 at 8.25 %, tax after discount, untaxed table-rate shipping.

    row 99.98, discount 19.996 → 20.00, tax (99.98 − 20.00) × 8.25 % = 6.59835 → 6.60,
    shipping 10.00 → grand_total 96.58.
    """
    watch = item(
        1, "24-WG02", "Didi Sport Watch", 2, D("49.99"), product_id=40, tax_percent=D("8.25"),
        tax_amount=D("6.60"), discount=D("20.00"),
    )  # fmt: skip
    return order(
        6, "000000006", [watch], shipping=10, shipping_method="tablerate_bestway",
        shipping_description="Best Way - Table Rate", coupon_code="SAVE20", discount_description="SAVE20",
        applied_rule_ids="3",
    )  # fmt: skip


NYC_RATES = (("US-NY-*-Rate 1", D(4)), ("US-NY-NYC", D("4.5")), ("US-NY-MCTD", D("0.375")))


def nyc_rule_discount_order() -> dict[str, Any]:
    """A cart rule without coupon ("Spring sale") and taxed shipping, New York City 8.875 % combined.

    Items 2 × 25.00 and 80.00, 10 % off: discounts 5.00 and 8.00. Product tax by rate, total-based:
    117.00 × 8.875 % = 10.38375 → 10.38 (3.99 + 6.39). Shipping 9.95, its tax computed on its own:
    0.883 → 0.88. grand_total = 117.00 + 10.38 + 9.95 + 0.88 = 138.21. Odoo rounds the one 8.875 % tax
    over all lines: 126.95 × 8.875 % = 11.27, one cent more: the adjustment case.
    """
    tee = item(
        1, "WS01-M-Black", "Gwyn Endurance Tee", 2, 25, product_id=1450, product_type="configurable",
        tax_percent=D("8.875"), tax_amount=D("3.99"), discount=5,
    )  # fmt: skip
    variant = child_of(tee, 2, "WS01-M-Black", "Gwyn Endurance Tee-M-Black", product_id=1444)
    duffle = item(
        3, "24-MB04", "Strive Shoulder Pack", 1, 80, product_id=4, tax_percent=D("8.875"),
        tax_amount=D("6.39"), discount=8,
    )  # fmt: skip
    result = order(
        7, "000000007", [tee, variant, duffle], shipping=D("9.95"), shipping_tax=D("0.88"),
        discount_description="Spring sale", applied_rule_ids="5",
    )  # fmt: skip
    applied = [
        {"code": code, "title": code, "percent": pct, "amount": 0, "base_amount": 0}
        for code, pct in NYC_RATES
    ]
    result["extension_attributes"]["applied_taxes"] = applied
    result["extension_attributes"]["item_applied_taxes"] = [
        {"type": "product", "item_id": 1, "applied_taxes": applied},
        {"type": "product", "item_id": 3, "applied_taxes": applied},
        {"type": "shipping", "applied_taxes": applied},
    ]
    result["billing_address"] = address(
        "billing", city="New York", region="New York", region_code="NY", postcode="10001"
    )
    return result


def uk_vat_inclusive_order() -> dict[str, Any]:
    """A VAT-inclusive catalogue (20 %), coupon WELCOME10 applied to prices including tax.

    2 × 55.00 jacket: discount 11.00, tax (110 − 11)/6 = 16.50, hidden tax 11/6 → 1.83, row 91.67.
    Roller 24.99: discount 2.50, tax (24.99 − 2.50)/6 → 3.75, hidden 0.41, row 20.83.
    Shipping 4.99 including 0.83 VAT. grand_total = 110 + 24.99 + 4.99 − 13.50 = 126.48 (also
    112.50 + 4.16 − 13.50 + 21.08 + 2.24 in Magento's own terms).
    """
    jacket = item(
        1, "WJ12-S-Blue", "Olivia 1/4 Zip Light Jacket", 2, D("45.8333"), product_id=1780,
        product_type="configurable", tax_percent=20, tax_amount=D("16.50"), discount=11,
        hidden_tax=D("1.83"), price_incl_tax=55, original_price=55, row_total=D("91.67"),
    )  # fmt: skip
    variant = child_of(jacket, 2, "WJ12-S-Blue", "Olivia 1/4 Zip Light Jacket-S-Blue", product_id=1771)
    roller = item(
        3, "24-WG088", "Sprite Foam Roller", 1, D("20.825"), product_id=36, tax_percent=20,
        tax_amount=D("3.75"), discount=D("2.50"), hidden_tax=D("0.41"), price_incl_tax=D("24.99"),
        original_price=D("24.99"), row_total=D("20.83"),
    )  # fmt: skip
    result = order(
        8, "000000008", [jacket, variant, roller], shipping=D("4.16"), shipping_tax=D("0.83"),
        shipping_incl_tax=D("4.99"), currency="GBP", base_currency="GBP", coupon_code="WELCOME10",
        discount_description="WELCOME10",
    )  # fmt: skip
    uk = {
        "country_id": "GB",
        "city": "London",
        "postcode": "SW1A 1AA",
        "region": "London",
        "region_code": None,
    }
    result["billing_address"] = address("billing", region_id=None, street=["10 Downing Street"], **uk)
    shipping = result["extension_attributes"]["shipping_assignments"][0]["shipping"]
    shipping["address"] = address("shipping", region_id=None, street=["221B Baker Street", "Flat 2"], **uk)
    return result


def sar_order(*, surcharge: bool = False) -> dict[str, Any]:
    """Charged in SAR (base USD, base_to_order_rate 3.75), 15 % VAT excluded from prices.

    Backpack 59 USD = 221.25 SAR, tax 33.1875 → 33.19; shipping 5 USD = 18.75 SAR, tax 2.81;
    grand_total 276.00 SAR (73.60 USD). With ``surcharge``: cash on delivery adds 5 to grand_total
    through ``payment_surcharge_amount``, unconverted in both currencies (reference §7).
    """
    backpack = item(
        1, "24-MB02", "Fusion Backpack", 1, D("221.25"), product_id=6, tax_percent=15, tax_amount=D("33.19")
    )
    extra = 5 if surcharge else 0
    result = order(
        9, "000000009", [backpack], shipping=D("18.75"), shipping_tax=D("2.81"), currency="SAR",
        base_currency="USD", rate=D("3.75"), extra_total=extra,
        payment_method="cashondelivery" if surcharge else "checkmo",
    )  # fmt: skip
    if surcharge:
        result["extension_attributes"]["payment_surcharge_amount"] = 5
        result["extension_attributes"]["base_payment_surcharge_amount"] = 5
        result["base_grand_total"] += 5
    return result


def free_order() -> dict[str, Any]:
    """A 100 % coupon with free shipping: 29.00 at 8.25 % fully discounted, grand_total 0.

    Magento places it with the ``free`` method and invoices it at once (state processing).
    """
    band = item(
        1,
        "24-UG01",
        "Quest Lumaflex Band",
        1,
        29,
        product_id=91,
        tax_percent=D("8.25"),
        tax_amount=0,
        discount=29,
    )
    band["discount_percent"] = 100
    return order(
        10, "000000010", [band], shipping_method="freeshipping_freeshipping",
        shipping_description="Free Shipping - Free", coupon_code="FREEBIE", discount_description="FREEBIE",
        payment_method="free", state="processing", status="processing", total_invoiced=0, total_paid=0,
    )  # fmt: skip


def virtual_order() -> dict[str, Any]:
    """A downloadable product: no shipping, no shipping address."""
    video = item(1, "240-LV09", "Luma Yoga For Life", 1, 6, product_id=49, product_type="downloadable")
    result = order(11, "000000011", [video], is_virtual=1)
    for key in (
        "shipping_description",
        "shipping_discount_amount",
        "shipping_discount_tax_compensation_amount",
    ):
        result.pop(key)
    for key in ("shipping_amount", "base_shipping_amount", "shipping_tax_amount", "shipping_incl_tax"):
        result.pop(key)
    result["extension_attributes"]["shipping_assignments"] = [{"shipping": {"total": {}}, "items": [video]}]
    return result
