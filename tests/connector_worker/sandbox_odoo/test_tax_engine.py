"""The sandbox's tax engine on its own: Odoo's rounding primitive, the delta spreading, batches of taxes
and the version differences a single line shows (each figure from Odoo's account_tax.py docstrings or
from the 17 and 18 code paths they describe)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import connector_worker.sandbox.odoo as odoo_sandbox
from connector_worker.sandbox.odoo.tax_lines import PricedLine, TaxSpec, batches, line_taxes, odoo_round
from connector_worker.sandbox.odoo.tax_rounding import distribute, document_amounts, stored

GLOBALLY, PER_LINE = "round_globally", "round_per_line"


def amounts(lines: list[PricedLine], version: int, method: str = GLOBALLY) -> tuple[float, float, float]:
    details = [
        line_taxes(line, per_line=method == PER_LINE, rounding=0.01, version=version) for line in lines
    ]
    result = document_amounts(details, method=method, rounding=0.01, version=version)
    return result.untaxed, result.tax, result.total


def test_odoo_round_rounds_ties_away_from_zero_despite_binary_floats() -> None:
    assert stored(2.675, 0.01) == 2.68  # 2.675 is 2.67499999999999982236431605997495353221893310546875
    assert stored(-2.675, 0.01) == -2.68
    assert odoo_round(0.5, 1.0) == 1.0 and odoo_round(-0.5, 1.0) == -1.0
    assert odoo_round(1.0049, 0.01) == pytest.approx(1.0)
    assert stored(57 * 0.01, 0.01) == 0.57 and odoo_round(0.57, 0.01) != 0.57  # in memory vs stored


def test_distribute_follows_odoos_docstring_example() -> None:
    # 0.03 at 3 digits over factors 0.4 / 0.3 / 0.3 gives 12, 9 and 9 thousandths
    shares = distribute(0.03, [0.4, 0.3, 0.3], 0.001)
    assert [round(share, 3) for share in shares] == [0.012, 0.009, 0.009]
    # a single cent goes to the biggest factor; nothing to spread gives zeros
    assert distribute(-0.01, [1.0, 5.0, 2.0], 0.01) == [0.0, -0.01, 0.0]
    assert distribute(0.004, [1.0], 0.01) == [0.0]


def test_neighbouring_included_percent_taxes_are_one_batch() -> None:
    first, second = TaxSpec(1, 10.0, price_include=True), TaxSpec(2, 10.0, price_include=True, sequence=2)
    excluded = TaxSpec(3, 5.0, sequence=3)
    grouped = batches([first, second, excluded])
    assert grouped[1] == grouped[2] and excluded not in grouped[1]
    # 100 with two included 10 % taxes: each 100 / 1.2 * 0.1 = 8.33..., the base takes 83.34 (docstring)
    assert amounts([PricedLine(100.0, 1.0, 0.0, (first, second))], 19) == (83.34, 16.66, 100.0)


def test_an_excluded_tax_after_an_included_one_is_on_the_net_from_18_and_on_the_gross_on_17() -> None:
    # given 110 with 10 % included (sequence 1) and 5 % excluded (sequence 2)
    line = PricedLine(110.0, 1.0, 0.0, (TaxSpec(1, 10.0, price_include=True), TaxSpec(2, 5.0, sequence=2)))
    # 18/19 lower every other tax's base by the included tax: 5 % of 100
    assert amounts([line], 19) == amounts([line], 18) == (100.0, 15.0, 115.0)
    # 17 only lowers the included taxes after it, so the excluded tax is 5 % of 110
    assert amounts([line], 17) == (100.0, 15.5, 115.5)


def test_fixed_taxes_follow_the_sign_of_the_price_from_18() -> None:
    eco = TaxSpec(9, 1.5, amount_type="fixed")
    assert amounts([PricedLine(10.0, 2.0, 0.0, (eco,))], 19) == (20.0, 3.0, 23.0)
    refund = PricedLine(-10.0, 1.0, 0.0, (eco,))
    assert amounts([refund], 19) == (-10.0, -1.5, -11.5)
    assert amounts([refund], 17) == (-10.0, 1.5, -8.5)


def test_17_rounds_each_line_amount_before_taxing_it() -> None:
    # given 3 lines of 0.333 (no discount) at 10 % excluded: 18/19 tax the raw 0.999, 17 the rounded 0.99
    lines = [PricedLine(0.333, 1.0, 0.0, (TaxSpec(1, 10.0),))] * 3
    assert amounts(lines, 19) == (1.0, 0.1, 1.1)
    assert amounts(lines, 17) == (0.99, 0.1, 1.09)


def test_rounding_per_line_sums_the_lines_on_every_version() -> None:
    lines = [PricedLine(0.05, 1.0, 0.0, (TaxSpec(1, 10.0),))] * 3
    for version in (17, 18, 19):
        # 0.005 per line rounds up to 0.01 three times; globally it is round(0.015) = 0.02
        assert amounts(lines, version, PER_LINE) == (0.15, 0.03, 0.18)
        assert amounts(lines, version) == (0.15, 0.02, 0.17)


def test_the_sandbox_computes_money_without_the_mappers() -> None:
    # the sandbox stands in for Odoo: its figures must not come from the code whose predictions it checks
    package = Path(odoo_sandbox.__file__).parent
    imported = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    assert "connector_worker.sandbox.odoo.tax_rounding" in imported  # the scan sees the package's imports
    assert not [name for name in imported if name.split(".")[0] == "mappers"]
