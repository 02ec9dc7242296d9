"""Cart pricing as Magento's quote totals compute it: catalog prices, percent rules, total-based tax.

Discounts are applied before tax. In a tax-exclusive store the discount is taken from the net price and
tax is charged on what remains; in a tax-inclusive store the discount is taken from the gross price and
the tax it removes is booked as ``discount_tax_compensation_amount`` (Magento's "hidden tax"). Each row's
tax is rounded with a per-rate rounding delta carried to the next row. Base and order currency are
priced separately, each from its own (converted, rounded) unit prices, so each adds up on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.catalog import (
    TAXABLE_GOODS,
    BundleOption,
    BundleSelection,
    Catalog,
    Product,
)
from connector_worker.sandbox.magento.money import ZERO, DeltaRounder, convert, round_money
from connector_worker.sandbox.magento.stores import ShippingMethod, StoreView

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class DiscountRule:
    """A percent cart price rule, optionally with a coupon and applied to shipping too."""

    rule_id: int
    label: str
    percent: Decimal
    coupon_code: str | None = None
    apply_to_shipping: bool = False


@dataclass(frozen=True)
class LineSpec:
    """One cart line: a product, a quantity, and the chosen variant or bundle selections."""

    product: Product
    qty: Decimal
    variant: Product | None = None
    selections: tuple[tuple[BundleOption, BundleSelection], ...] = ()


@dataclass
class RowAmounts:
    """A row's money in one currency."""

    price: Decimal = ZERO
    original_price: Decimal = ZERO
    price_incl_tax: Decimal = ZERO
    row_total: Decimal = ZERO
    row_total_incl_tax: Decimal = ZERO
    tax_amount: Decimal = ZERO
    tax_before_discount: Decimal = ZERO
    discount_amount: Decimal = ZERO
    discount_tax_compensation_amount: Decimal = ZERO


@dataclass
class PricedRow:
    """An order row: top-level rows and their children, with money in base and order currency."""

    product: Product
    sku: str
    name: str
    qty: Decimal
    unit_base_price: Decimal
    calculated: bool
    parent_index: int | None = None
    tax_percent: Decimal = ZERO
    discount_percent: Decimal = ZERO
    product_option: dict[str, Any] | None = None
    base: RowAmounts = field(default_factory=RowAmounts)
    order: RowAmounts = field(default_factory=RowAmounts)

    @property
    def product_type(self) -> str:
        return self.product.type_id

    @property
    def weight(self) -> Decimal | None:
        return self.product.weight


@dataclass
class Totals:
    """Order totals in one currency; ``discount_amount`` is negative as on Magento orders."""

    subtotal: Decimal = ZERO
    subtotal_incl_tax: Decimal = ZERO
    tax_amount: Decimal = ZERO
    discount_amount: Decimal = ZERO
    discount_tax_compensation_amount: Decimal = ZERO
    shipping_amount: Decimal = ZERO
    shipping_incl_tax: Decimal = ZERO
    shipping_tax_amount: Decimal = ZERO
    shipping_discount_amount: Decimal = ZERO
    shipping_discount_tax_compensation_amount: Decimal = ZERO
    grand_total: Decimal = ZERO
    item_tax_amount: Decimal = ZERO


@dataclass
class PricedBasket:
    store: StoreView
    rows: list[PricedRow]
    shipping: ShippingMethod | None
    rule: DiscountRule | None
    base: Totals
    order: Totals

    @property
    def is_virtual(self) -> bool:
        return all(row.product.is_virtual for row in self.rows if row.parent_index is None)

    @property
    def total_qty_ordered(self) -> Decimal:
        return sum((row.qty for row in self.rows), ZERO)

    @property
    def weight(self) -> Decimal:
        return sum((row.qty * (row.weight or ZERO) for row in self.rows if row.parent_index is None), ZERO)


def expand_lines(lines: list[LineSpec], catalog: Catalog) -> list[PricedRow]:
    """Turn cart lines into order rows: a configurable or bundle line yields a parent and its children."""
    rows: list[PricedRow] = []
    for line in lines:
        product = line.product
        if product.type_id == "configurable":
            variant = line.variant
            if variant is None:
                raise ValueError(f"configurable {product.sku} needs a variant")
            option = {
                "extension_attributes": {
                    "configurable_item_options": [
                        {"option_id": "144", "option_value": _option_value(product, variant)}
                    ]
                }
            }
            rows.append(
                PricedRow(
                    product, variant.sku, product.name, line.qty, variant.price, True, product_option=option
                )
            )
            rows.append(
                PricedRow(
                    variant, variant.sku, variant.name, line.qty, ZERO, False, parent_index=len(rows) - 1
                )
            )
        elif product.type_id == "bundle":
            rows.extend(_bundle_rows(line, catalog, len(rows)))
        else:
            rows.append(PricedRow(product, product.sku, product.name, line.qty, product.price, True))
    return rows


def _option_value(configurable: Product, variant: Product) -> int:
    return next(v.option_value for v in configurable.variants if v.sku == variant.sku)


def _bundle_rows(line: LineSpec, catalog: Catalog, parent_index: int) -> list[PricedRow]:
    bundle = line.product
    dynamic = bundle.bundle_price_type == "dynamic"
    children = []
    options = []
    for option, selection in line.selections:
        child = catalog.get(selection.sku)
        assert child is not None, selection.sku
        qty = selection.qty * line.qty
        unit = child.price if dynamic else ZERO
        children.append(
            PricedRow(child, child.sku, child.name, qty, unit, dynamic, parent_index=parent_index)
        )
        options.append(
            {
                "option_id": option.option_id,
                "option_qty": int(selection.qty),
                "option_selections": [selection.selection_id],
            }
        )
    sku = "-".join([bundle.sku, *(c.sku for c in children)]) if bundle.dynamic_sku else bundle.sku
    unit = ZERO if dynamic else bundle.price
    parent = PricedRow(
        bundle,
        sku,
        bundle.name,
        line.qty,
        unit,
        not dynamic,
        product_option={"extension_attributes": {"bundle_options": options}},
    )
    return [parent, *children]


def price_basket(
    lines: list[LineSpec],
    store: StoreView,
    catalog: Catalog,
    shipping: ShippingMethod | None,
    rule: DiscountRule | None = None,
) -> PricedBasket:
    """Price ``lines`` for ``store``: rows and totals in base and order currency."""
    rows = expand_lines(lines, catalog)
    for row in rows:
        taxed = row.product.tax_class_id == TAXABLE_GOODS
        row.tax_percent = store.product_tax.percent if taxed and row.calculated else ZERO
        row.discount_percent = rule.percent if rule and row.calculated else ZERO
    base = _price_currency(rows, store, shipping=shipping, rule=rule, rate=Decimal(1), which="base")
    order = _price_currency(
        rows, store, shipping=shipping, rule=rule, rate=store.base_to_order_rate, which="order"
    )
    return PricedBasket(store, rows, shipping, rule, base, order)


def _price_currency(
    rows: list[PricedRow],
    store: StoreView,
    *,
    shipping: ShippingMethod | None,
    rule: DiscountRule | None,
    rate: Decimal,
    which: str,
) -> Totals:
    rounder = DeltaRounder()
    totals = Totals()
    paid = ZERO  # what the customer pays, summed independently of the totals identity
    for row in rows:
        if not row.calculated:
            continue
        amounts = _price_row(row, store, convert(row.unit_base_price, rate), rounder)
        setattr(row, which, amounts)
        totals.subtotal += amounts.row_total
        totals.subtotal_incl_tax += amounts.row_total_incl_tax
        totals.item_tax_amount += amounts.tax_amount
        totals.discount_amount -= amounts.discount_amount
        totals.discount_tax_compensation_amount += amounts.discount_tax_compensation_amount
        if store.prices_include_tax:
            paid += amounts.row_total_incl_tax - amounts.discount_amount
        else:
            paid += amounts.row_total - amounts.discount_amount + amounts.tax_amount
    _fill_parents(rows, which)
    if shipping is not None:
        paid += _price_shipping(rows, store, method=shipping, rule=rule, rate=rate, totals=totals)
    totals.tax_amount = totals.item_tax_amount + totals.shipping_tax_amount
    totals.grand_total = paid
    return totals


def _price_row(row: PricedRow, store: StoreView, unit: Decimal, rounder: DeltaRounder) -> RowAmounts:
    rate = row.tax_percent / HUNDRED
    share = row.discount_percent / HUNDRED
    key = store.product_tax.code
    if store.prices_include_tax:
        row_incl = unit * row.qty
        tax_before = rounder.round("before:" + key, row_incl * rate / (1 + rate))
        discount = rounder.round("discount", row_incl * share)
        tax = rounder.round("tax:" + key, (row_incl - discount) * rate / (1 + rate))
        return RowAmounts(
            price=round_money(unit / (1 + rate)),
            original_price=unit,
            price_incl_tax=unit,
            row_total=row_incl - tax_before,
            row_total_incl_tax=row_incl,
            tax_amount=tax,
            tax_before_discount=tax_before,
            discount_amount=discount,
            discount_tax_compensation_amount=tax_before - tax,
        )
    row_total = unit * row.qty
    tax_before = rounder.round("before:" + key, row_total * rate)
    discount = rounder.round("discount", row_total * share)
    tax = rounder.round("tax:" + key, (row_total - discount) * rate)
    return RowAmounts(
        price=unit,
        original_price=unit,
        price_incl_tax=round_money(unit * (1 + rate)),
        row_total=row_total,
        row_total_incl_tax=row_total + tax_before,
        tax_amount=tax,
        tax_before_discount=tax_before,
        discount_amount=discount,
    )


def _fill_parents(rows: list[PricedRow], which: str) -> None:
    """A dynamic bundle's parent shows the sum of its children (display only; the money is theirs)."""
    for index, row in enumerate(rows):
        if row.calculated or row.parent_index is not None:
            continue
        children = [child for child in rows if child.parent_index == index]
        amounts: RowAmounts = getattr(row, which)
        per_bundle = sum((getattr(c, which).row_total for c in children), ZERO) / row.qty
        per_bundle_incl = sum((getattr(c, which).row_total_incl_tax for c in children), ZERO) / row.qty
        amounts.price = amounts.original_price = round_money(per_bundle)
        amounts.price_incl_tax = round_money(per_bundle_incl)
        amounts.row_total = sum((getattr(c, which).row_total for c in children), ZERO)
        amounts.row_total_incl_tax = sum((getattr(c, which).row_total_incl_tax for c in children), ZERO)


def shippable_qty(rows: list[PricedRow]) -> Decimal:
    return sum((r.qty for r in rows if r.parent_index is None and not r.product.is_virtual), ZERO)


def shipping_base_price(rows: list[PricedRow], method: ShippingMethod) -> Decimal:
    """The carrier's price in base currency (flat rate charges per item)."""
    if method.per_item:
        return method.base_price * shippable_qty(rows)
    return method.base_price


def _price_shipping(
    rows: list[PricedRow],
    store: StoreView,
    *,
    method: ShippingMethod,
    rule: DiscountRule | None,
    rate: Decimal,
    totals: Totals,
) -> Decimal:
    """Fill the shipping totals; returns what the customer pays for shipping."""
    price = convert(shipping_base_price(rows, method), rate)
    tax_rate = store.product_tax.percent / HUNDRED if store.shipping_taxable else ZERO
    share = rule.percent / HUNDRED if rule and rule.apply_to_shipping else ZERO
    discount = round_money(price * share)
    totals.shipping_discount_amount = discount
    totals.discount_amount -= discount
    if store.prices_include_tax:
        tax_before = round_money(price * tax_rate / (1 + tax_rate))
        tax = round_money((price - discount) * tax_rate / (1 + tax_rate))
        totals.shipping_amount = price - tax_before
        totals.shipping_incl_tax = price
        totals.shipping_tax_amount = tax
        totals.shipping_discount_tax_compensation_amount = tax_before - tax
        return price - discount
    tax = round_money((price - discount) * tax_rate)
    totals.shipping_amount = price
    totals.shipping_incl_tax = price + round_money(price * tax_rate)
    totals.shipping_tax_amount = tax
    return price - discount + tax
