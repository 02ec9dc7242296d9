"""Amounts as Odoo computes them: taxes included or excluded in the price, discounts, and the company's
rounding method (``round_globally`` by default: round the sums, not each line — reference odoo.md §7.13).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.orm import Env

COMPANY_ID = 1


def float_round(value: float, rounding: float = 0.01) -> float:
    """Odoo's ``float_round``: half-up, after nudging by one ulp so 2.675 rounds like the decimal it means."""
    if not value:
        return 0.0
    normalized = value / rounding
    epsilon = 2 ** (math.log2(abs(normalized)) - 52)
    normalized += math.copysign(epsilon, normalized)
    rounded = math.copysign(math.floor(abs(normalized) + 0.5), normalized)
    return round(rounded * rounding, max(0, -math.floor(math.log10(rounding))))


@dataclass(frozen=True)
class LineInput:
    """One priced line: what ``compute_all`` receives."""

    price_unit: float
    quantity: float
    discount: float
    tax_ids: tuple[int, ...]


@dataclass
class LineAmounts:
    """Unrounded results of one line."""

    excluded: float
    taxes: dict[int, float] = field(default_factory=dict)

    @property
    def tax(self) -> float:
        return sum(self.taxes.values())


@dataclass(frozen=True)
class Totals:
    """Rounded order or invoice totals, plus each line's rounded subtotal/tax/total."""

    untaxed: float
    tax: float
    total: float
    lines: tuple[tuple[float, float, float], ...]


def line_amounts(env: Env, line: LineInput) -> LineAmounts:
    """Split a line's amount into its untaxed base and each tax, taxes included in the price first."""
    base = line.price_unit * (1 - (line.discount or 0.0) / 100.0) * line.quantity
    taxes = [env.record("account.tax", tax_id) for tax_id in line.tax_ids]
    included = [t for t in taxes if env.value("account.tax", t, "price_include")]
    fixed_included = (
        sum(t.get("amount") or 0.0 for t in included if t.get("amount_type") == "fixed") * line.quantity
    )
    rate_included = sum((t.get("amount") or 0.0) / 100 for t in included if t.get("amount_type") != "fixed")
    excluded = (base - fixed_included) / (1 + rate_included)
    amounts = LineAmounts(excluded)
    for tax in taxes:
        if tax.get("amount_type") == "fixed":
            amount = (tax.get("amount") or 0.0) * line.quantity
        else:
            amount = excluded * (tax.get("amount") or 0.0) / 100
        amounts.taxes[tax["id"]] = amounts.taxes.get(tax["id"], 0.0) + amount
    return amounts


def totals(env: Env, lines: list[LineInput], rounding: float = 0.01) -> Totals:
    """Order/invoice totals under the company's ``tax_calculation_rounding_method``."""
    method = env.get("res.company", COMPANY_ID, "tax_calculation_rounding_method") or "round_per_line"
    computed = [line_amounts(env, line) for line in lines]
    per_line = tuple(
        (
            float_round(a.excluded, rounding),
            float_round(a.tax, rounding),
            float_round(a.excluded + a.tax, rounding),
        )
        for a in computed
    )
    if method == "round_per_line":
        untaxed = float_round(sum(p[0] for p in per_line), rounding)
        tax = float_round(sum(float_round(v, rounding) for a in computed for v in a.taxes.values()), rounding)
    else:
        untaxed = float_round(sum(a.excluded for a in computed), rounding)
        by_tax: dict[int, float] = {}
        for amounts in computed:
            for tax_id, value in amounts.taxes.items():
                by_tax[tax_id] = by_tax.get(tax_id, 0.0) + value
        tax = float_round(sum(float_round(v, rounding) for v in by_tax.values()), rounding)
    return Totals(untaxed, tax, float_round(untaxed + tax, rounding), per_line)
