"""Choosing the price convention and reconciling Odoo's predicted total with Magento's ``grand_total``.

The plan for an order is its product, shipping, discount and surcharge lines (``mappers.lines``), priced
tax-inclusive or tax-exclusive. ``options.prices_include_tax`` fixes the convention ("yes"/"no"); with
"auto" it is inferred per order:

1. each taxed item votes: inclusive when ``original_price`` equals ``price_incl_tax`` (the catalogue price
   was entered with tax) or when only ``price`` has sub-cent digits (it was derived from a gross price);
   exclusive in the mirror cases;
2. the voted convention is used when every vote agrees, or when its predicted total is within the
   tolerance of ``grand_total`` (a unanimous vote that does not add up is flagged, see ``_vote``);
3. otherwise (no vote, or a split vote that does not add up) the convention whose prediction is closer
   wins, the vote breaking ties, then tax-exclusive (Magento's default).

The decision always predicts with ``round_globally`` on Odoo 19 so that it depends on the order alone: the taxes
the resolver creates beforehand (``required_taxes``) are exactly the ones the mapping then uses.

Then Odoo's total is predicted with the company's rounding method (``mappers.money``). A difference of
at most ``options.amount_tolerance`` becomes an untaxed adjustment line of exactly that difference, so
Odoo's total equals ``grand_total`` to the cent; a larger one adds nothing and is reported as a mismatch
for the caller to flag on the order and log. Orders with discounts try the discount styles in the order
the rounding method prefers and keep the first that needs no adjustment (``STYLE_PREFERENCE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from config.settings import InstanceOptions
from mappers.errors import MappingError
from mappers.items import MoneyRow, applied_tax_percents, known_rates, money_rows, row_tax_rate
from mappers.lines import (
    PRICE_DIGITS,
    Charge,
    DiscountStyle,
    LineRole,
    PlannedLine,
    apply_discounts,
    charge_lines,
    order_shipping,
    surcharge_lines,
)
from mappers.money import ODOO_VERSION, ROUND_GLOBALLY, ROUND_PER_LINE, odoo_totals
from mappers.payload import ZERO, Payload, currency_decimals, quantize, required_amount, text

ADJUSTMENT_NAME = "Rounding difference (Magento)"
STYLE_PREFERENCE = {
    ROUND_GLOBALLY: (DiscountStyle.PER_TAX, DiscountStyle.PER_LINE, DiscountStyle.ON_LINE),
    ROUND_PER_LINE: (DiscountStyle.ON_LINE, DiscountStyle.PER_TAX, DiscountStyle.PER_LINE),
}


@dataclass(frozen=True)
class LinePlan:
    """The lines of one order and how their total compares with Magento's."""

    lines: tuple[PlannedLine, ...]
    prices_include_tax: bool
    magento_total: Decimal  # grand_total, order currency, rounded to the currency
    predicted_total: Decimal  # Odoo's amount_total for ``lines`` (adjustment included)
    adjustment: Decimal  # amount of the adjustment line, 0 when none
    mismatch: bool  # the difference exceeded the tolerance: no adjustment, flag the order


@dataclass(frozen=True)
class Rounding:
    """How the target Odoo rounds: company method, currency decimals, Odoo major version."""

    method: str
    decimals: int
    version: int

    def total(self, lines: list[PlannedLine]) -> Decimal:
        """Odoo's ``amount_total`` for ``lines``."""
        taxed = [line.taxed_line() for line in lines]
        return odoo_totals(taxed, self.method, self.decimals, version=self.version).total


def order_currency(order: Payload) -> str:
    """``order_currency_code``, falling back on the base currency as single-currency stores allow."""
    code = text(order, "order_currency_code") or text(order, "base_currency_code")
    if code is None:
        raise MappingError("order_currency_code", "missing")
    return code.upper()


def plan_lines(
    order: Payload,
    options: InstanceOptions,
    rounding_method: str,
    decimals: int | None = None,
    *,
    version: int = ODOO_VERSION,
) -> LinePlan:
    """The lines for ``order``, the adjustment settled as Odoo ``version`` totals with ``rounding_method``.

    When the order has discounts, each discount style is tried in the rounding method's order of
    preference: the first that needs no adjustment wins, else the one with the smallest adjustment
    within tolerance, else the first (a mismatch).

    Planning is most of a mapping's CPU: a caller plans once and hands the plan to
    ``mappers.order.plan_taxes`` (the taxes to find beforehand) and to ``magento_order_to_odoo``. The taxes
    do not depend on the rounding method or version (the price convention is chosen by the order alone),
    so any plan of the order names the taxes its mapping will use.
    """
    places = currency_decimals(order_currency(order)) if decimals is None else decimals
    grand_total = quantize(required_amount(order, "grand_total"), places)
    parts = _Parts(order, places)
    inclusive = _choose(parts, options, grand_total)
    charges = parts.charges(inclusive)
    styles: tuple[DiscountStyle, ...] = STYLE_PREFERENCE[rounding_method]
    if not any(charge.discount for charge in charges):
        styles = styles[:1]  # nothing to discount: every style gives the same lines
    rounding = Rounding(rounding_method, places, version)
    plans: list[LinePlan] = []
    for style in styles:
        lines = parts.lines(inclusive, style)
        plan = _settle(
            lines,
            inclusive,
            grand_total,
            options,
            rounding,
            predicted=parts.known_total(inclusive, style, rounding),
        )
        if not plan.mismatch and not plan.adjustment:
            return plan
        plans.append(plan)
    settled = [plan for plan in plans if not plan.mismatch]
    return min(settled, key=lambda plan: abs(plan.adjustment)) if settled else plans[0]


def _settle(
    lines: list[PlannedLine],
    inclusive: bool,
    grand_total: Decimal,
    options: InstanceOptions,
    rounding: Rounding,
    *,
    predicted: Decimal | None = None,
) -> LinePlan:
    """Predict the total (unless already known); add the adjustment line when the difference is within
    tolerance."""
    if predicted is None:
        predicted = rounding.total(lines)
    difference = grand_total - predicted
    if not difference or abs(difference) > options.amount_tolerance:
        return LinePlan(tuple(lines), inclusive, grand_total, predicted, ZERO, bool(difference))
    adjustment = PlannedLine(
        LineRole.ADJUSTMENT, ADJUSTMENT_NAME, Decimal(1), quantize(difference, PRICE_DIGITS)
    )
    lines = [*lines, adjustment]
    predicted = rounding.total(lines)
    return LinePlan(tuple(lines), inclusive, grand_total, predicted, difference, predicted != grand_total)


class _Parts:
    """The pieces of one order's lines, each computed once per plan: the rows, applied taxes, shipping,
    discount label and surcharges (the same in both conventions), and per convention the charge lines,
    the lines in each discount style and the convention's prediction (``round_globally``, Odoo 19)."""

    def __init__(self, order: Payload, places: int) -> None:
        self.order = order
        self.places = places
        self.rows = money_rows(order)
        self.applied = applied_tax_percents(order)
        self.shipping = order_shipping(order, known_rates(self.rows, self.applied), self.applied)
        self.label = text(order, "discount_description") or text(order, "coupon_code")
        self.extras = surcharge_lines(order, places)
        self._charges: dict[bool, list[Charge]] = {}
        self._lines: dict[tuple[bool, DiscountStyle], list[PlannedLine]] = {}
        self._predicted: dict[bool, Decimal] = {}

    def charges(self, inclusive: bool) -> list[Charge]:
        if inclusive not in self._charges:
            self._charges[inclusive] = charge_lines(
                self.order, self.rows, self.applied, self.shipping, inclusive
            )
        return self._charges[inclusive]

    def lines(self, inclusive: bool, style: DiscountStyle) -> list[PlannedLine]:
        """A fresh list each time (callers may extend it)."""
        key = (inclusive, style)
        if key not in self._lines:
            self._lines[key] = (
                apply_discounts(self.charges(inclusive), self.label, style, self.places) + self.extras
            )
        return list(self._lines[key])

    def predicted(self, inclusive: bool) -> Decimal:
        """The convention's total with per-tax discounts under ``round_globally`` on Odoo 19."""
        if inclusive not in self._predicted:
            taxed = [line.taxed_line() for line in self.lines(inclusive, DiscountStyle.PER_TAX)]
            self._predicted[inclusive] = odoo_totals(taxed, ROUND_GLOBALLY, self.places).total
        return self._predicted[inclusive]

    def known_total(self, inclusive: bool, style: DiscountStyle, rounding: Rounding) -> Decimal | None:
        """The total of these lines under ``rounding`` when the convention's choice already computed it."""
        same = (style, rounding.method, rounding.version) == (
            DiscountStyle.PER_TAX,
            ROUND_GLOBALLY,
            ODOO_VERSION,
        )
        return self._predicted.get(inclusive) if same else None


def choose_inclusive(order: Payload, options: InstanceOptions, decimals: int) -> bool:
    """Whether the order is mapped with tax-inclusive prices (see the module docstring)."""
    if options.prices_include_tax != "auto":
        return options.prices_include_tax == "yes"
    grand_total = quantize(required_amount(order, "grand_total"), decimals)
    return _choose(_Parts(order, decimals), options, grand_total)


def _choose(parts: _Parts, options: InstanceOptions, grand_total: Decimal) -> bool:
    """:func:`choose_inclusive` on parts already computed; the other convention is predicted only when the
    vote's does not add up."""
    if options.prices_include_tax != "auto":
        return options.prices_include_tax == "yes"
    vote, unanimous = _vote(parts.rows, parts.applied, parts.places)
    if vote is not None and (
        unanimous or abs(grand_total - parts.predicted(vote)) <= options.amount_tolerance
    ):
        return vote
    gaps = {inclusive: abs(grand_total - parts.predicted(inclusive)) for inclusive in (False, True)}
    preferred = bool(vote)
    return min((False, True), key=lambda inclusive: (gaps[inclusive], inclusive != preferred))


def _vote(rows: list[MoneyRow], applied: dict[int | str, Decimal], decimals: int) -> tuple[bool | None, bool]:
    """(the convention the taxed items vote for, None when undecided; whether every vote agreed).

    A unanimous vote stands even when its total does not add up: the difference then comes from something
    the mapping does not model (a fixed product tax, tax applied before the discount, "unit price" tax
    calculation), and the other convention would match the total with a wrong split between untaxed amount
    and tax, silently; the mismatch is flagged instead.
    """
    votes = [
        _row_vote(row, decimals)
        for row in rows
        if row_tax_rate(row, applied) and row.price_incl_tax is not None
    ]
    score = sum(votes)
    cast = {vote for vote in votes if vote}
    return (None if score == 0 else score > 0), len(cast) == 1


def _row_vote(row: MoneyRow, decimals: int) -> int:
    gross, net, original = row.price_incl_tax, row.price, row.original_price
    assert gross is not None
    if gross == net:
        return 0
    if original is not None and original in (gross, net):
        return 1 if original == gross else -1
    net_is_rounded = quantize(net, decimals) == net
    gross_is_rounded = quantize(gross, decimals) == gross
    if net_is_rounded != gross_is_rounded:
        return 1 if gross_is_rounded else -1
    return 0
