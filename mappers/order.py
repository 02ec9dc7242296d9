"""The sale-order mapper: one Magento order → ``sale.order`` create values with all its lines.

Everything found in Odoo beforehand (partner, product, tax, pricelist ids) arrives in an ``OrderContext``;
the mapper does no I/O and never reads the clock (the sync time is in the context). Values use Odoo 19
field names (``tax_ids``, ``product_uom_qty``); the gateway renames them for older versions. They are
JSON and XML-RPC safe: no ``None`` (``False`` instead), no ``Decimal`` (money is computed in Decimal and
converted to float last, see ``mappers.payload.to_float``), dates as ``YYYY-MM-DD HH:MM:SS`` UTC strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from config.settings import InstanceOptions
from mappers.errors import MappingError
from mappers.items import ProductKey, money_rows
from mappers.lines import LineRole, PlannedLine
from mappers.money import ODOO_VERSION, ROUND_GLOBALLY, TaxKey
from mappers.payload import (
    Payload,
    currency_decimals,
    integer,
    odoo_datetime,
    quantize,
    required_amount,
    text,
    to_float,
    utc_datetime,
)
from mappers.reconcile import LinePlan, order_currency, plan_lines
from mappers.status import invoice_status, is_on_hold, is_paid

_SEQUENCE_STEP = 10

# Magento keys copied as they are onto the module's fields on every sync.
STATUS_COPIES: tuple[tuple[str, str], ...] = (
    ("magento_state", "state"),
    ("magento_status", "status"),
)


@dataclass(frozen=True)
class OrderContext:
    """Everything found beforehand (ids in Odoo), so that mapping does no I/O."""

    instance_id: int  # magento.instance id
    partner_id: int
    partner_invoice_id: int
    partner_shipping_id: int
    products: Mapping[ProductKey, int]  # product.product ids
    taxes: Mapping[TaxKey, int]  # account.tax ids
    shipping_product_id: int
    discount_product_id: int
    adjustment_product_id: int  # also carries third-party surcharge lines
    pricelist_id: int | None  # pricelist in the order currency (None: company currency)
    company_currency: str  # e.g. "USD"
    rounding_method: str  # company tax_calculation_rounding_method
    options: InstanceOptions
    synced_at: datetime  # the sync time, passed in (mappers never read the clock)
    instance_name: str = ""  # shown in the order's Source Document
    currency_decimals: int | None = None  # the Odoo currency's decimals (default: ISO 4217)
    odoo_version: int = ODOO_VERSION  # major version: 17 and 18 round tax-included totals differently


@dataclass(frozen=True)
class OrderMapping:
    """The create values and how the order's money reconciles."""

    values: dict[str, Any]  # sale.order create values, lines as [0, 0, {...}]
    magento_total: Decimal  # grand_total (order currency)
    predicted_total: Decimal  # what Odoo will compute for these lines
    adjustment: Decimal  # rounding line added (0 when none)
    mismatch: bool  # |difference| > options.amount_tolerance → no adjustment line, flagged


def required_products(order: Payload) -> list[ProductKey]:
    """The products the resolver must find, in line order, each once."""
    return list(dict.fromkeys(row.product for row in money_rows(order)))


def required_taxes(
    order: Payload, options: InstanceOptions, currency_decimals: int | None = None
) -> set[TaxKey]:
    """The Odoo sale taxes the mapping of ``order`` will reference.

    Pass the same ``currency_decimals`` as the ``OrderContext`` will carry (default: ISO 4217). A caller
    that maps the order afterwards should plan it once (:func:`~mappers.reconcile.plan_lines`) and use :func:`plan_taxes`.
    """
    return plan_taxes(plan_lines(order, options, ROUND_GLOBALLY, currency_decimals))


def plan_taxes(plan: LinePlan) -> set[TaxKey]:
    """The Odoo sale taxes the lines of ``plan`` reference."""
    return {line.tax for line in plan.lines if line.tax is not None}


def context_plan(order: Payload, ctx: OrderContext) -> LinePlan:
    """:func:`~mappers.reconcile.plan_lines` with the rounding, currency decimals and version of ``ctx``."""
    return plan_lines(
        order, ctx.options, ctx.rounding_method, ctx.currency_decimals, version=ctx.odoo_version
    )


def required_currency(order: Payload) -> str:
    """``order_currency_code``: the currency whose pricelist the order needs."""
    return order_currency(order)


def magento_order_to_odoo(order: Payload, ctx: OrderContext, plan: LinePlan | None = None) -> OrderMapping:
    """``sale.order`` create values for ``order``, lines included, with the totals reconciled.

    ``plan``: the order's plan when the caller made it already (:func:`context_plan`, or
    :func:`~mappers.reconcile.plan_lines` with the context's options, rounding method, currency decimals and version).
    """
    currency = order_currency(order)
    if currency != ctx.company_currency.upper() and ctx.pricelist_id is None:
        raise MappingError(
            "order_currency_code",
            f"the order is in {currency} but no pricelist in {currency} was given "
            f"(without one Odoo would put the order in {ctx.company_currency})",
        )
    if plan is None:
        plan = context_plan(order, ctx)
    values: dict[str, Any] = {
        "partner_id": ctx.partner_id,
        "partner_invoice_id": ctx.partner_invoice_id,
        "partner_shipping_id": ctx.partner_shipping_id,
        "origin": origin(order, ctx),
        "magento_instance_id": ctx.instance_id,
        "magento_order_id": magento_order_id(order),
        "magento_increment_id": text(order, "increment_id") or False,
        **magento_status_values(order, ctx.synced_at, ctx.currency_decimals),
        "magento_amount_mismatch": plan.mismatch,
        "order_line": [[0, 0, _line_values(line, index, ctx)] for index, line in enumerate(plan.lines)],
    }
    if ctx.pricelist_id is not None:
        values["pricelist_id"] = ctx.pricelist_id
    if increment_id := text(order, "increment_id"):
        values["client_order_ref"] = increment_id
    if "created_at" in order:
        values["date_order"] = values["magento_order_date"]
    return OrderMapping(values, plan.magento_total, plan.predicted_total, plan.adjustment, plan.mismatch)


def magento_status_values(order: Payload, synced_at: datetime, decimals: int | None = None) -> dict[str, Any]:
    """The ``magento_*`` fields written on every sync (and the last sync error cleared).

    Needs no resolved ids, so an update of an existing order maps without looking anything up.
    ``decimals`` is the order currency's (default: ISO 4217).
    """
    values: dict[str, Any] = {field: text(order, key) or False for field, key in STATUS_COPIES}
    if decimals is None:
        decimals = currency_decimals(order_currency(order))
    values.update(
        magento_invoice_status=invoice_status(order),
        magento_paid="paid" if is_paid(order) else "not_paid",
        magento_amount=to_float(quantize(required_amount(order, "grand_total"), decimals)),
        magento_order_date=order_date(order),
        magento_on_hold=is_on_hold(order),
        magento_sync_date=odoo_datetime(synced_at),
        magento_sync_error=False,
    )
    return values


def magento_order_id(order: Payload) -> str:
    """``entity_id`` as a string: the sync key (``increment_id`` is unique per store only)."""
    entity_id = integer(order, "entity_id")
    if entity_id is None:
        raise MappingError("entity_id", "missing")
    return str(entity_id)


def origin(order: Payload, ctx: OrderContext) -> str:
    """Source Document, e.g. ``Magento shop-eu #000000042``."""
    number = text(order, "increment_id") or f"id {magento_order_id(order)}"
    return f"Magento {ctx.instance_name} #{number}" if ctx.instance_name else f"Magento #{number}"


def order_date(order: Payload) -> str | bool:
    """``created_at`` in Odoo's format, False when Magento sent none."""
    raw = order.get("created_at")
    return odoo_datetime(utc_datetime(raw, "created_at")) if raw is not None else False


def _line_values(line: PlannedLine, index: int, ctx: OrderContext) -> dict[str, Any]:
    tax_ids = [] if line.tax is None else [_tax_id(line.tax, ctx)]
    values: dict[str, Any] = {
        "product_id": _product_id(line, ctx),
        "name": line.name,
        "product_uom_qty": to_float(line.quantity),
        "price_unit": to_float(line.price_unit),
        "tax_ids": [[6, 0, tax_ids]],
        "sequence": (index + 1) * _SEQUENCE_STEP,
    }
    if line.discount:
        values["discount"] = to_float(line.discount)
    return values


def _product_id(line: PlannedLine, ctx: OrderContext) -> int:
    if line.role is LineRole.PRODUCT:
        assert line.product is not None
        try:
            return ctx.products[line.product]
        except KeyError:
            raise MappingError(
                f"items[sku={line.product.sku}]",
                f"no Odoo product was resolved (Magento product id {line.product.magento_product_id})",
            ) from None
    if line.role is LineRole.SHIPPING:
        return ctx.shipping_product_id
    if line.role is LineRole.DISCOUNT:
        return ctx.discount_product_id
    return ctx.adjustment_product_id


def _tax_id(key: TaxKey, ctx: OrderContext) -> int:
    try:
        return ctx.taxes[key]
    except KeyError:
        raise MappingError("taxes", f"no Odoo sale tax was resolved for {key.label}") from None
