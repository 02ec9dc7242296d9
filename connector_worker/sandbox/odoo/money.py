"""Amounts as Odoo computes them, for sale orders and invoices: the sandbox's entry to its tax engine.

It reads what Odoo reads (the lines' taxes, the company's ``tax_calculation_rounding_method``, the
document currency's rounding, the server version) and leaves the arithmetic to ``tax_lines`` (one line)
and ``tax_rounding`` (the document). The engine is the sandbox's own port of Odoo's ``account.tax``; it
shares nothing with ``mappers.money``, whose predictions the sandbox stands ready to contradict (checked
against genuine Odoo figures, reference odoo.md §7.13).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING

from connector_worker.sandbox.odoo.tax_lines import PricedLine, TaxSpec, line_taxes
from connector_worker.sandbox.odoo.tax_rounding import ROUND_PER_LINE, document_amounts, line_amounts, stored

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.orm import Env

COMPANY_ID = 1
CENT = 0.01


def float_round(value: float, rounding: float = CENT) -> float:
    """An amount rounded as Odoo rounds money, in the form a Monetary field stores it."""
    return stored(value, rounding)


@dataclass(frozen=True)
class LineInput:
    """One priced line as a record holds it: the tax ids still to be read."""

    price_unit: float
    quantity: float
    discount: float
    tax_ids: tuple[int, ...]


@dataclass(frozen=True)
class Totals:
    """A document's untaxed/tax/total, plus each line's (subtotal, tax, total)."""

    untaxed: float
    tax: float
    total: float
    lines: tuple[tuple[float, float, float], ...]


def rounding_method(env: Env) -> str:
    """The company's method; a company without one rounds per line (the field's default)."""
    return str(env.get("res.company", COMPANY_ID, "tax_calculation_rounding_method") or ROUND_PER_LINE)


def tax_spec(env: Env, tax_id: int) -> TaxSpec:
    tax = env.record("account.tax", tax_id)
    return TaxSpec(
        id=tax_id,
        amount=float(tax.get("amount") or 0.0),
        amount_type=str(tax.get("amount_type") or "percent"),
        price_include=bool(env.value("account.tax", tax, "price_include")),
        sequence=int(tax.get("sequence") or 0),
    )


def currency_rounding(env: Env, currency_id: int) -> float:
    """The smallest amount of the currency (``res.currency.rounding``)."""
    return float(env.get("res.currency", currency_id, "rounding") or CENT)


def totals(env: Env, lines: list[LineInput], rounding: float = CENT) -> Totals:
    """A sale order's or invoice's amounts in a currency of ``rounding``."""
    method, version = rounding_method(env), env.version
    # Each tax read once per call (setdefault would read it for every line anyway).
    specs = {tax_id: tax_spec(env, tax_id) for tax_id in {t for line in lines for t in line.tax_ids}}
    priced = [
        PricedLine(
            line.price_unit, line.quantity, line.discount, tuple(specs[tax_id] for tax_id in line.tax_ids)
        )
        for line in lines
    ]
    details = [
        line_taxes(line, per_line=method == ROUND_PER_LINE, rounding=rounding, version=version)
        for line in priced
    ]
    per_line = tuple(astuple(line_amounts(line, rounding=rounding, version=version)) for line in details)
    document = document_amounts(details, method=method, rounding=rounding, version=version)
    return Totals(document.untaxed, document.tax, document.total, per_line)
