"""The order-line mapper: Magento items, discounts, shipping and extension surcharges → planned Odoo lines.

Conventions (one per store type, chosen per order by ``mappers.reconcile``):

* **Tax-exclusive** (``inclusive=False``): ``price_unit`` = item ``price``, an excluded tax at the item's
  percent. Discounts exclude their tax part (``discount_amount − discount_tax_compensation_amount``) and
  carry the tax of what they discount, so Odoo taxes the discounted base as Magento does with "apply
  tax after discount". Shipping is ``shipping_amount`` with an excluded tax.
* **Tax-inclusive** (``inclusive=True``): ``price_unit`` = item ``price_incl_tax``, an included tax.
  Discounts are gross: ``discount_amount`` when the order shows a
  ``discount_tax_compensation_amount`` (discounts were applied to tax-inclusive prices), otherwise the
  net discount grossed up with the rate. Shipping is ``shipping_incl_tax`` with an included tax.

How the discounts appear (negative lines per tax, per line, or the line's ``discount`` percent) is a
:class:`DiscountStyle`. The row amount is ``price × qty_ordered`` and the row's discount is its ``discount_amount``; stores that
report ``row_total`` net of discount therefore map the same way. Shipping's tax percent comes from
``item_applied_taxes`` (type ``shipping``), else from an item rate that reproduces ``shipping_tax_amount``
to the cent, else from the amounts themselves. Zero shipping is skipped. Amounts from third-party totals
in ``extension_attributes`` that Magento adds to (or takes off) ``grand_total`` get an untaxed line named
after the attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from mappers.items import MoneyRow, ProductKey, normalize_rate, row_tax_rate
from mappers.money import TaxedLine, TaxKey
from mappers.payload import ZERO, Payload, amount, optional_amount, quantize, text

PRICE_DIGITS = 2  # Odoo's default "Product Price" precision of sale.order.line.price_unit
QTY_DIGITS = 2  # Odoo's default "Product Unit of Measure" precision of product_uom_qty
DISCOUNT_DIGITS = 2  # Odoo's default "Discount" precision of sale.order.line.discount
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")

# Totals that Adobe Commerce and common extensions add to grand_total outside subtotal, shipping, tax and
# discount (reference/magento.md §6.14, §7): (attribute, sign in grand_total, label).
EXTENSION_TOTALS: tuple[tuple[str, int, str], ...] = (
    ("payment_surcharge_amount", 1, "Payment surcharge"),
    ("gw_price", 1, "Gift wrapping"),
    ("gw_items_price", 1, "Gift wrapping (items)"),
    ("gw_card_price", 1, "Printed card"),
    ("gift_cards_amount", -1, "Gift card"),
    ("customer_balance_amount", -1, "Store credit"),
    ("reward_currency_amount", -1, "Reward points"),
)


class DiscountStyle(StrEnum):
    """How Magento's discounts appear on the Odoo order; all give the same amounts before rounding.

    ``PER_TAX`` (one negative line per tax) is the readable default and is exact under
    ``round_globally``. Under ``round_per_line`` every line is rounded on its own, so ``ON_LINE`` (the
    line's ``discount`` percent, where a 2-decimal percent takes off exactly Magento's amount; the rest
    per tax) reproduces Magento's per-row taxable amounts instead of adding rounded negative lines.
    ``PER_LINE`` (one negative line per discounted line) rounds symmetrically with what it discounts,
    which keeps a fully discounted order at exactly zero.
    """

    PER_TAX = "per_tax"
    ON_LINE = "on_line"
    PER_LINE = "per_line"


class LineRole(StrEnum):
    """Which Odoo product a planned line uses."""

    PRODUCT = "product"
    SHIPPING = "shipping"
    DISCOUNT = "discount"
    SURCHARGE = "surcharge"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True)
class PlannedLine:
    """One future ``sale.order.line``, before product and tax ids are known."""

    role: LineRole
    name: str
    quantity: Decimal
    price_unit: Decimal
    tax: TaxKey | None = None
    product: ProductKey | None = None  # set for PRODUCT lines only
    discount: Decimal = ZERO  # percent, sale.order.line.discount

    def taxed_line(self) -> TaxedLine:
        """The line as the tax model sees it."""
        return TaxedLine(self.price_unit, self.quantity, (self.tax,) if self.tax else (), self.discount)


@dataclass(frozen=True)
class Charge:
    """A product or shipping line and the discount Magento gave on it (in the line's convention)."""

    line: PlannedLine
    discount: Decimal


@dataclass(frozen=True)
class Shipping:
    """Shipping amounts of the order (shipping is not an item in Magento)."""

    name: str
    amount: Decimal  # excluding tax
    amount_incl_tax: Decimal
    discount: Decimal  # shipping_discount_amount, positive
    hidden_tax: Decimal  # shipping_discount_tax_compensation_amount
    rate: Decimal  # percent, 0 when untaxed


def tax_key(rate: Decimal, inclusive: bool) -> TaxKey | None:
    """The Odoo tax for a percent (None for untaxed)."""
    return TaxKey(rate=rate, price_include=inclusive) if rate else None


def charge_lines(
    order: Payload,
    rows: Sequence[MoneyRow],
    applied: Mapping[int | str, Decimal],
    shipping: Shipping | None,
    inclusive: bool,
) -> list[Charge]:
    """Product lines, then the shipping line, each with the discount Magento gave on it."""
    gross = inclusive and discounts_include_tax(order, rows, shipping)
    charges = []
    for row in rows:
        rate = row_tax_rate(row, applied)
        unit = _unit_price_incl_tax(row, rate) if inclusive and rate else row.price
        line = PlannedLine(
            role=LineRole.PRODUCT,
            name=row.name,
            quantity=quantize(row.qty, QTY_DIGITS),
            price_unit=quantize(unit, PRICE_DIGITS),
            tax=tax_key(rate, inclusive),
            product=row.product,
        )
        share = _discount_share(row.discount_amount, row.hidden_tax, rate, inclusive=inclusive, gross=gross)
        charges.append(Charge(line, share))
    if shipping is not None:
        unit = shipping.amount_incl_tax if inclusive and shipping.rate else shipping.amount
        line = PlannedLine(
            role=LineRole.SHIPPING,
            name=shipping.name,
            quantity=_ONE,
            price_unit=quantize(unit, PRICE_DIGITS),
            tax=tax_key(shipping.rate, inclusive),
        )
        share = _discount_share(
            shipping.discount, shipping.hidden_tax, shipping.rate, inclusive=inclusive, gross=gross
        )
        charges.append(Charge(line, share))
    return charges


def _unit_price_incl_tax(row: MoneyRow, rate: Decimal) -> Decimal:
    if row.price_incl_tax is not None:
        return row.price_incl_tax
    return row.price * (1 + rate / _HUNDRED)


def apply_discounts(
    charges: Sequence[Charge], label: str | None, style: DiscountStyle, decimals: int
) -> list[PlannedLine]:
    """The charge lines and their discounts in ``style`` (see :class:`DiscountStyle`)."""
    places = min(decimals, PRICE_DIGITS)
    name = f"Discount ({label})" if label else "Discount"
    lines: list[PlannedLine] = []
    per_key: dict[TaxKey | None, Decimal] = {}
    own_lines: list[PlannedLine] = []
    for charge in charges:
        line, share = charge.line, quantize(charge.discount, places)
        percent = _exact_percent(line, share) if style is DiscountStyle.ON_LINE else None
        if percent is not None:
            line = replace(line, discount=percent)
        elif share and style is DiscountStyle.PER_LINE:
            own_lines.append(_discount_line(f"{name}: {line.name}", share, line.tax))
        elif share:
            per_key[line.tax] = per_key.get(line.tax, ZERO) + share
        lines.append(line)
    for key, total in per_key.items():
        suffix = "" if len(per_key) == 1 else f" – {key.label if key else 'untaxed'}"
        own_lines.append(_discount_line(f"{name}{suffix}", total, key))
    return lines + own_lines


def _exact_percent(line: PlannedLine, share: Decimal) -> Decimal | None:
    """The ``discount`` percent (2 decimals, Odoo's "Discount" precision) that takes off ``share`` exactly."""
    gross = line.price_unit * line.quantity
    if not share or not gross:
        return None
    percent = quantize(share / gross * _HUNDRED, DISCOUNT_DIGITS)
    return percent if gross * percent / _HUNDRED == share and 0 < percent <= _HUNDRED else None


def _discount_line(name: str, amount_off: Decimal, tax: TaxKey | None) -> PlannedLine:
    return PlannedLine(role=LineRole.DISCOUNT, name=name, quantity=_ONE, price_unit=-amount_off, tax=tax)


def discounts_include_tax(order: Payload, rows: Sequence[MoneyRow], shipping: Shipping | None) -> bool:
    """Whether Magento applied the discounts to tax-inclusive prices (``tax/calculation/discount_tax``).

    Magento then books the tax the discount removed as ``discount_tax_compensation_amount``; one such
    amount anywhere in the order tells, since the setting is store-wide (a tiny discount's own
    compensation may round to zero).
    """
    return (
        any(row.hidden_tax for row in rows)
        or bool(shipping is not None and shipping.hidden_tax)
        or amount(order, "discount_tax_compensation_amount") > 0
    )


def _discount_share(
    discount: Decimal, hidden_tax: Decimal, rate: Decimal, *, inclusive: bool, gross: bool
) -> Decimal:
    """The discount in the line convention: net of its tax part, or gross."""
    if not discount:
        return ZERO
    if not inclusive:
        return discount - hidden_tax
    if gross or not rate:
        return discount
    return discount * (1 + rate / _HUNDRED)


def order_shipping(
    order: Payload, known: Sequence[Decimal], applied: Mapping[int | str, Decimal]
) -> Shipping | None:
    """The order's shipping, or None for virtual orders and free shipping without tax."""
    base_amount = amount(order, "shipping_amount")
    if amount(order, "is_virtual") or not base_amount:
        return None
    tax = amount(order, "shipping_tax_amount")
    hidden = amount(order, "shipping_discount_tax_compensation_amount")
    discount = abs(amount(order, "shipping_discount_amount"))
    incl = optional_amount(order, "shipping_incl_tax")
    if tax or hidden:
        taxable = base_amount - discount + hidden
        rate = applied.get("shipping") or snap_rate(taxable, tax, known)
    else:
        rate = ZERO
    return Shipping(
        name=text(order, "shipping_description") or "Shipping",
        amount=base_amount,
        amount_incl_tax=incl if incl is not None else base_amount + tax + hidden,
        discount=discount,
        hidden_tax=hidden,
        rate=normalize_rate(rate) if rate else ZERO,
    )


def snap_rate(base: Decimal, tax: Decimal, candidates: Sequence[Decimal]) -> Decimal:
    """The candidate percent that reproduces ``tax`` on ``base`` to the cent, else ``tax / base``."""
    if base <= 0:
        return candidates[0] if candidates else ZERO
    errors = [(abs(quantize(base * rate / _HUNDRED, 2) - tax), rate) for rate in candidates]
    best = min(errors, default=None, key=lambda pair: pair[0])
    if best is not None and best[0] <= _CENT:
        return best[1]
    return tax / base * _HUNDRED


def surcharge_lines(order: Payload, decimals: int) -> list[PlannedLine]:
    """Untaxed lines for third-party totals found in ``extension_attributes`` (order currency)."""
    extension = order.get("extension_attributes")
    if not isinstance(extension, Mapping):
        return []
    lines = []
    for attribute, sign, label in EXTENSION_TOTALS:
        value = optional_amount(extension, attribute, "extension_attributes.")
        if value:
            lines.append(
                PlannedLine(
                    role=LineRole.SURCHARGE,
                    name=f"{label} ({attribute})",
                    quantity=_ONE,
                    price_unit=quantize(sign * abs(value), min(decimals, PRICE_DIGITS)),
                )
            )
    return lines
