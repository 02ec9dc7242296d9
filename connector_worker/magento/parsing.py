"""Magento JSON in and out: money as ``Decimal``, ``*_at`` timestamps as aware UTC datetimes.

Magento renders DECIMAL(20,4) columns as JSON numbers and every timestamp as ``YYYY-MM-DD HH:MM:SS`` in UTC
without a zone (reference/magento.md §0); floats would lose cents and naive datetimes invite time-zone bugs.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

MAGENTO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# MySQL's "zero" timestamps and empty strings mean "not set" (seen on quotes' converted_at); they become None.
_UNSET_TIMESTAMPS = frozenset({"", "0000-00-00 00:00:00", "0000-00-00"})
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MalformedPayloadError(ValueError):
    """The body is not the JSON Magento sends (unparseable, NaN, an ``*_at`` value that is not a date)."""


def parse_magento_datetime(value: str) -> datetime | None:
    """An aware UTC datetime for a Magento timestamp, ``None`` for an unset (empty or zero) one.

    Magento's own format has no zone and is UTC by design (issue #24985); an ISO value with an explicit
    offset (third-party extension attributes) is honoured and converted to UTC. A bare date means midnight UTC.
    """
    text = value.strip()
    if text in _UNSET_TIMESTAMPS:
        return None
    if _DATE_RE.match(text):
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    if not _DATETIME_RE.match(text):
        raise MalformedPayloadError(f"not a Magento timestamp: {value!r}")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_magento_datetime(value: datetime | date) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC for filters; a naive datetime is refused rather than guessed."""
    if not isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone; give an aware datetime")
    return value.astimezone(UTC).strftime(MAGENTO_DATETIME_FORMAT)


def _refuse_constant(name: str) -> Any:
    raise MalformedPayloadError(f"JSON constant {name} is not valid Magento output")


def loads(body: str | bytes) -> Any:
    """Parse a Magento response body: fractional numbers as ``Decimal``, integers as ``int``, ``*_at`` dates.

    Every string under a key ending in ``_at`` (at any depth: ``created_at``, ``updated_at``,
    ``items[].created_at``, ``status_histories[].created_at``, a quote's ``converted_at``, ...) becomes an aware
    UTC ``datetime`` (``None`` when empty or MySQL's zero date). Anything else is left as Magento sent it.
    Raises :class:`MalformedPayloadError` for a body that is not JSON or holds a non-date ``*_at`` string.
    """
    try:
        document = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedPayloadError(f"response is not JSON: {exc}") from None
    return convert_timestamps(document)


def convert_timestamps(value: Any, key: str | None = None) -> Any:
    """``value`` with every string under an ``*_at`` key turned into an aware UTC datetime, recursively."""
    if isinstance(value, dict):
        return {k: convert_timestamps(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [convert_timestamps(item) for item in value]
    if isinstance(value, str) and key is not None and key.endswith("_at"):
        try:
            return parse_magento_datetime(value)
        except MalformedPayloadError:
            raise MalformedPayloadError(f"field {key!r} holds {value!r}, not a Magento timestamp") from None
    return value


def dumps(value: Any) -> str:
    """A request body as JSON: Decimals as exact JSON numbers, datetimes in Magento's UTC form."""
    return json.dumps(_json_ready(value), ensure_ascii=False, separators=(",", ":"))


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, Decimal):
        return _decimal_number(value)
    if isinstance(value, datetime | date):
        return format_magento_datetime(value)
    return value


def _decimal_number(value: Decimal) -> int | float:
    """An int or a float that prints as exactly ``value`` (floats print their shortest round-trip form)."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be sent to Magento")
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"{value} has more digits than a JSON number can carry exactly")
    return as_float
