"""Order contexts as the resolver would build them: every product and tax the order needs has an id."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from config.settings import InstanceOptions
from mappers import OrderContext, required_currency, required_products, required_taxes
from mappers.money import ROUND_GLOBALLY, OdooTotals, TaxedLine, odoo_totals

SYNCED_AT = datetime(2024, 5, 1, 10, 5, 30, tzinfo=UTC)
SHIPPING_PRODUCT, DISCOUNT_PRODUCT, ADJUSTMENT_PRODUCT = 901, 902, 903
PRICELISTS = {"SAR": 7, "GBP": 8, "EUR": 9}


def resolved_context(
    order: dict[str, Any], options: InstanceOptions | None = None, **overrides: Any
) -> OrderContext:
    """A context for ``order`` in a USD company; a pricelist when the order is in another currency."""
    options = options or InstanceOptions()
    currency = required_currency(order)
    values: dict[str, Any] = {
        "instance_id": 1,
        "instance_name": "luma",
        "partner_id": 40,
        "partner_invoice_id": 41,
        "partner_shipping_id": 42,
        "products": {key: 100 + index for index, key in enumerate(required_products(order))},
        "taxes": {
            key: 10 + index for index, key in enumerate(sorted(required_taxes(order, options), key=repr))
        },
        "shipping_product_id": SHIPPING_PRODUCT,
        "discount_product_id": DISCOUNT_PRODUCT,
        "adjustment_product_id": ADJUSTMENT_PRODUCT,
        "pricelist_id": None if currency == "USD" else PRICELISTS.get(currency),
        "company_currency": "USD",
        "rounding_method": ROUND_GLOBALLY,
        "options": options,
        "synced_at": SYNCED_AT,
    }
    values.update(overrides)
    return OrderContext(**values)


def odoo_total_of(values: dict[str, Any], ctx: OrderContext) -> Decimal:
    """What Odoo computes as the total from the create values alone (floats read back as Odoo stores them)."""
    return odoo_totals_of(values, ctx).total


def odoo_totals_of(values: dict[str, Any], ctx: OrderContext) -> OdooTotals:
    """Untaxed, tax and total as Odoo computes them from the create values alone."""
    keys_by_id = {tax_id: key for key, tax_id in ctx.taxes.items()}
    lines = [
        TaxedLine(
            Decimal(str(line["price_unit"])),
            Decimal(str(line["product_uom_qty"])),
            tuple(keys_by_id[tax_id] for tax_id in line["tax_ids"][0][2]),
            Decimal(str(line.get("discount", 0))),
        )
        for _, _, line in values["order_line"]
    ]
    return odoo_totals(lines, ctx.rounding_method, version=ctx.odoo_version)
