"""Money arithmetic the way Magento does it: 2-decimal rounding with per-rate rounding deltas.

Magento's default tax algorithm (``TOTAL_BASE_CALCULATION``) rounds each row's tax on its own but carries
the rounding remainder to the next row of the same rate, so a cart's tax equals the tax of its total to
the cent. The sandbox reproduces that so every order it makes adds up exactly, as a real store's do.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded to cents, half away from zero (PHP's ``round``)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class DeltaRounder:
    """Rounds a sequence of amounts per key, carrying each rounding remainder to the next amount.

    This is Magento's ``deltaRound``: the sum of the rounded amounts of one key never drifts more than
    half a cent from the sum of the exact amounts.
    """

    def __init__(self) -> None:
        self._deltas: dict[str, Decimal] = {}

    def round(self, key: str, amount: Decimal) -> Decimal:
        exact = amount + self._deltas.get(key, ZERO)
        rounded = round_money(exact)
        self._deltas[key] = exact - rounded
        return rounded


def json_number(amount: Decimal) -> int | float:
    """A DECIMAL(20,4) column as PHP's JSON encoder renders it: ``165`` or ``52.5``."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """A base-currency amount in the order currency, rounded to cents."""
    return round_money(amount * rate)
