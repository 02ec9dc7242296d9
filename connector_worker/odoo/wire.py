"""Python values to what XML-RPC and JSON can carry: money as numbers, aware datetimes as Odoo's UTC text.

Mappers hand us ``Decimal`` amounts and aware datetimes; neither ``xmlrpc.client`` nor ``json`` encodes
them, and Odoo wants naive UTC ``YYYY-MM-DD HH:MM:SS`` strings for Datetime fields.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

ODOO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ODOO_DATE_FORMAT = "%Y-%m-%d"


def to_wire(value: Any) -> Any:
    """``value`` with Decimals, dates, datetimes, enums, tuples and sets made RPC-safe, recursively."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send the non-finite amount {value} to Odoo")
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the Odoo gateway; pass an aware (UTC) datetime")
        return value.astimezone(dt.UTC).strftime(ODOO_DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(ODOO_DATE_FORMAT)
    if isinstance(value, enum.Enum):
        return to_wire(value.value)
    if isinstance(value, Mapping):
        return {str(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_wire(item) for item in value]
    raise TypeError(f"cannot send a {type(value).__name__} to Odoo")
