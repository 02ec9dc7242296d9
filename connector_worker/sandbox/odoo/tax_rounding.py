"""A document's totals from its lines' taxes: Odoo's rounding under the company's method, per version.

18 and 19 (``_round_base_lines_tax_details`` → ``_round_tax_details_tax_amounts`` →
``_round_tax_details_base_lines`` in its default "mixed" mode → ``_get_tax_totals_summary``):

* each tax's document amount is its rounded raw sum; the cents it gains or loses against the sum of the
  lines' rounded amounts are spread over those lines, biggest first;
* the untaxed amount is the sum of the lines' rounded bases plus a delta: when every tax with an amount
  is price-included ("included"), the delta brings base + tax to the rounded raw tax-included total (one
  line of 20.79 with 20 % included stays 20.79); otherwise ("excluded") it brings the base to the
  rounded raw base. A raw total of exactly zero gets no delta (odoo/odoo#289851).

17 (``sale.order._compute_amounts``): under ``round_globally`` the untaxed amount is the rounded sum of
the lines' bases (each already rounded, see ``tax_lines``) and the tax is the sum of each tax's rounded
raw sum; under ``round_per_line`` both are sums of the lines' rounded subtotals and taxes.

Amounts are floats computed in Odoo's order; ``stored`` gives what a Monetary field keeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from connector_worker.sandbox.odoo.tax_lines import LineTaxes, TaxAmount, is_zero, odoo_round

ROUND_PER_LINE = "round_per_line"


@dataclass(frozen=True)
class Amounts:
    """Untaxed, tax and total as a Monetary field stores them (clean to the currency's decimals)."""

    untaxed: float
    tax: float
    total: float


def decimal_places(rounding: float) -> int:
    return max(0, math.ceil(-math.log10(rounding) - 1e-9)) if rounding < 1 else 0


def stored(value: float, rounding: float) -> float:
    """What a Monetary column holds: the currency-rounded value, written with the currency's decimals."""
    return round(odoo_round(value, rounding), decimal_places(rounding)) + 0.0


def line_amounts(line: LineTaxes, *, rounding: float, version: int) -> Amounts:
    """``price_subtotal``, ``price_tax`` and ``price_total`` of one sale order or invoice line."""
    if version <= 17:  # _compute_taxes on the line alone: rounded base, each tax rounded
        subtotal = stored(line.raw_total_excluded, rounding)
        tax = sum(odoo_round(entry.raw, rounding) for entry in line.taxes)
        return Amounts(subtotal, stored(tax, rounding), stored(subtotal + tax, rounding))
    subtotal = stored(line.raw_total_excluded, rounding)
    total = stored(line.raw_total_included, rounding)
    return Amounts(subtotal, stored(total - subtotal, rounding), total)


def document_amounts(lines: Sequence[LineTaxes], *, method: str, rounding: float, version: int) -> Amounts:
    """``amount_untaxed``, ``amount_tax`` and ``amount_total`` of a sale order or invoice."""
    if version <= 17:
        return _amounts_17(lines, method, rounding)
    _round_raw(lines, rounding)
    _spread_tax_deltas(lines, rounding)
    _spread_base_delta(lines, rounding)
    untaxed = sum(line.total_excluded + line.delta_total_excluded for line in lines)
    tax = sum(entry.rounded for line in lines for entry in line.taxes)
    return Amounts(stored(untaxed, rounding), stored(tax, rounding), stored(untaxed + tax, rounding))


def _amounts_17(lines: Sequence[LineTaxes], method: str, rounding: float) -> Amounts:
    if method == ROUND_PER_LINE:
        untaxed = sum(stored(line.raw_total_excluded, rounding) for line in lines)
        tax = sum(odoo_round(entry.raw, rounding) for line in lines for entry in line.taxes)
    else:
        untaxed = sum(line.raw_total_excluded for line in lines)
        tax = sum(odoo_round(sum(entry.raw for entry in group), rounding) for group in _by_tax(lines))
    untaxed, tax = stored(untaxed, rounding), stored(tax, rounding)
    return Amounts(untaxed, tax, stored(untaxed + tax, rounding))


def _by_tax(lines: Sequence[LineTaxes]) -> list[list[TaxAmount]]:
    """Each tax's entries across the lines, keyed as Odoo keys its tax lines (tax, price convention)."""
    groups: dict[tuple[int, bool], list[TaxAmount]] = {}
    for line in lines:
        for entry in line.taxes:
            groups.setdefault((entry.tax.id, entry.tax.price_include), []).append(entry)
    return list(groups.values())


def _round_raw(lines: Sequence[LineTaxes], rounding: float) -> None:
    for line in lines:
        line.total_excluded = odoo_round(line.raw_total_excluded, rounding)
        line.delta_total_excluded = 0.0
        for entry in line.taxes:
            entry.rounded = odoo_round(entry.raw, rounding)


def _spread_tax_deltas(lines: Sequence[LineTaxes], rounding: float) -> None:
    """``_round_tax_details_tax_amounts``: each tax totals its rounded raw sum."""
    for group in _by_tax(lines):
        raw_total = sum(entry.raw for entry in group)
        delta = odoo_round(raw_total, rounding) - sum(entry.rounded for entry in group)
        if is_zero(delta, rounding):
            continue
        for entry, share in zip(
            group, distribute(delta, [entry.raw for entry in group], rounding), strict=True
        ):
            entry.rounded += share


def _spread_base_delta(lines: Sequence[LineTaxes], rounding: float) -> None:
    """``_round_tax_details_base_lines`` in "mixed" mode (see the module docstring)."""
    included = all(
        entry.tax.price_include
        for line in lines
        for entry in line.taxes
        if not is_zero(entry.rounded, rounding)
    )
    raw_excluded = sum(line.raw_total_excluded for line in lines)
    if included:
        raw = raw_excluded + sum(entry.raw for line in lines for entry in line.taxes)
        current = sum(line.total_excluded for line in lines)
        current += sum(entry.rounded for line in lines for entry in line.taxes)
        factors = [line.raw_total_included for line in lines]
    else:
        raw = raw_excluded
        current = sum(line.total_excluded for line in lines)
        factors = [line.raw_total_excluded for line in lines]
    if not raw:
        return
    for line, share in zip(
        lines, distribute(odoo_round(raw, rounding) - current, factors, rounding), strict=True
    ):
        line.delta_total_excluded += share


def distribute(delta: float, factors: Sequence[float], rounding: float) -> list[float]:
    """``_distribute_delta_amount_smoothly``: whole currency units, biggest factors first.

    Each factor takes its proportional share of the units (Python's ``round``, as in Odoo), and units
    left over go one each to the biggest factors.
    """
    digits = decimal_places(rounding)
    unit = float(f"1e-{digits}")
    shares = [0.0] * len(factors)
    if is_zero(delta, unit):
        return shares
    sign = -1 if delta < 0.0 else 1
    count = round(abs(delta / unit))
    weights = sorted(((i, abs(f)) for i, f in enumerate(factors)), key=lambda pair: pair[1], reverse=True)
    total = sum(weight for _, weight in weights)
    normalized = [(i, weight / total if total else 1 / len(weights)) for i, weight in weights]
    remaining = count
    for index, weight in normalized:
        if not remaining:
            break
        taken = min(round(weight * count), remaining)
        remaining -= taken
        shares[index] += sign * taken * unit
    for position in range(remaining):
        shares[normalized[position][0]] += sign * unit
    return shares
