"""The pure model of Odoo's sale order totals against numbers a genuine Odoo produced or documents."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from mappers.money import (
    ROUND_GLOBALLY,
    ROUND_PER_LINE,
    OdooTotals,
    TaxedLine,
    TaxKey,
    distribute,
    odoo_totals,
    round_half_up,
)

D = Decimal
EXCL_8_25 = TaxKey(D("8.25"), price_include=False)
INCL_15 = TaxKey(D(15), price_include=True)
INCL_21 = TaxKey(D(21), price_include=True)
EXCL_23 = TaxKey(D(23), price_include=False)


def totals(untaxed: str, tax: str, total: str) -> tuple[Decimal, Decimal, Decimal]:
    return D(untaxed), D(tax), D(total)


def amounts(result: OdooTotals) -> tuple[Decimal, Decimal, Decimal]:
    return result.untaxed, result.tax, result.total


# Reference odoo.md §7.13: a fresh US company on a genuine Odoo 19 (round_globally).


def test_excluded_tax_with_an_untaxed_shipping_line_matches_odoo_19() -> None:
    # given 2 × 52.00 at 8.25 % excluded and a 5.00 untaxed shipping line
    lines = [TaxedLine(D("52.00"), D(2), (EXCL_8_25,)), TaxedLine(D("5.00"), D(1))]
    # when / then: Odoo 19 showed untaxed 109.00, tax 8.58, total 117.58
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("109.00", "8.58", "117.58")


def test_included_tax_matches_odoo_19() -> None:
    # given 1 × 229.00 with a 15 % price-included tax → untaxed 199.13, tax 29.87, total 229.00
    lines = [TaxedLine(D("229.00"), D(1), (INCL_15,))]
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("199.13", "29.87", "229.00")


def test_percentage_discount_on_the_line_matches_odoo_19() -> None:
    # given 2 × 49.99 with discount 20 % at 8.25 % excluded → 79.98, 6.60, 86.58
    lines = [TaxedLine(D("49.99"), D(2), (EXCL_8_25,), discount=D(20))]
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("79.98", "6.60", "86.58")


def test_a_negative_price_unit_lowers_the_total() -> None:
    # given a coupon as a line of -12.50 (Odoo accepts it and lowers the total)
    lines = [TaxedLine(D("52.00"), D(2), (EXCL_8_25,)), TaxedLine(D("-12.50"), D(1), (EXCL_8_25,))]
    # then the tax is computed on the discounted base: 91.50 × 8.25 % = 7.54875 → 7.55
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("91.50", "7.55", "99.05")


def test_a_fractional_quantity_is_priced_as_such() -> None:
    lines = [TaxedLine(D("10.00"), D("1.5"), (EXCL_8_25,))]
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("15.00", "1.24", "16.24")


# Examples documented in Odoo's own account.tax rounding code.


def test_round_globally_rounds_the_included_total_not_each_line() -> None:
    # given two lines of 21.53 with 21 % included (account_tax.py docstring)
    lines = [TaxedLine(D("21.53"), D(1), (INCL_21,))] * 2
    # then round globally gives 35.59 + 7.47 = 43.06: the tax is rounded once, the base takes the rest
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("35.59", "7.47", "43.06")
    # and round per line rounds each line's tax: 2 × 3.74
    assert amounts(odoo_totals(lines, ROUND_PER_LINE)) == totals("35.58", "7.48", "43.06")


def test_round_globally_rounds_the_sum_of_excluded_bases_and_taxes() -> None:
    # given 2 lines of 12.12 × 12.12 at 23 % excluded (account_tax.py comments)
    lines = [TaxedLine(D("12.12"), D("12.12"), (EXCL_23,))] * 2
    # then globally: base round(293.7888) = 293.79 and tax round(67.5714) = 67.57
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("293.79", "67.57", "361.36")
    # while per line the base is rounded first, then its tax: 146.89 + round(33.7847) = 146.89 + 33.78
    assert amounts(odoo_totals(lines, ROUND_PER_LINE)) == totals("293.78", "67.56", "361.34")


def test_two_included_taxes_are_extracted_together_and_keep_the_gross_price() -> None:
    # given 100.00 with two included 10 % taxes (account_tax.py docstring: base 83.34, not 83.33)
    first, second = TaxKey(D(10), True), TaxKey(D("10.0000"), True)
    result = odoo_totals([TaxedLine(D(100), D(1), (first, TaxKey(D(10.5), True)))], ROUND_GLOBALLY)
    assert result.total == D("100.00")
    assert first == second and hash(first) == hash(second)  # Odoo's 4-decimal rates compare by value


def test_zero_decimal_currency_rounds_to_whole_units() -> None:
    # given JPY lines of 13,582 with 10 % included (odoo/odoo#191983, "correct in 18.0")
    lines = [TaxedLine(D(13582), D(1), (TaxKey(D(10), True),))] * 2
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY, decimals=0)) == totals("24695", "2469", "27164")


def test_an_excluded_tax_with_an_amount_switches_the_order_to_excluded_rounding() -> None:
    # given the two 21.53 included lines plus one excluded-tax line
    lines = [TaxedLine(D("21.53"), D(1), (INCL_21,))] * 2 + [TaxedLine(D("10.00"), D(1), (EXCL_8_25,))]
    result = odoo_totals(lines, ROUND_GLOBALLY)
    # then the untaxed amount is the rounded sum of unrounded bases: 35.5868 + 10 → 45.59
    assert amounts(result) == totals("45.59", "8.30", "53.89")
    assert result.tax_by_key == {INCL_21: D("7.47"), EXCL_8_25: D("0.83")}


def test_a_zero_raw_total_keeps_the_per_line_bases_as_odoo_does() -> None:
    # given products at 16 % included summing 499.00 and an untaxed -499.00 gift card line
    # (odoo/odoo#289851: Odoo returns early when the raw total is exactly 0 and shows 0.01 due)
    products = [TaxedLine(D(price), D(1), (TaxKey(D(16), True),)) for price in (62, 234, 27, 5, 10, 115, 46)]
    result = odoo_totals([*products, TaxedLine(D(-499), D(1))], ROUND_GLOBALLY)
    assert amounts(result) == totals("-68.82", "68.83", "0.01")


def test_lines_without_tax_just_add_up() -> None:
    lines = [TaxedLine(D("0.10"), D(3)), TaxedLine(D("19.99"), D(1))]
    assert amounts(odoo_totals(lines, ROUND_PER_LINE)) == totals("20.29", "0", "20.29")
    assert odoo_totals([], ROUND_GLOBALLY).total == 0


def test_an_unknown_rounding_method_is_refused() -> None:
    with pytest.raises(ValueError, match="round_globally"):
        odoo_totals([], "round_sometimes")


def test_distribute_gives_units_to_the_biggest_weights_first() -> None:
    cent = Fraction(1, 100)
    # 3 cents over weights 0.4/0.3/0.3 → one each; 1 cent → the biggest; nothing to share → zeros
    assert distribute(3 * cent, [Fraction(4), Fraction(3), Fraction(3)], 2) == [cent, cent, cent]
    assert distribute(-cent, [Fraction(1), Fraction(5), Fraction(2)], 2) == [0, -cent, 0]
    assert distribute(Fraction(0), [Fraction(1)], 2) == [0]
    assert distribute(2 * cent, [Fraction(0), Fraction(0)], 2) == [cent, cent]


def test_round_half_up_rounds_ties_away_from_zero() -> None:
    assert round_half_up(Fraction(1, 40), 2) == Fraction(3, 100)  # 0.025 → 0.03
    assert round_half_up(Fraction(-1, 40), 2) == Fraction(-3, 100)
    assert round_half_up(Fraction(229) / Fraction("1.15"), 2) == Fraction("199.13")


def test_tax_label_reads_as_the_rate() -> None:
    assert EXCL_8_25.label == "8.25 % (excluded)"
    assert TaxKey(D("20.0000"), True).label == "20 % (included)"


# Odoo 17 rounds tax-included totals differently from 18 and 19 under round_globally.


def test_a_tax_included_tie_keeps_the_gross_price_on_every_version() -> None:
    # given one line of 20.79 with 20 % included: base 17.325 and tax 3.465, both exact ties
    lines = [TaxedLine(D("20.79"), D(1), (TaxKey(D(20), True),))]
    # then 19 rounds the tax-included total (20.79) and gives the base what the tax leaves
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY)) == totals("17.32", "3.47", "20.79")
    # current 18.0 rounds as 19 does ("mixed" mode; its first release showed 17.33 + 3.47 = 20.80)
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY, version=18)) == totals("17.32", "3.47", "20.79")
    # 17 rounds a tax-included line per line: tax round(3.465) = 3.47, base 20.79 − 3.47
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY, version=17)) == totals("17.32", "3.47", "20.79")


def test_versions_on_odoo_s_own_examples() -> None:
    # two lines of 21.53 at 21 % included: 18's docstring 35.59 + 7.47, 17's (odoo/odoo#169960) 35.58 + 7.48
    lines = [TaxedLine(D("21.53"), D(1), (INCL_21,))] * 2
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY, version=18)) == totals("35.59", "7.47", "43.06")
    assert amounts(odoo_totals(lines, ROUND_GLOBALLY, version=17)) == totals("35.58", "7.48", "43.06")
    # JPY 2 × 13,582 at 10 % included (odoo/odoo#191983): 17 shows 24,694 + 2,470, 18 24,695 + 2,469
    yen = [TaxedLine(D(13582), D(1), (TaxKey(D(10), True),))] * 2
    assert amounts(odoo_totals(yen, ROUND_GLOBALLY, 0, version=17)) == totals("24694", "2470", "27164")
    assert amounts(odoo_totals(yen, ROUND_GLOBALLY, 0, version=18)) == totals("24695", "2469", "27164")


def test_versions_agree_on_excluded_taxes() -> None:
    lines = [TaxedLine(D("52.00"), D(2), (EXCL_8_25,)), TaxedLine(D("5.00"), D(1))]
    for version in (17, 18, 19):
        assert odoo_totals(lines, ROUND_GLOBALLY, version=version).total == D("117.58")
