"""Reading Magento payload values liberally: money, quantities, ids, texts and UTC dates.

The Magento client hands over ``Decimal`` money and aware datetimes, but webhooks, fixtures and older
clients give floats, strings and ``"YYYY-MM-DD HH:MM:SS"``; every reader here accepts all of them and
names the field when a value is unusable, so a bad order fails with a message an operator can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from mappers.errors import MappingError

Payload = Mapping[str, Any]

ZERO = Decimal(0)
ODOO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Odoo's DEFAULT_SERVER_DATETIME_FORMAT, always UTC
MAGENTO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # reference/magento.md §0: UTC, no zone, no fraction

# ISO 4217 minor units that are not 2. Odoo's res.currency data uses the same rounding for these; the
# caller may still pass the Odoo currency's own decimals in the order context.
_MINOR_UNITS = {
    **dict.fromkeys(
        (
            *("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW"),
            *("PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"),
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def to_decimal(raw: object, field: str) -> Decimal:
    """``raw`` (int, Decimal, float or numeric string) as an exact Decimal; floats go through ``str``."""
    if isinstance(raw, bool):
        raise MappingError(field, f"expected a number, got {raw!r}")
    try:
        if isinstance(raw, Decimal | int):
            value = Decimal(raw)
        elif isinstance(raw, float | str):
            value = Decimal(str(raw).strip())
        else:
            raise MappingError(field, f"expected a number, got {type(raw).__name__}")
    except InvalidOperation:
        raise MappingError(field, f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise MappingError(field, f"not a finite number: {raw!r}")
    return value


def optional_amount(data: Payload, key: str, where: str = "") -> Decimal | None:
    """The number under ``key``, or None when the key is absent or null (Magento omits nulls)."""
    raw = data.get(key)
    if raw is None or raw == "":
        return None
    return to_decimal(raw, f"{where}{key}")


def amount(data: Payload, key: str, where: str = "") -> Decimal:
    """The number under ``key``; an absent amount is zero, as Magento omits zero-valued nulls."""
    value = optional_amount(data, key, where)
    return ZERO if value is None else value


def required_amount(data: Payload, key: str, where: str = "") -> Decimal:
    """The number under ``key``, which the mapping cannot do without."""
    value = optional_amount(data, key, where)
    if value is None:
        raise MappingError(f"{where}{key}", "missing")
    return value


def text(data: Payload, key: str) -> str | None:
    """The stripped string under ``key``; None when absent, null or blank."""
    raw = data.get(key)
    if raw is None:
        return None
    value = str(raw).strip()
    return value or None


def integer(data: Payload, key: str, where: str = "") -> int | None:
    """The integer under ``key`` (ids arrive as ints, sometimes as numeric strings)."""
    raw = data.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise MappingError(f"{where}{key}", f"expected an integer, got {raw!r}")
    try:
        return int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise MappingError(f"{where}{key}", f"expected an integer, got {raw!r}") from None


def utc_datetime(raw: object, field: str) -> datetime:
    """An aware UTC datetime from an aware/naive datetime or Magento's UTC ``Y-m-d H:i:s`` string."""
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    if isinstance(raw, str):
        value = raw.strip().replace("T", " ")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise MappingError(field, f"not a date-time: {raw!r}") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise MappingError(field, f"expected a date-time, got {type(raw).__name__}")


def odoo_datetime(moment: datetime) -> str:
    """``moment`` in Odoo's RPC form: UTC, ``YYYY-MM-DD HH:MM:SS``, no fraction."""
    return utc_datetime(moment, "datetime").strftime(ODOO_DATETIME_FORMAT)


def currency_decimals(code: str) -> int:
    """Decimal places of an ISO 4217 currency (2 unless listed otherwise)."""
    return _MINOR_UNITS.get(code.upper(), 2)


def quantize(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded half away from zero, as Odoo's ``float_round`` HALF-UP does."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def to_float(value: Decimal) -> float:
    """The float sent over RPC for an amount already rounded to its final precision.

    Precision assumption: every amount reaching this function is rounded to at most 4 decimals and is far
    below 2**53, so the nearest double converts back to the same decimal and Odoo, which rounds floats to
    the field's digits on write, stores exactly the Decimal computed here.
    """
    return float(value)
