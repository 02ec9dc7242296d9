"""The mappers' exact-fraction prediction of Odoo's totals against the Odoo sandbox's float port of Odoo's tax
engine, line by line on a sweep the seed corpus does not reach: fractional quantities, where Odoo 17 rounds
every line's amount to the cent before taxing it (``round_price_include``) even under ``round_globally``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector_worker.sandbox.odoo.tax_lines import PricedLine, TaxSpec, line_taxes
from connector_worker.sandbox.odoo.tax_rounding import document_amounts
from mappers.money import ROUND_GLOBALLY, ROUND_PER_LINE, TaxedLine, TaxKey, odoo_totals

RATE = Decimal("8.25")


def sandbox_total(price: Decimal, quantity: Decimal, method: str, version: int) -> Decimal:
    line = PricedLine(float(price), float(quantity), taxes=(TaxSpec(1, float(RATE)),))
    taxed = [line_taxes(line, per_line=method == ROUND_PER_LINE, rounding=0.01, version=version)]
    amounts = document_amounts(taxed, method=method, rounding=0.01, version=version)
    return Decimal(str(amounts.total)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("version", [17, 18, 19])
@pytest.mark.parametrize("method", [ROUND_GLOBALLY, ROUND_PER_LINE])
def test_a_fractional_quantity_is_totalled_as_odoo_totals_it(method: str, version: int) -> None:
    quantity = Decimal("1.5")
    for cents in range(1001, 1500):
        price = Decimal(cents) / 100
        predicted = odoo_totals([TaxedLine(price, quantity, (TaxKey(RATE, False),))], method, version=version)
        assert predicted.total == sandbox_total(price, quantity, method, version), (price, method, version)
