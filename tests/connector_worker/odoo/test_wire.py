"""Mapper values (Decimal money, aware datetimes) become what XML-RPC and JSON can carry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connector_worker.odoo.wire import to_wire


def test_money_dates_and_nesting_are_encoded_for_odoo() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    value = {
        "amount": Decimal("117.58"),
        "when": dt.datetime(2026, 5, 1, 14, 30, 5, tzinfo=paris),
        "day": dt.date(2026, 5, 1),
        "lines": ((0, 0, {"price_unit": Decimal("-12.50")}),),
        "flag": None,
    }
    assert to_wire(value) == {
        "amount": 117.58,
        "when": "2026-05-01 12:30:05",
        "day": "2026-05-01",
        "lines": [[0, 0, {"price_unit": -12.5}]],
        "flag": None,
    }


def test_naive_datetimes_and_nonsense_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        to_wire({"date_order": dt.datetime(2026, 5, 1, 12, 0)})  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="non-finite"):
        to_wire(Decimal("NaN"))
    with pytest.raises(TypeError, match="cannot send a object"):
        to_wire(object())
