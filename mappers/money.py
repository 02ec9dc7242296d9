"""A pure model of how Odoo totals a sale order, so the mapper can predict Odoo's total to the cent.

It mirrors ``account.tax``'s ``_add_tax_details_in_base_line`` → ``_round_base_lines_tax_details`` →
``_get_tax_totals_summary`` for percent taxes (price-included and price-excluded, several per line), a
percentage ``discount`` on the line, and both company rounding methods:

* ``round_per_line``: each line's base (``price_unit × qty × (1 − discount/100)``) and each of its tax
  amounts are rounded to the currency; the order sums the rounded values.
* ``round_globally``: nothing is rounded per line. Each tax's total is the rounded sum of its unrounded
  amounts; the untaxed amount is the rounded sum of the unrounded bases ("excluded" mode) or, when every
  tax with an amount is price-included, the rounded sum of the unrounded tax-included totals minus the
  taxes ("included" mode, so ten lines of 9.99 tax included make 99.90 exactly). A group whose unrounded
  total is exactly zero keeps the sum of the per-line rounded bases (Odoo returns early there).

That is Odoo 18 and 19 (``_round_tax_details_base_lines``, "mixed" mode; 18.0 has carried it since
odoo/odoo#191402, and the 18.0 fix odoo/odoo#266748 patches that very method — 18.0's first release
always took the rounded sum of the unrounded bases, so one line of 20.79 with 20 % included showed
17.33 + 3.47 = 20.80 there; current 18.0 shows 20.79). Odoo 17 differs in how ``round_globally`` rounds the
untaxed amount (``version``): it rounds lines whose taxes are all price-included as ``round_per_line`` does
and sums the rounded line bases (odoo/odoo#169960; #191983: 2 × JPY 13,582 at 10 % included is
24,694 + 2,470 on 17 and 24,695 + 2,469 on 18).

Intermediates are exact fractions and rounding is half away from zero on the exact value: Odoo computes
in floats, and ``float_round``'s epsilon correction exists precisely so that values meant to be ties round
as ties; exact arithmetic is what those floats approximate (``229 / 1.15`` has no finite decimal form, and
a zero total must be exactly zero to take Odoo's zero-total branch). Not modelled (the connector never
sends them): fixed and division taxes, ``include_base_amount``, cash rounding, early-payment discounts, reverse charge. The reference's worked
examples from a genuine Odoo 19 are tests of this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from mappers.payload import ZERO

ROUND_GLOBALLY = "round_globally"
ROUND_PER_LINE = "round_per_line"
ROUNDING_METHODS = (ROUND_GLOBALLY, ROUND_PER_LINE)
ODOO_VERSION = 19  # the rounding modelled by default (reference odoo.md §7 is a genuine 19.0)
_HUNDRED = Fraction(100)
_NOTHING = Fraction(0)


@dataclass(frozen=True)
class TaxKey:
    """An Odoo sale tax the order needs: a percent tax at ``rate`` (e.g. ``Decimal("8.25")``)."""

    rate: Decimal
    price_include: bool

    @property
    def label(self) -> str:
        """Human label, e.g. ``8.25 % (included)``."""
        rate = format(self.rate.normalize(), "f")
        return f"{rate} % ({'included' if self.price_include else 'excluded'})"


@dataclass(frozen=True)
class TaxedLine:
    """One sale order line as Odoo's tax engine sees it."""

    price_unit: Decimal
    quantity: Decimal
    taxes: tuple[TaxKey, ...] = ()
    discount: Decimal = ZERO  # percent, as sale.order.line.discount


@dataclass(frozen=True)
class OdooTotals:
    """``amount_untaxed``, ``amount_tax`` and ``amount_total`` as Odoo will compute them."""

    untaxed: Decimal
    tax: Decimal
    total: Decimal
    tax_by_key: Mapping[TaxKey, Decimal] = field(default_factory=dict)


@dataclass
class _LineDetails:
    raw_excluded: Fraction
    raw_taxes: dict[TaxKey, Fraction]
    taxes: dict[TaxKey, Fraction] = field(default_factory=dict)  # rounded, after distribution

    @property
    def raw_included(self) -> Fraction:
        return self.raw_excluded + sum(self.raw_taxes.values(), _NOTHING)


def odoo_totals(
    lines: Sequence[TaxedLine], rounding_method: str, decimals: int = 2, *, version: int = ODOO_VERSION
) -> OdooTotals:
    """Predict the totals Odoo ``version`` computes for ``lines`` in a currency with ``decimals`` places."""
    if rounding_method not in ROUNDING_METHODS:
        raise ValueError(f"rounding_method must be one of {ROUNDING_METHODS}, not {rounding_method!r}")
    per_line = rounding_method == ROUND_PER_LINE
    details = [
        _line_details(
            line, per_line or _rounded_like_per_line(line, version), decimals, round_base=version <= 17
        )
        for line in lines
    ]
    tax_by_key = _round_taxes(details, decimals)
    tax = sum(tax_by_key.values(), _NOTHING)
    untaxed = _round_untaxed(details, tax, decimals, version)
    return OdooTotals(
        untaxed=_decimal(untaxed, decimals),
        tax=_decimal(tax, decimals),
        total=_decimal(untaxed + tax, decimals),
        tax_by_key={key: _decimal(value, decimals) for key, value in tax_by_key.items()},
    )


def round_half_up(value: Fraction, decimals: int) -> Fraction:
    """``value`` rounded to ``decimals`` places, ties away from zero (Odoo's HALF-UP)."""
    scale = 10**decimals
    units = math.floor(abs(value) * scale + Fraction(1, 2))
    return Fraction(units if value >= 0 else -units, scale)


def _decimal(value: Fraction, decimals: int) -> Decimal:
    return Decimal(value.numerator * 10**decimals // value.denominator).scaleb(-decimals)


def _line_details(
    line: TaxedLine, per_line: bool, decimals: int, *, round_base: bool = False
) -> _LineDetails:
    """Odoo's ``_get_tax_details`` for percent taxes: included ones in one batch, then excluded ones.

    ``round_base``: the line's amount (quantity × discounted price) is rounded to the currency whatever the
    method, as Odoo 17's ``round_price_include`` does (it shows with a fractional quantity).
    """

    def maybe_round(value: Fraction) -> Fraction:
        return round_half_up(value, decimals) if per_line else value

    taxes = list(dict.fromkeys(line.taxes))  # a many2many holds each tax once
    discount = 1 - Fraction(line.discount) / _HUNDRED
    amount = Fraction(line.price_unit) * discount * Fraction(line.quantity)
    raw_base = round_half_up(amount, decimals) if per_line or round_base else amount
    included = [tax for tax in taxes if tax.price_include]
    included_rate = sum((Fraction(tax.rate) for tax in included), _NOTHING) / _HUNDRED
    factor = 1 / (1 + included_rate) if included_rate != -1 else _NOTHING
    raw_taxes = {tax: maybe_round(raw_base * factor * Fraction(tax.rate) / _HUNDRED) for tax in included}
    excluded_base = raw_base - sum(raw_taxes.values(), _NOTHING)
    for tax in taxes:
        if not tax.price_include:
            raw_taxes[tax] = maybe_round(excluded_base * Fraction(tax.rate) / _HUNDRED)
    return _LineDetails(raw_excluded=excluded_base, raw_taxes=raw_taxes)


def _round_taxes(details: Sequence[_LineDetails], decimals: int) -> dict[TaxKey, Fraction]:
    """Each tax's total is its rounded unrounded sum; the delta goes onto its lines, biggest first."""
    totals: dict[TaxKey, Fraction] = {}
    for key in dict.fromkeys(key for line in details for key in line.raw_taxes):
        holders = [line for line in details if key in line.raw_taxes]
        raws = [line.raw_taxes[key] for line in holders]
        rounded = [round_half_up(raw, decimals) for raw in raws]
        total = round_half_up(sum(raws, _NOTHING), decimals)
        shares = distribute(total - sum(rounded, _NOTHING), raws, decimals)
        for line, amount, share in zip(holders, rounded, shares, strict=True):
            line.taxes[key] = amount + share
        totals[key] = total
    return totals


def _rounded_like_per_line(line: TaxedLine, version: int) -> bool:
    """Odoo 17 rounds a line whose taxes are all price-included per line, even under round_globally."""
    return version <= 17 and bool(line.taxes) and all(tax.price_include for tax in line.taxes)


def _round_untaxed(details: Sequence[_LineDetails], tax: Fraction, decimals: int, version: int) -> Fraction:
    """Odoo 18/19's ``_round_tax_details_base_lines`` in its default "mixed" mode; 17 sums rounded bases."""
    rounded_bases = sum((round_half_up(line.raw_excluded, decimals) for line in details), _NOTHING)
    if version <= 17:
        return rounded_bases
    included_mode = all(
        key.price_include for line in details for key, amount in line.taxes.items() if amount != 0
    )
    if included_mode:
        raw_total = sum((line.raw_included for line in details), _NOTHING)
        return rounded_bases if raw_total == 0 else round_half_up(raw_total, decimals) - tax
    raw_bases = sum((line.raw_excluded for line in details), _NOTHING)
    return rounded_bases if raw_bases == 0 else round_half_up(raw_bases, decimals)


def distribute(delta: Fraction, factors: Iterable[Fraction], decimals: int) -> list[Fraction]:
    """Spread ``delta`` (whole units of ``10**-decimals``) over weights, as Odoo's smooth distribution.

    Units go to the largest weights first, each taking its proportional share rounded half to even (as
    Python's ``round`` does in Odoo), and any units left go one by one from the largest weight down.
    """
    weights = [abs(value) for value in factors]
    shares = [_NOTHING] * len(weights)
    unit = Fraction(1, 10**decimals)
    count = round(abs(delta) / unit)
    if not count or not weights:
        return shares
    step = unit if delta > 0 else -unit
    order = sorted(range(len(weights)), key=lambda index: weights[index], reverse=True)
    total = sum(weights, _NOTHING)
    remaining = count
    for index in order:
        weight = weights[index] / total if total else Fraction(1, len(weights))
        taken = min(round(weight * count), remaining)
        shares[index] += taken * step
        remaining -= taken
    for position in range(remaining):
        shares[order[position % len(order)]] += step
    return shares
