"""One order or invoice line's taxes as Odoo computes them, before the document rounds anything.

A port of ``account.tax``'s per-line engine for what a sale order carries: percent, fixed and division
taxes, price-included or not, batched as Odoo batches them (neighbours in ``(sequence, id)`` order with
the same type and price convention). 18/19 follow ``_get_tax_details``; 17 follows ``_prepare_taxes_
computation``/``_eval_taxes_computation``, which differs in three ways kept here: the line's amount is
always rounded to the currency first (``round_price_include``), price-included taxes and their bases are
rounded per line even under ``round_globally`` (odoo/odoo#169960), and a price-included tax only lowers
the base of price-included taxes that come after it. Not modelled: groups, ``include_base_amount``,
reverse charge, special modes (the connector sets none of them).

The arithmetic keeps Odoo's float operations in Odoo's order, so ties land where Odoo's land.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def odoo_round(value: float, rounding: float) -> float:
    """``odoo.tools.float_round`` (HALF-UP): nudge by one ulp of the magnitude, round half away from 0.

    The result is Odoo's in-memory float (``57 * 0.01`` is ``0.5700000000000001``), not yet stored.
    """
    if not value or not rounding:
        return 0.0
    normalized = value / rounding
    epsilon = 2 ** (math.log2(abs(normalized)) - 52)
    normalized += math.copysign(epsilon, normalized)
    return math.copysign(math.floor(abs(normalized) + 0.5), normalized) * rounding


def is_zero(value: float, rounding: float) -> bool:
    """``float_is_zero``: nothing left once rounded to the currency."""
    return abs(odoo_round(value, rounding)) < rounding


@dataclass(frozen=True)
class TaxSpec:
    """What the engine needs of an ``account.tax`` record."""

    id: int
    amount: float
    amount_type: str = "percent"  # percent | fixed | division
    price_include: bool = False
    sequence: int = 1


@dataclass(frozen=True)
class PricedLine:
    """A line as ``_prepare_base_line_for_taxes_computation`` sees it."""

    price_unit: float
    quantity: float
    discount: float = 0.0
    taxes: tuple[TaxSpec, ...] = ()


@dataclass
class TaxAmount:
    """One tax of one line: its unrounded amount (rounded per line where Odoo rounds it)."""

    tax: TaxSpec
    raw: float
    rounded: float = 0.0  # set by the document rounding, after the rounding delta is spread


@dataclass
class LineTaxes:
    """``tax_details`` of one base line."""

    raw_total_excluded: float
    raw_total_included: float
    taxes: list[TaxAmount] = field(default_factory=list)
    total_excluded: float = 0.0  # rounded, set by the document rounding
    delta_total_excluded: float = 0.0


def line_taxes(line: PricedLine, *, per_line: bool, rounding: float, version: int) -> LineTaxes:
    """The line's amounts as Odoo ``version`` computes them under the company's rounding method."""
    price = line.price_unit * (1 - (line.discount / 100.0))
    raw_base = line.quantity * price
    round_all = per_line or version <= 17  # 17 rounds the line amount whatever the method
    if round_all:
        raw_base = odoo_round(raw_base, rounding)
    taxes = sorted(dict.fromkeys(line.taxes), key=lambda tax: (tax.sequence, tax.id))
    if not taxes:
        return LineTaxes(raw_base, raw_base)
    run = _Evaluation(taxes, raw_base, price, line.quantity, (rounding, per_line, version))
    amounts = run.evaluate()
    entries = [TaxAmount(tax, amounts[tax.id]) for tax in taxes]
    excluded = run.base_of(taxes[0])
    included = excluded + sum(entry.raw for entry in entries)
    if per_line and version >= 18:  # _add_tax_details_in_base_line rounds the line totals once more
        excluded, included = odoo_round(excluded, rounding), odoo_round(included, rounding)
    return LineTaxes(excluded, included, entries)


def batches(taxes: Sequence[TaxSpec]) -> dict[int, tuple[TaxSpec, ...]]:
    """Each tax's batch: neighbours (walking from the last) sharing type and price convention."""
    result: dict[int, tuple[TaxSpec, ...]] = {}
    batch: list[TaxSpec] = []
    for tax in reversed(taxes):
        if batch and (tax.amount_type, tax.price_include) != (batch[0].amount_type, batch[0].price_include):
            result.update({member.id: tuple(batch) for member in batch})
            batch = []
        batch.append(tax)
    result.update({member.id: tuple(batch) for member in batch})
    return result


class _Evaluation:
    """The evaluation of one line's taxes: fixed first, price-included descending, the rest ascending."""

    def __init__(
        self,
        taxes: list[TaxSpec],
        raw_base: float,
        price: float,
        quantity: float,
        mode: tuple[float, bool, int],
    ) -> None:
        self.taxes, self.raw_base, self.price, self.quantity = taxes, raw_base, price, quantity
        self.rounding, self.per_line, self.version = mode
        self.batch_of = batches(taxes)
        self.amounts: dict[int, float] = {}
        self.extra_for_tax = dict.fromkeys((tax.id for tax in taxes), 0.0)
        self.extra_for_base = dict.fromkeys((tax.id for tax in taxes), 0.0)

    def evaluate(self) -> dict[int, float]:
        for tax in reversed(self.taxes):
            if tax.amount_type == "fixed":
                self._add(tax, self._fixed(tax))
        for tax in reversed(self.taxes):
            if tax.price_include and tax.id not in self.amounts:
                self._add(tax, self._included(tax))
        for tax in self.taxes:
            if not tax.price_include and tax.id not in self.amounts:
                self._add(tax, self._excluded(tax))
        return self.amounts

    def base_of(self, tax: TaxSpec) -> float:
        base = self.raw_base + self.extra_for_base[tax.id]
        if tax.price_include:
            base -= sum(self.amounts[member.id] for member in self.batch_of[tax.id])
        if self.version <= 17 and (self.per_line or tax.price_include):
            base = odoo_round(base, self.rounding)
        return base

    def _fixed(self, tax: TaxSpec) -> float:
        if self.version <= 17:
            return self.quantity * tax.amount
        sign = -1 if self.price < 0.0 else 1
        return sign * self.quantity * tax.amount

    def _included(self, tax: TaxSpec) -> float:
        raw = self.raw_base + self.extra_for_tax[tax.id]
        batch = self.batch_of[tax.id]
        total = sum(member.amount for member in batch) / 100.0
        if tax.amount_type == "division":
            return raw * tax.amount / 100.0
        factor = 1 / (1 + total) if total != -1 else 0.0
        if self.version <= 17:
            return (raw * factor) * (tax.amount / 100.0)
        return raw * factor * tax.amount / 100.0

    def _excluded(self, tax: TaxSpec) -> float:
        raw = self.raw_base + self.extra_for_tax[tax.id]
        if tax.amount_type == "division":
            total = sum(member.amount for member in self.batch_of[tax.id]) / 100.0
            divisor = 1.0 if total == 1.0 else 1 - total
            return raw * tax.amount / 100.0 / divisor
        if self.version <= 17:
            return raw * (tax.amount / 100.0)
        return raw * tax.amount / 100.0

    def _add(self, tax: TaxSpec, amount: float) -> None:
        if self.per_line or (self.version <= 17 and tax.price_include):
            amount = odoo_round(amount, self.rounding)
        self.amounts[tax.id] = amount
        if tax.price_include:
            self._propagate(tax, amount)

    def _propagate(self, tax: TaxSpec, amount: float) -> None:
        """A price-included tax lowers the others' bases (17: only included taxes after it)."""
        batch = self.batch_of[tax.id]
        position = self.taxes.index(batch[-1])  # the batch's first tax in sequence order
        before = self.taxes[:position]
        after = self.taxes[self.taxes.index(batch[0]) + 1 :]
        if self.version <= 17:
            after = [other for other in after if other.price_include]
        for other in [*after, *before]:
            if other.id not in self.amounts:
                self.extra_for_tax[other.id] -= amount
            self.extra_for_base[other.id] -= amount
